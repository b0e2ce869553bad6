import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort } from "node:worker_threads";
import type { BuildConfig } from "./config.js";
import { type ShardCounts, type ShardInput, type ShardJob, ShardRun } from "./shard-stage.js";

/**
 * Worker thread of `ShardWorkers`: runs the CPU half of one page shard at a time, fed a chunk
 * per message ("begin", then "add" per chunk, then "finish"); each message is answered once.
 */
type Message =
  | { id: number; kind: "begin"; cfg: BuildConfig; job: ShardJob; configKey: string }
  | { id: number; kind: "add"; input: ShardInput }
  | { id: number; kind: "finish" };

/**
 * A full garbage collection, run before mining a page held in columns (a huge advertiser). Its
 * chunks leave their rows and records behind in the old generation, and mining allocates almost
 * nothing, so no collection would run for the minutes it takes: at 1,000,000 synthetic ads, the
 * 71,739-ad page's worker kept a 267 MB heap through its mining, most of it garbage. V8 exposes
 * `gc` only behind --expose-gc, a process-wide V8 flag a worker cannot be started with; set at
 * run time, it applies to contexts created later, such as this one. Null if that fails.
 */
const fullGc = ((): (() => void) | null => {
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    return typeof gc === "function" ? (gc as () => void) : null;
  } catch {
    return null;
  }
})();

let run: ShardRun | null = null;
// Messages are handled one after another, in the order they were posted.
let queue: Promise<void> = Promise.resolve();

async function handle(m: Message): Promise<ShardCounts | null> {
  switch (m.kind) {
    case "begin":
      run = new ShardRun(m.cfg, m.job, m.configKey, fullGc ? { beforeMiningHeld: fullGc } : {});
      return null;
    case "add":
      if (!run) throw new Error("chunk before begin");
      await run.add(m.input);
      return null;
    case "finish": {
      if (!run) throw new Error("finish before begin");
      const counts = await run.finish();
      run = null;
      return counts;
    }
  }
}

parentPort?.on("message", (m: Message) => {
  queue = queue.then(async () => {
    try {
      const counts = await handle(m);
      parentPort!.postMessage({ id: m.id, counts });
    } catch (err) {
      run = null;
      parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.stack : String(err) });
    }
  });
});
