/**
 * Weighted answer tallies per group, and OpinionQA's human opinion distribution from them.
 * Reference: tatsu-lab/opinions_qa helpers.py `extract_human_opinions`: survey weights summed per
 * labelled answer (pandas groupby sum, compensated), the ordinal options' sums normalised to D_H,
 * the refusal share R_H = refusal weight ÷ weight of all labelled answers; a group whose ordinal
 * options sum to 0 is left out.
 */

/** Sums and counts for one question: `slots` rows (Overall + groups) × `columns` answer codes. */
export interface AnswerTally {
  slots: number;
  columns: number;
  /** Weighted sums, row-major slots × columns. */
  sums: Float64Array;
  /** Unweighted respondent counts, same layout. */
  counts: Uint32Array;
}

export interface TallyInput {
  /** Answer code per respondent (NaN = not asked / system-missing). */
  answers: Float64Array;
  /** Survey weight per respondent; null = every respondent weighs 1. NaN weights add 0, as pandas' sum skips them. */
  weights: Float64Array | null;
  /** Code → column; codes not here (unlabelled values) are not counted. */
  columnOf: ReadonlyMap<number, number>;
  columns: number;
  /** Respondent × attribute → group slot (1-based group index = slot), -1 for none; slot 0 is Overall. */
  membership: Int16Array;
  attributeCount: number;
  groupCount: number;
}

/** One pass over respondents: Overall (slot 0) and each respondent's groups (slot 1 + group). */
export function tallyAnswers(input: TallyInput): AnswerTally {
  const { answers, weights, columnOf, columns, membership, attributeCount: A } = input;
  const slots = input.groupCount + 1;
  const sums = new Float64Array(slots * columns);
  const comp = new Float64Array(slots * columns); // Kahan compensation, like pandas' group_sum
  const counts = new Uint32Array(slots * columns);
  const add = (cell: number, w: number) => {
    const y = w - comp[cell]!;
    const t = sums[cell]! + y;
    comp[cell] = t - sums[cell]! - y;
    sums[cell] = t;
    counts[cell]!++;
  };
  for (let i = 0; i < answers.length; i++) {
    const code = answers[i]!;
    if (Number.isNaN(code)) continue;
    const col = columnOf.get(code);
    if (col === undefined) continue;
    let w = weights ? weights[i]! : 1;
    if (Number.isNaN(w)) w = 0;
    add(col, w);
    for (let a = 0; a < A; a++) {
      const g = membership[i * A + a]!;
      if (g >= 0) add((g + 1) * columns + col, w);
    }
  }
  return { slots, columns, sums, counts };
}

/** One group's distribution over the ordinal options, or undefined when they sum to 0. */
export interface GroupOpinion {
  distribution: number[];
  /** Refusal-like answers' share of all labelled answers (OpinionQA's R_H). */
  refusal: number;
  counts: number[];
  refusalCounts: number[];
}

/**
 * OpinionQA's D_H and R_H for one slot. Columns [0, optionCount) are the ordinal options,
 * [optionCount, optionCount + refusalCount) the refusal-like answers, any further columns other
 * labelled answers (only in R_H's denominator).
 */
export function groupOpinion(
  tally: AnswerTally,
  slot: number,
  optionCount: number,
  refusalCount: number,
): GroupOpinion | undefined {
  const base = slot * tally.columns;
  const opt = Array.from(tally.sums.subarray(base, base + optionCount));
  let total = 0;
  for (const x of opt) total += x;
  if (total === 0) return undefined;
  let all = 0;
  let refused = 0;
  for (let c = 0; c < tally.columns; c++) {
    const x = tally.sums[base + c]!;
    all += x;
    if (c >= optionCount && c < optionCount + refusalCount) refused += x;
  }
  return {
    distribution: opt.map((x) => x / total),
    refusal: all > 0 ? refused / all : 0,
    counts: Array.from(tally.counts.subarray(base, base + optionCount)),
    refusalCounts: Array.from(
      tally.counts.subarray(base + optionCount, base + optionCount + refusalCount),
    ),
  };
}
