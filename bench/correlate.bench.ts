/**
 * npm run bench:correlate [-- --ads N] [--seed S] [--permutations P]
 *
 * `avakit correlate` end to end on synthetic ads (`avakit synth`): the ads are generated (or
 * reused from bench/ingest.bench.ts's bench/.cache/synth-N-seedS.jsonl) and ingested once into
 * bench/.cache/correlate-N.duckdb, with a seeded synthetic opinions file beside it; then the built
 * CLI (dist/) runs in a child process and the bench reports its wall seconds, ads/s and peak RSS
 * (targets at 1,000,000 ads: < 120 s, < 2 GiB).
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PEW_AGE_GROUPS } from "../src/analysis/age-mapping.js";
import { PEW_SEXES } from "../src/analysis/behavior.js";
import { mulberry32 } from "../src/eval/metrics/bootstrap.js";
import { ingestFiles } from "../src/ingest/ingest.js";
import { CENSUS_REGIONS } from "../src/signals/geography.js";
import { Store } from "../src/store/store.js";
import { writeSynthFile } from "../src/synth/write.js";

const { values } = parseArgs({
  options: {
    ads: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
    permutations: { type: "string", default: "9999" },
  },
});
const ads = Number(values.ads);
const seed = Number(values.seed);
const cacheDir = new URL("./.cache/", import.meta.url).pathname;
mkdirSync(cacheDir, { recursive: true });

const db = join(cacheDir, `correlate-${ads}${seed === 1 ? "" : `-seed${seed}`}.duckdb`);
if (!existsSync(db)) {
  const file = join(cacheDir, `synth-${ads}-seed${seed}.jsonl`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${ads} synthetic ads into ${file}\n`);
    await writeSynthFile({ ads, seed }, `${file}.tmp`);
    renameSync(`${file}.tmp`, file);
  }
  process.stderr.write(`ingesting into ${db}\n`);
  rmSync(`${db}.tmp`, { force: true });
  const store = await Store.open(`${db}.tmp`);
  try {
    await ingestFiles(store, [file], { progress: true });
  } finally {
    store.close();
  }
  renameSync(`${db}.tmp`, db);
}

/** A seeded SYNTHETIC opinions file: 500 four-option questions for every group compared. */
function synthOpinions(file: string): void {
  const random = mulberry32(seed);
  const groups = [
    "Overall",
    ...CENSUS_REGIONS.map((r) => `CREGION:${r}`),
    ...PEW_AGE_GROUPS.map((a) => `AGE:${a}`),
    ...PEW_SEXES.map((s) => `SEX:${s}`),
    ...PEW_AGE_GROUPS.flatMap((a) => PEW_SEXES.map((s) => `AGESEX:${a} ${s}`)),
  ];
  const lines: string[] = [];
  for (let q = 0; q < 500; q++) {
    const distributions: Record<string, number[]> = {};
    for (const g of groups) {
      const w = [random(), random(), random(), random()];
      const total = w.reduce((a, b) => a + b, 0);
      distributions[g] = w.map((x) => x / total);
    }
    lines.push(
      JSON.stringify({
        survey: "W0",
        key: `SYNTH${q}_W0`,
        question: `Synthetic question ${q}`,
        options: ["a", "b", "c", "d"],
        ordinal: [1, 2, 3, 4],
        distributions,
      }),
    );
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
}
const opinions = join(cacheDir, `correlate-opinions-seed${seed}.jsonl`);
if (!existsSync(opinions)) synthOpinions(opinions);

// The child reports its own peak RSS on exit through a preloaded one-line module.
const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  'import{writeSync}from"node:fs";process.on("exit",()=>writeSync(2,"\\n@@maxrss "+process.resourceUsage().maxRSS+"\\n"))',
)}`;
const cli = new URL("../dist/cli/main.js", import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), "avakit-bench-correlate-"));
try {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      RSS_HOOK,
      cli,
      "correlate",
      "--db",
      db,
      "--opinions",
      opinions,
      "--out",
      out,
      "--permutations",
      values.permutations,
    ],
    { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" },
  );
  const seconds = (performance.now() - t0) / 1000;
  const rss = /@@maxrss (\d+)/.exec(r.stderr);
  process.stderr.write(r.stderr.replace(/\n?@@maxrss \d+\n/, ""));
  if (r.status !== 0) throw new Error(`avakit correlate failed with status ${r.status}`);
  const peakRssMiB = rss ? Number(rss[1]) / 1024 : Number.NaN;
  // Ads in the store (the synthetic generator's duplicates are quarantined at ingest).
  const stored: number = JSON.parse(readFileSync(join(out, "correlation.json"), "utf8")).ads.total;
  const adsPerSecond = Math.round(stored / seconds);
  console.log(
    JSON.stringify({
      ads,
      stored,
      permutations: Number(values.permutations),
      seconds,
      peakRssMiB,
      adsPerSecond,
    }),
  );
  console.log(
    `bench:correlate ${ads} ads (${stored} stored): ${seconds.toFixed(1)} s (${adsPerSecond.toLocaleString("en-US")} ads/s), peak RSS ${Math.round(peakRssMiB)} MiB (targets at 1,000,000: < 120 s, < 2048 MiB)`,
  );
  process.stderr.write(r.stdout);
} finally {
  rmSync(out, { recursive: true, force: true });
}
