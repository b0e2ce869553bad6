import { Worker } from "node:worker_threads";
import { AvakitError } from "../core/errors.js";
import type { BuildConfig } from "./config.js";
import type { ShardCounts, ShardInput, ShardJob } from "./shard-stage.js";

// Under tsx (tests, benchmarks from source) this module is a .ts file and so is the worker,
// which then registers the tsx loader itself before importing it (as ingest's record workers).
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(
  FROM_SOURCE ? "./shard-worker.ts" : "./shard-worker.js",
  import.meta.url,
);

// A worker holds one chunk of a shard (at most CHUNK_ADS ads) and the ads of the page being
// finished, whose pairs are mined only once the page is complete. A page larger than a chunk is
// held compactly (HeldAds, its vectors in a file: HeldVectors): at 1,000,000 synthetic ads the
// 71,739-ad advertiser used to take ~470 MB of heap plus 147 MB of vectors as objects. The old
// generation's limit stays far above what a worker needs, so that no page makes it fail.
const WORKER_LIMITS = { maxOldGenerationSizeMb: 3072, maxYoungGenerationSizeMb: 32 };

function startWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { resourceLimits: WORKER_LIMITS });
  const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, resourceLimits: WORKER_LIMITS });
}

interface Pending {
  resolve: (c: ShardCounts | null) => void;
  reject: (e: Error) => void;
  worker: Worker;
}

/** One shard on one worker: `begin`, then `add` per chunk, then `finish` (see ShardRun). */
export interface ShardChannel {
  add(input: ShardInput): Promise<void>;
  finish(): Promise<ShardCounts>;
  /** Gives the worker back to the pool (after finish, or after a failure). */
  release(): void;
}

/**
 * Worker threads running the CPU half of page shards (`ShardRun`), one shard per worker at a
 * time, fed a chunk at a time while the main thread reads and embeds the next chunk. Each shard
 * writes its own files, so the output does not depend on which worker ran it.
 */
export class ShardWorkers {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly all: Worker[] = [];
  private nextId = 0;
  private closed = false;
  private dead: Error | null = null;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const w = startWorker();
      w.on("message", (m: { id: number; counts?: ShardCounts | null; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new AvakitError(`build worker failed: ${m.error}`));
        else p.resolve(m.counts ?? null);
      });
      w.on("error", (err) => this.failWorker(w, err));
      w.on("exit", (code) => {
        if (!this.closed) this.failWorker(w, new Error(`build worker exited with code ${code}`));
      });
      this.all.push(w);
      this.idle.push(w);
    }
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  private failWorker(w: Worker, err: Error): void {
    // A dead worker never comes back: fail whoever waits for one, and every later call.
    this.dead ??= err;
    for (const waiter of this.waiting.splice(0)) waiter(w);
    for (const [id, p] of this.pending) {
      if (p.worker === w) {
        this.pending.delete(id);
        p.reject(err);
      }
    }
  }

  private acquire(): Promise<Worker> {
    if (this.dead) return Promise.reject(this.dead);
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private call(w: Worker, msg: Record<string, unknown>, transfer: ArrayBuffer[] = []) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<ShardCounts | null>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      w.postMessage({ ...msg, id }, transfer);
    });
  }

  /** Starts a shard on the next free worker; chunks' vector buffers are transferred, not copied. */
  async begin(cfg: BuildConfig, job: ShardJob, configKey: string): Promise<ShardChannel> {
    const w = await this.acquire();
    if (this.dead) throw this.dead;
    await this.call(w, { kind: "begin", cfg, job, configKey });
    let released = false;
    return {
      add: async (input) => {
        const transfer = [input.bodyVecs.buffer, input.vocabVecs.buffer].filter(
          (b, i, a) => b.byteLength > 0 && a.indexOf(b) === i,
        ) as ArrayBuffer[];
        await this.call(w, { kind: "add", input }, transfer);
      },
      finish: async () => (await this.call(w, { kind: "finish" }))!,
      release: () => {
        if (released) return;
        released = true;
        this.release(w);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
