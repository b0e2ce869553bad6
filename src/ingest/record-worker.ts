import { parentPort } from "node:worker_threads";
import { processLineBatch } from "./line-batches.js";

/** Worker thread of `RecordWorkers`: processes batches of JSONL lines and returns the results. */
interface Job {
  id: number;
  buf: Uint8Array;
  firstLine: number;
  source: string;
  runId: number;
}

parentPort?.on("message", (job: Job) => {
  try {
    const results = processLineBatch(job.buf, job.firstLine, job.source, job.runId);
    parentPort!.postMessage({ id: job.id, results });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.stack : String(err) });
  }
});
