import { parentPort } from "node:worker_threads";
import type { BuildConfig } from "./config.js";
import { runShard, type ShardInput } from "./shard-stage.js";

/** Worker thread of `ShardWorkers`: runs the CPU half of one page shard at a time. */
interface Job {
  id: number;
  cfg: BuildConfig;
  input: ShardInput;
  configKey: string;
}

parentPort?.on("message", async (job: Job) => {
  try {
    const counts = await runShard(job.cfg, job.input, job.configKey, (ads) =>
      parentPort!.postMessage({ id: job.id, ads }),
    );
    parentPort!.postMessage({ id: job.id, counts });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.stack : String(err) });
  }
});
