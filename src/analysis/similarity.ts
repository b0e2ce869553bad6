import { opinionAlignment } from "../eval/metrics/opinion-alignment.js";
import { mean } from "../eval/metrics/summation.js";
import type { NamedMatrix } from "./behavior.js";
import type { OpinionQuestion } from "./opinions-file.js";

/** Opinion similarity between groups, with how many questions each pair is over. */
export interface OpinionSimilarity extends NamedMatrix {
  /** questions[i][j]: questions scored for the pair (both groups answered, alignment defined). */
  questions: number[][];
  /** Question × pair alignments left out because max(ordinal) = min(ordinal) (0/0). */
  undefinedAlignments: number;
}

/**
 * AVA Eq. 2 between every pair of groups: the per-question OpinionQA alignment
 * 1 − WD(D1, D2)/(max ordinal − min ordinal) (opinionAlignment, the evaluator's own), averaged
 * over the questions both groups have. The paper writes a sum; the mean is the same up to the
 * number of questions, which differs between pairs when a wave lacks a group, so only the mean
 * compares pairs fairly. The diagonal is 1; a pair with no common question is NaN (callers refuse).
 */
export function opinionSimilarity(
  questions: readonly OpinionQuestion[],
  groups: readonly string[],
  names: readonly string[] = groups,
): OpinionSimilarity {
  const k = groups.length;
  const scores: number[][][] = groups.map(() => groups.map(() => []));
  let undefinedAlignments = 0;
  for (const q of questions) {
    const dists = groups.map((g) => q.distributions[g]);
    for (let i = 0; i < k; i++) {
      const di = dists[i];
      if (!di) continue;
      for (let j = i + 1; j < k; j++) {
        const dj = dists[j];
        if (!dj) continue;
        const a = opinionAlignment(di, dj, q.ordinal);
        if (a === null) undefinedAlignments++;
        else scores[i]![j]!.push(a);
      }
    }
  }
  const values: number[][] = [];
  const counts: number[][] = [];
  for (let i = 0; i < k; i++) {
    values.push(new Array<number>(k).fill(1));
    counts.push(new Array<number>(k).fill(0));
  }
  for (let i = 0; i < k; i++) {
    counts[i]![i] = questions.filter((q) => q.distributions[groups[i]!]).length;
    for (let j = i + 1; j < k; j++) {
      const s = scores[i]![j]!;
      const v = s.length === 0 ? Number.NaN : mean(s);
      values[i]![j] = v;
      values[j]![i] = v;
      counts[i]![j] = s.length;
      counts[j]![i] = s.length;
    }
  }
  return { names: [...names], values, questions: counts, undefinedAlignments };
}
