import { Worker } from "node:worker_threads";
import { AvakitError } from "../core/errors.js";
import type { BuildConfig } from "./config.js";
import type { ShardCounts, ShardInput } from "./shard-stage.js";

// Under tsx (tests, benchmarks from source) this module is a .ts file and so is the worker,
// which then registers the tsx loader itself before importing it (as ingest's record workers).
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(
  FROM_SOURCE ? "./shard-worker.ts" : "./shard-worker.js",
  import.meta.url,
);

// A worker holds one page shard: about 100 MB of live data for 10,000 ads, but a page is never
// split, so one huge advertiser (70,000 ads in the 1M-ad synthetic set) makes a shard that size.
// A bounded old generation makes V8 collect instead of letting each heap grow towards its default.
const WORKER_LIMITS = { maxOldGenerationSizeMb: 3072, maxYoungGenerationSizeMb: 32 };

function startWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { resourceLimits: WORKER_LIMITS });
  const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, resourceLimits: WORKER_LIMITS });
}

interface Pending {
  resolve: (c: ShardCounts) => void;
  reject: (e: Error) => void;
  onAds: ((n: number) => void) | undefined;
}

/**
 * Worker threads running the CPU half of page shards (`runShard`), one shard per worker at a
 * time, while the main thread reads and embeds the next shard. Each shard writes its own files,
 * so the output does not depend on which worker ran it.
 */
export class ShardWorkers {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly pending = new Map<number, Pending & { worker: Worker }>();
  private readonly all: Worker[] = [];
  private nextId = 0;
  private closed = false;
  private dead: Error | null = null;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const w = startWorker();
      w.on("message", (m: { id: number; ads?: number; counts?: ShardCounts; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.ads !== undefined && m.counts === undefined && m.error === undefined) {
          p.onAds?.(m.ads);
          return;
        }
        this.pending.delete(m.id);
        this.release(w);
        if (m.error !== undefined) p.reject(new AvakitError(`build worker failed: ${m.error}`));
        else p.resolve(m.counts!);
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

  /** Resolves when a worker is free to take a shard (so that the caller can prepare the next). */
  async whenFree(): Promise<void> {
    const w = await this.acquire();
    if (this.dead) throw this.dead;
    this.release(w);
  }

  /** Runs one shard on the next free worker; the vectors' buffers are transferred, not copied. */
  async run(
    cfg: BuildConfig,
    input: ShardInput,
    configKey: string,
    onAds?: (n: number) => void,
  ): Promise<ShardCounts> {
    const w = await this.acquire();
    if (this.dead) throw this.dead;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w, onAds });
      const transfer = [input.bodyVecs.buffer, input.vocabVecs.buffer].filter(
        (b, i, a) => b.byteLength > 0 && a.indexOf(b) === i,
      ) as ArrayBuffer[];
      w.postMessage({ id, cfg, input, configKey }, transfer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
