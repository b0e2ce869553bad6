import { parentPort } from "node:worker_threads";
import { processLineBatch } from "./line-batches.js";
import { BatchBuilder, transferList } from "./processed-batch.js";

/** Worker thread of `RecordWorkers`: processes batches of JSONL lines and returns the results. */
interface Job {
  id: number;
  buf: Uint8Array;
  firstLine: number;
  source: string;
  runId: number;
}

// Reused batch after batch: its buffers grow to the largest batch once.
const builder = new BatchBuilder(1024 * 1024, 1024);

parentPort?.on("message", (job: Job) => {
  try {
    const results = processLineBatch(job.buf, job.firstLine, job.source, job.runId, builder);
    // The results' buffers move to the main thread (no copy).
    parentPort!.postMessage({ id: job.id, results }, transferList(results));
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.stack : String(err) });
  }
});
