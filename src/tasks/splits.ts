/**
 * Held-out splits, as the paper's "Test Set Creation": whole advertisers (a seeded, hash-based
 * fraction of pages) and a time cut-off. A record belongs to a test split when any of its ads
 * does, so no train record mentions a test ad. Pure.
 */
import { seededRank } from "./seeded.js";

export const SPLITS = ["train", "test-advertiser", "test-time"] as const;
export type Split = (typeof SPLITS)[number];

/** A uniform number in [0, 1) from (seed, key): the same on every machine and every run. */
export function seededUnit(seed: number | string, key: string): number {
  return seededRank(seed, key) / 2 ** 53;
}

/** Whether a page is one of the held-out advertisers. */
export function isTestAdvertiser(pageId: string, fraction: number, seed: number): boolean {
  return fraction > 0 && seededUnit(`${seed}:test-advertiser`, pageId) < fraction;
}

/** The split of a record made from ads of one page with these start dates (YYYY-MM-DD). */
export function recordSplit(
  testAdvertiser: boolean,
  startDates: readonly string[],
  timeCutoff: string,
): Split {
  if (testAdvertiser) return "test-advertiser";
  return startDates.some((d) => d >= timeCutoff) ? "test-time" : "train";
}
