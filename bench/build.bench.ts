/**
 * npm run bench:build [-- --ads N] [--seed S] [--embedder hashing|use] [--format parquet|jsonl]
 *
 * `avakit build` end to end on synthetic ads (`avakit synth`), with embeddings already cached:
 * the ads are generated and ingested once into bench/.cache/, the embedding cache is filled by a
 * first (untimed) build when the embedder caches, then a child process builds the dataset into
 * a fresh folder and reports output records/s and its peak RSS (targets: ≥ 20,000 records/s at
 * 100,000 ads, < 2 GiB; RSS at 1,000,000 ads ≤ 1.3× RSS at 100,000). It also reports the
 * default embedder's sentences per second on real ad bodies, separately.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ingestFiles } from "../src/ingest/ingest.js";
import { Store } from "../src/store/store.js";
import { writeSynthFile } from "../src/synth/write.js";

const { values } = parseArgs({
  options: {
    ads: { type: "string", default: "100000" },
    seed: { type: "string", default: "1" },
    embedder: { type: "string", default: "hashing" },
    format: { type: "string", default: "parquet" },
    "use-sentences": { type: "string", default: "256" },
  },
});
const ads = Number(values.ads);
const seed = Number(values.seed);
const cacheDir = new URL("./.cache/", import.meta.url).pathname;
mkdirSync(cacheDir, { recursive: true });
const db = join(cacheDir, `build-${ads}-seed${seed}.duckdb`);
if (!existsSync(db)) {
  const file = join(cacheDir, `synth-${ads}-seed${seed}.jsonl`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${ads} synthetic ads into ${file}\n`);
    await writeSynthFile({ ads, seed }, `${file}.tmp`);
    renameSync(`${file}.tmp`, file);
  }
  process.stderr.write(`ingesting into ${db}\n`);
  const store = await Store.open(`${db}.tmp`);
  try {
    await ingestFiles(store, [file], { progress: true });
  } finally {
    store.close();
  }
  renameSync(`${db}.tmp`, db);
}

function child(args: string[]): Record<string, number | string> {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", new URL("./build-child.ts", import.meta.url).pathname, ...args],
    { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`build child failed with status ${r.status}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const dir = mkdtempSync(join(tmpdir(), "avakit-bench-build-"));
try {
  const common = [db, values.embedder!, values.format!];
  if (values.embedder !== "hashing") {
    process.stderr.write(`warming the ${values.embedder} embedding cache (untimed)\n`);
    child([...common, join(dir, "warm")]);
    rmSync(join(dir, "warm"), { recursive: true, force: true });
  }
  const out = child([...common, join(dir, "out")]);
  const rate = Number(out.records) / Number(out.seconds);
  console.log(
    JSON.stringify({ ads, embedder: values.embedder, ...out, recordsPerSecond: Math.round(rate) }),
  );
  console.log(
    `bench:build ${ads} ads (${values.embedder}, ${values.format}): ${Number(out.records).toLocaleString("en-US")} records in ${Number(out.seconds).toFixed(1)} s = ${Math.round(rate).toLocaleString("en-US")} records/s, peak RSS ${Math.round(Number(out.peakRssMiB))} MiB`,
  );
  const n = Number(values["use-sentences"]);
  if (n > 0) {
    const s = child([db, "use", "speed", String(n)]);
    console.log(
      `default embedder ${s.embedder}: ${Number(s.perSecond).toFixed(1)} sentences/s on ${s.sentences} ad bodies (${Number(s.seconds).toFixed(1)} s, cold model load excluded)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
