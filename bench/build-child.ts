/**
 * Child process of bench/build.bench.ts, on the built library (dist/):
 *   build-child DB EMBEDDER FORMAT OUT   → one JSON line {records, seconds, peakRssMiB, ...}
 *   build-child DB use speed N           → one JSON line with the embedder's sentences/s
 */
import { createEmbedder, measureEmbedder, parseEmbedderSpec } from "../dist/embed/index.js";
import { Store } from "../dist/store/store.js";
import { buildDataset } from "../dist/tasks/build.js";
import { DEFAULT_BUILD_CONFIG } from "../dist/tasks/config.js";

const [db, embedderSpec, format, out] = process.argv.slice(2);
if (!db || !embedderSpec || !format || !out)
  throw new Error("usage: build-child DB EMBEDDER FORMAT OUT");
if (format === "speed") {
  const store = await Store.open(db, { readOnly: true });
  const rows = await store.query<{ body: string }>(
    `SELECT body FROM ads ORDER BY ad_id LIMIT ${Number(out)}`,
  );
  store.close();
  const embedder = await createEmbedder(parseEmbedderSpec(embedderSpec, {}));
  await embedder.embed(["warm up"]);
  const m = await measureEmbedder(
    embedder,
    rows.map((r) => r.body),
  );
  await embedder.close();
  process.stdout.write(`${JSON.stringify({ embedder: embedder.id, ...m })}\n`);
} else {
  const t0 = performance.now();
  const res = await buildDataset({
    db,
    out,
    cfg: { ...DEFAULT_BUILD_CONFIG, embedder: embedderSpec, format: format as "parquet" | "jsonl" },
    progress: true,
    ...(process.env.BENCH_WORKERS !== undefined
      ? { workers: Number(process.env.BENCH_WORKERS) }
      : {}),
    log: (l: string) => process.stderr.write(`${l}\n`),
  });
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(`${res.table.join("\n")}\n`);
  process.stdout.write(
    `${JSON.stringify({ records: res.records, files: res.files.length, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}
