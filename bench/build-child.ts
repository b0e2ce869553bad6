/**
 * Child process of bench/build.bench.ts, on the built library (dist/):
 *   build-child DB EMBEDDER FORMAT OUT   → one JSON line {records, seconds, peakRssMiB, ...}
 *   build-child DB use speed N           → one JSON line with the embedder's sentences/s
 */
import { appendFileSync } from "node:fs";
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
  // Where the peak happens: RSS sampled every 250 ms against the last progress/log line written.
  let stage = "start";
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = String(chunk).replace(/\r/g, "\n").trim().split("\n").pop()?.trim();
    if (text) stage = `${text.slice(0, 100)} @ ${((performance.now() - t0) / 1000).toFixed(0)} s`;
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  let peak = { rssMiB: 0, stage };
  const t0 = performance.now();
  // BENCH_SHARD_ADS, BENCH_WORKERS and BENCH_CHUNK_ADS set --shard-ads, --workers, --chunk-ads.
  // BENCH_RSS_LOG=FILE also writes "seconds<TAB>MiB<TAB>stage" every 250 ms there.
  const rssLog = process.env.BENCH_RSS_LOG;
  const sampler = setInterval(() => {
    const rssMiB = process.memoryUsage.rss() / 1048576;
    if (rssMiB > peak.rssMiB) peak = { rssMiB: Math.round(rssMiB), stage };
    if (rssLog)
      appendFileSync(
        rssLog,
        `${((performance.now() - t0) / 1000).toFixed(1)}\t${Math.round(rssMiB)}\t${Math.round(process.memoryUsage().heapTotal / 1048576)}\t${Math.round(process.memoryUsage().arrayBuffers / 1048576)}\t${stage}\n`,
      );
  }, 250);
  sampler.unref();
  const res = await buildDataset({
    db,
    out,
    cfg: {
      ...DEFAULT_BUILD_CONFIG,
      embedder: embedderSpec,
      format: format as "parquet" | "jsonl",
      ...(process.env.BENCH_SHARD_ADS !== undefined
        ? { shardAds: Number(process.env.BENCH_SHARD_ADS) }
        : {}),
    },
    progress: true,
    ...(process.env.BENCH_WORKERS !== undefined
      ? { workers: Number(process.env.BENCH_WORKERS) }
      : {}),
    ...(process.env.BENCH_CHUNK_ADS !== undefined
      ? { chunkAds: Number(process.env.BENCH_CHUNK_ADS) }
      : {}),
    log: (l: string) => process.stderr.write(`${l}\n`),
  });
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(`${res.table.join("\n")}\n`);
  process.stdout.write(
    `${JSON.stringify({ records: res.records, files: res.files.length, seconds, stageSeconds: res.stageSeconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, sampledPeak: peak })}\n`,
  );
}
