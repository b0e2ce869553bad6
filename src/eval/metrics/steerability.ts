import { AvakitError } from "../../core/errors.js";
import { mean, pairwiseSum } from "./summation.js";

/** One question's alignment for one steering group under one context style (QA, BIO, PORTRAY). */
export interface SteeredAlignment {
  group: string;
  style: string;
  question: string;
  /** Alignment with the group's own distribution; null when it could not be scored. */
  alignment: number | null;
}

/**
 * How a group's score is taken over the context styles:
 * - "best-style": each style's mean over questions, then the best style (tatsu-lab/opinions_qa
 *   steerability.ipynb: group-by-context mean, `sort_values('Rep')…last()`); the default.
 * - "per-question": the best style per question, then the mean (the AVA paper's Appendix A.1
 *   formula, max over c_G inside the sum).
 */
export type SteerabilityMode = "best-style" | "per-question";

export interface GroupSteerability {
  group: string;
  /** × 100. */
  value: number;
  /** Questions in the mean. */
  n: number;
  /** Questions left out (null alignment in the chosen style, or in every style). */
  excluded: number;
  /** "best-style" only: the style whose mean won (the first seen among equals). */
  style?: string;
}

export interface SteerabilityScore {
  /** Mean over the groups that have a score, × 100; null when none has. */
  value: number | null;
  /** Groups in that mean. */
  n: number;
  groups: GroupSteerability[];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function scoreGroup(
  group: string,
  rows: readonly SteeredAlignment[],
  mode: SteerabilityMode,
): GroupSteerability | null {
  if (mode === "best-style") {
    let best: GroupSteerability | null = null;
    for (const [style, styleRows] of groupBy(rows, (r) => r.style)) {
      const scored = styleRows.flatMap((r) => (r.alignment === null ? [] : [r.alignment]));
      if (scored.length === 0) continue;
      const value = mean(scored);
      if (best === null || value > best.value) {
        best = {
          group,
          value,
          n: scored.length,
          excluded: styleRows.length - scored.length,
          style,
        };
      }
    }
    return best === null ? null : { ...best, value: best.value * 100 };
  }
  const perQuestion: number[] = [];
  let excluded = 0;
  for (const questionRows of groupBy(rows, (r) => r.question).values()) {
    let best: number | null = null;
    for (const r of questionRows) {
      if (r.alignment !== null && (best === null || r.alignment > best)) best = r.alignment;
    }
    if (best === null) excluded++;
    else perQuestion.push(best);
  }
  if (perQuestion.length === 0) return null;
  return { group, value: mean(perQuestion) * 100, n: perQuestion.length, excluded };
}

/**
 * Steerability 𝒮 (AVA paper Appendix A.1, after Santurkar et al. 2023): per steering group, the
 * alignment of the model steered towards that group with the group's own opinions, taken over
 * context styles as `mode` says; the score is the mean over groups, × 100. Groups keep their
 * first-seen order; a group with nothing scored is left out of the mean and of `groups`.
 */
export function steerability(
  rows: readonly SteeredAlignment[],
  mode: SteerabilityMode = "best-style",
): SteerabilityScore {
  const groups: GroupSteerability[] = [];
  for (const [group, groupRows] of groupBy(rows, (r) => r.group)) {
    const score = scoreGroup(group, groupRows, mode);
    if (score !== null) groups.push(score);
  }
  return {
    value: groups.length === 0 ? null : mean(groups.map((g) => g.value / 100)) * 100,
    n: groups.length,
    groups,
  };
}

/**
 * Steerability as the AVA paper's released code computes it (behavior-in-the-wild/AlignViaActions50M
 * OQA-XL/eval_oqaxl_steerability.py): one prompt style; per group, the per-question scores
 * (avaCodeAlignment, against the whole population's distribution in that script) summed in order,
 * skipping nulls, and divided by the file's question count; groups scoring ≤ 0 are dropped
 * (`if v > 0`), and the rest averaged with `np.mean`. × 100.
 */
export function avaCodeSteerability(
  groups: ReadonlyMap<string, readonly (number | null)[]>,
  questionsInFile: number,
): SteerabilityScore {
  if (!(Number.isInteger(questionsInFile) && questionsInFile > 0)) {
    throw new AvakitError(
      `AVA-code steerability: questions in file must be a positive integer, got ${questionsInFile}`,
    );
  }
  const scored: GroupSteerability[] = [];
  for (const [group, alignments] of groups) {
    let sum = 0;
    let n = 0;
    for (const a of alignments) {
      if (a === null) continue;
      sum += a;
      n++;
    }
    const value = sum * (1 / questionsInFile);
    if (value > 0) scored.push({ group, value, n, excluded: alignments.length - n });
  }
  const values = scored.map((g) => g.value);
  return {
    value: scored.length === 0 ? null : (pairwiseSum(values) / values.length) * 100,
    n: scored.length,
    groups: scored.map((g) => ({ ...g, value: g.value * 100 })),
  };
}
