import { Worker } from "node:worker_threads";
import type { LineBatch } from "./line-batches.js";
import type { ProcessedBatch } from "./processed-batch.js";

// Under tsx (tests, benchmarks from source) this module is a .ts file and so is the worker,
// which then registers the tsx loader itself before importing it.
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(
  FROM_SOURCE ? "./record-worker.ts" : "./record-worker.js",
  import.meta.url,
);

// A worker holds a batch or two (a few MiB) at a time; a small old generation makes V8 collect
// instead of growing each isolate's heap towards the process-wide default.
const WORKER_LIMITS = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 };

function startWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { resourceLimits: WORKER_LIMITS });
  const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, resourceLimits: WORKER_LIMITS });
}

interface Pending {
  resolve: (r: ProcessedBatch) => void;
  reject: (e: Error) => void;
}

/**
 * A fixed pool of worker threads running `processLineBatch`: parsing, the per-record §3.1 rules,
 * signals and row serialisation, the CPU-heavy half of ingest. Jobs go to the least-loaded worker.
 */
export class RecordWorkers {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending & { worker: number }>();
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const w = startWorker();
      w.on("message", (m: { id: number; results?: ProcessedBatch; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.load[i]!--;
        if (m.error !== undefined) p.reject(new Error(`ingest worker failed: ${m.error}`));
        else p.resolve(m.results!);
      });
      w.on("error", (err) => this.failAll(i, err));
      w.on("exit", (code) => {
        if (!this.closed) this.failAll(i, new Error(`ingest worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.load.push(0);
    }
  }

  private failAll(worker: number, err: Error): void {
    for (const [id, p] of this.pending) {
      if (p.worker === worker) {
        this.pending.delete(id);
        p.reject(err);
      }
    }
  }

  process(batch: LineBatch, source: string, runId: number): Promise<ProcessedBatch> {
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.load[i]! < this.load[w]!) w = i;
    const id = this.nextId++;
    this.load[w]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      this.workers[w]!.postMessage({
        id,
        buf: batch.buf,
        firstLine: batch.firstLine,
        source,
        runId,
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
