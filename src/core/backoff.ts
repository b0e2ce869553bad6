/**
 * Exponential backoff with jitter, shared by every client that retries (the Graph API crawler,
 * the model backends): base · 2^(attempt − 1), capped, then drawn uniformly from 50–100% of it.
 */
export function jitteredBackoff(
  baseMs: number,
  attempt: number,
  capMs: number,
  random: () => number,
): number {
  const capped = Math.min(baseMs * 2 ** (attempt - 1), capMs);
  return capped / 2 + (capped / 2) * random();
}
