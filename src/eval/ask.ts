import { answerLetters } from "../backends/answer.js";
import { type LetterScoring, LOW_MASS_THRESHOLD } from "../backends/letters.js";
import { type PoolProgress, runPool } from "../backends/pool.js";
import type { Backend, LetterItem } from "../backends/types.js";
import type { ItemFailure, LetterMassSummary } from "./results.js";

/**
 * Asks every letter item through `answerLetters` with at most `concurrency` in flight and sorts
 * the answers into scored ones and failures (an HTTP error, a server without logprobs, no letter
 * among the top tokens): the one loop every letter benchmark shares.
 */

export interface AskOptions {
  concurrency: number;
  /** `--letter-scoring` (default `sum`). */
  letterScoring?: LetterScoring;
  onProgress?: (p: PoolProgress) => void;
  signal?: AbortSignal;
}

export interface AskedLetters {
  /** Per item, in item order: the distribution over its letters, or null when it failed. */
  probs: (number[] | null)[];
  failures: ItemFailure[];
  mass: LetterMassSummary;
  /** The model name the server reported (first answer that said). */
  serverModel: string | null;
}

export async function askLetters(
  backend: Backend,
  items: readonly LetterItem[],
  opts: AskOptions,
): Promise<AskedLetters> {
  const scoring = opts.letterScoring ?? "sum";
  const results = await runPool(items, (item) => answerLetters(backend, item, { scoring }), {
    concurrency: opts.concurrency,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const probs: (number[] | null)[] = [];
  const failures: ItemFailure[] = [];
  let serverModel: string | null = null;
  let massSum = 0;
  let answered = 0;
  let low = 0;
  results.forEach((r, i) => {
    const id = items[i]?.id ?? String(i);
    if (!r.ok) {
      failures.push({ id, error: r.error });
      probs.push(null);
      return;
    }
    const a = r.value;
    if (serverModel === null && a.serverModel !== undefined) serverModel = a.serverModel;
    if (a.probs === null) {
      failures.push({ id, error: a.reason });
      probs.push(null);
      return;
    }
    answered++;
    massSum += a.mass;
    if (a.lowMass) low++;
    probs.push(a.probs);
  });
  return {
    probs,
    failures,
    serverModel,
    mass: {
      mean: answered === 0 ? null : massSum / answered,
      low,
      threshold: LOW_MASS_THRESHOLD,
      n: answered,
    },
  };
}

/** "A", "B", ... for n options (CultureBank and HELM letter options this way). */
export function optionLetters(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String.fromCharCode(65 + i));
}
