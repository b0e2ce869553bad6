/**
 * Child process of bench/ingest.bench.ts: ingests one file into a fresh database with the built
 * library (dist/) and prints one JSON line with the counts, seconds and peak RSS.
 */
import { ingestFiles } from "../dist/ingest/ingest.js";
import { Store } from "../dist/store/store.js";

const [db, file, workers] = process.argv.slice(2);
if (!db || !file) throw new Error("usage: ingest-child DB FILE [WORKERS]");
const t0 = performance.now();
const store = await Store.open(db);
try {
  const counts = await ingestFiles(store, [file], {
    progress: true,
    ...(workers !== undefined ? { workers: Number(workers) } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ counts, seconds, peakRssMiB })}\n`);
} finally {
  store.close();
}
