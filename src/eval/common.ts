import type { LetterScoring } from "../backends/letters.js";
import type { PoolProgress } from "../backends/pool.js";
import type { Backend } from "../backends/types.js";

/** What every benchmark run takes besides its data. */
export interface EvalRunOptions {
  backend: Backend;
  /** Requests in flight at once (`--concurrency`). */
  concurrency: number;
  /** How answer letters are scored from the top-k (`--letter-scoring`, default `sum`). */
  letterScoring?: LetterScoring;
  /** Only the first N items (questions, pairs) after filtering (`--limit`). */
  limit?: number;
  /** Bootstrap seed (default 0) and resamples (default 1,000). */
  seed?: number;
  resamples?: number;
  onProgress?: (p: PoolProgress) => void;
  signal?: AbortSignal;
}

export function limited<T>(items: T[], limit: number | undefined): T[] {
  return limit === undefined ? items : items.slice(0, limit);
}
