import { AvakitError } from "../../core/errors.js";
import { mean, pairwiseSum } from "./summation.js";
import { wasserstein1D } from "./wasserstein.js";

function argExtreme(values: readonly number[], better: (a: number, b: number) => boolean): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (better(values[i]!, values[best]!)) best = i;
  return best;
}

function oneHot(length: number, index: number): number[] {
  return Array.from({ length }, (_, i) => (i === index ? 1 : 0));
}

/**
 * Largest Wasserstein distance possible over these ordinal positions, i.e. max − min, computed
 * as tatsu-lab/opinions_qa helpers.py `get_max_wd` does (point mass at argmax vs at argmin).
 */
export function maxOrdinalDistance(ordinal: readonly number[]): number {
  if (ordinal.length === 0) throw new AvakitError("opinion alignment: no ordinal positions");
  const hi = oneHot(
    ordinal.length,
    argExtreme(ordinal, (a, b) => a > b),
  );
  const lo = oneHot(
    ordinal.length,
    argExtreme(ordinal, (a, b) => a < b),
  );
  return wasserstein1D(ordinal, ordinal, hi, lo);
}

/**
 * OpinionQA alignment of two opinion distributions over the same ordinal options:
 * 1 − WD(p, q) / (max(ordinal) − min(ordinal)), WD over the ordinal positions weighted by p and q.
 * Matches tatsu-lab/opinions_qa process_results.ipynb (`wasserstein_distance(ordinal, ordinal,
 * D_M, D_H) / get_max_wd(ordinal)`), i.e. the AVA paper's Appendix A.1 alignment 𝒜 per question.
 * Returns null when the denominator is 0 (every option at one position), where the reference
 * divides 0 by 0 and pandas' mean then skips the NaN: callers exclude and count such questions.
 */
export function opinionAlignment(
  p: readonly number[],
  q: readonly number[],
  ordinal: readonly number[],
): number | null {
  if (p.length !== ordinal.length || q.length !== ordinal.length) {
    throw new AvakitError(
      `opinion alignment: ${ordinal.length} ordinal positions but distributions of ${p.length} and ${q.length} options`,
    );
  }
  const denominator = maxOrdinalDistance(ordinal);
  if (denominator === 0) return null;
  return 1 - wasserstein1D(ordinal, ordinal, p, q) / denominator;
}

/**
 * Per-question score of the AVA paper's released code (behavior-in-the-wild/AlignViaActions50M
 * OQA-XL/eval_oqaxl_representativeness.py): both vectors normalised to sum 1, then
 * `1 − wasserstein_distance(q, p) / (n − 1)` with the probability vectors taken as the *samples*
 * (not as weights over ordinal positions), n = number of options. Returns null where that script
 * gets NaN and skips the question (a single option, or a vector summing to 0).
 */
export function avaCodeAlignment(p: readonly number[], q: readonly number[]): number | null {
  if (p.length !== q.length) {
    throw new AvakitError(
      `AVA-code alignment: distributions of ${p.length} and ${q.length} options differ in length`,
    );
  }
  const n = p.length;
  if (n < 2) return null;
  const pTotal = pairwiseSum(p);
  const qTotal = pairwiseSum(q);
  if (!(pTotal > 0 && Number.isFinite(pTotal) && qTotal > 0 && Number.isFinite(qTotal))) {
    return null;
  }
  const pNorm = p.map((x) => x / pTotal);
  const qNorm = q.map((x) => x / qTotal);
  return 1 - wasserstein1D(qNorm, pNorm) / (n - 1);
}

/** An aggregate on the paper's Table 2 scale (× 100), with how many items it covers. */
export interface AlignmentScore {
  /** Mean × 100; null when no item could be scored. */
  value: number | null;
  /** Items scored. */
  n: number;
  /** Items given as null (e.g. zero denominator), left out of the mean. */
  excluded: number;
}

/**
 * Representativeness ℛ (AVA paper Eq. 3 / Appendix A.1, after Santurkar et al. 2023): the mean
 * per-question alignment with the whole population (or, for group representativeness, with one
 * group), × 100. Null alignments are excluded and counted, as opinions_qa's pandas mean skips NaN.
 */
export function representativeness(alignments: readonly (number | null)[]): AlignmentScore {
  const scored = alignments.filter((a): a is number => a !== null);
  return {
    value: scored.length === 0 ? null : mean(scored) * 100,
    n: scored.length,
    excluded: alignments.length - scored.length,
  };
}

/** The AVA released scripts' aggregate: questions scored, and the file's question count they divide by. */
export interface AvaCodeScore extends AlignmentScore {
  questionsInFile: number;
}

/**
 * Aggregate of the AVA paper's released code: the per-question scores (avaCodeAlignment) are summed
 * in order, skipping nulls, and divided by the number of questions in the response file, not by
 * the number scored (eval_oqaxl_representativeness.py: `sum += v` … `sum/6188`), × 100.
 */
export function avaCodeRepresentativeness(
  alignments: readonly (number | null)[],
  questionsInFile: number,
): AvaCodeScore {
  if (!(Number.isInteger(questionsInFile) && questionsInFile > 0)) {
    throw new AvakitError(
      `AVA-code representativeness: questions in file must be a positive integer, got ${questionsInFile}`,
    );
  }
  let sum = 0;
  let n = 0;
  for (const a of alignments) {
    if (a === null) continue;
    sum += a;
    n++;
  }
  return {
    value: (sum / questionsInFile) * 100,
    n,
    excluded: alignments.length - n,
    questionsInFile,
  };
}
