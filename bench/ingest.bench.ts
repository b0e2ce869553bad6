/**
 * npm run bench:ingest [-- --ads N] [--workers N] [--seed S]
 *
 * Ingest + clean + signals from JSONL, measured end to end on synthetic ads (`avakit synth`):
 * the file is generated once into bench/.cache/, then a child process ingests it into a fresh
 * database and reports ads/s and its peak RSS (targets: ≥ 20,000 ads/s, < 1 GiB at 1,000,000).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeSynthFile } from "../src/synth/write.js";

const { values } = parseArgs({
  options: {
    ads: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
    workers: { type: "string" },
  },
});
const ads = Number(values.ads);
const seed = Number(values.seed);
const cacheDir = new URL("./.cache/", import.meta.url).pathname;
mkdirSync(cacheDir, { recursive: true });
const file = join(cacheDir, `synth-${ads}-seed${seed}.jsonl`);
if (!existsSync(file)) {
  const t = performance.now();
  process.stderr.write(`generating ${ads} synthetic ads into ${file}\n`);
  await writeSynthFile({ ads, seed }, `${file}.tmp`);
  spawnSync("mv", [`${file}.tmp`, file]);
  process.stderr.write(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
}
const dir = mkdtempSync(join(tmpdir(), "avakit-bench-"));
try {
  const args = [
    new URL("./ingest-child.ts", import.meta.url).pathname,
    join(dir, "bench.duckdb"),
    file,
  ];
  if (values.workers !== undefined) args.push(values.workers);
  const r = spawnSync(process.execPath, ["--import", "tsx", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`ingest child failed with status ${r.status}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  const rate = out.counts.read / out.seconds;
  console.log(
    JSON.stringify({
      ads,
      workers: values.workers ?? "default",
      ...out,
      adsPerSecond: Math.round(rate),
    }),
  );
  console.log(
    `bench:ingest ${ads} ads: ${Math.round(rate).toLocaleString("en-US")} ads/s (read ${out.counts.read}, kept ${out.counts.kept}) in ${out.seconds.toFixed(1)} s, peak RSS ${Math.round(out.peakRssMiB)} MiB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
