import { errorMessage } from "../core/errors.js";

/**
 * Runs one async task per item with at most `concurrency` in flight (`--concurrency`). Results
 * come back in item order; a failing item is recorded with its error message instead of
 * aborting the others (datatrove's rule: a rejected record is data with a reason).
 */

export type PoolResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PoolProgress {
  done: number;
  failed: number;
  total: number;
}

export interface PoolOptions {
  /** Tasks in flight at once, ≥ 1. */
  concurrency: number;
  /** Called after each item settles. */
  onProgress?: (p: PoolProgress) => void;
  /** Stops starting new items; those not started are recorded as failed ("cancelled"). */
  signal?: AbortSignal;
}

export async function runPool<I, T>(
  items: readonly I[],
  task: (item: I, index: number) => Promise<T>,
  opts: PoolOptions,
): Promise<PoolResult<T>[]> {
  const { concurrency } = opts;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const total = items.length;
  const results = new Array<PoolResult<T>>(total);
  let next = 0;
  let done = 0;
  let failed = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      if (opts.signal?.aborted) {
        results[i] = { ok: false, error: "cancelled" };
      } else {
        try {
          results[i] = { ok: true, value: await task(items[i] as I, i) };
        } catch (err) {
          results[i] = { ok: false, error: errorMessage(err) };
        }
      }
      done++;
      if (!results[i]?.ok) failed++;
      opts.onProgress?.({ done, failed, total });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}

/** How many results failed. */
export function countFailures(results: readonly PoolResult<unknown>[]): number {
  let n = 0;
  for (const r of results) if (!r.ok) n++;
  return n;
}
