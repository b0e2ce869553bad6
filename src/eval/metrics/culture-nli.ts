import { AvakitError } from "../../core/errors.js";

/**
 * The most frequent vote, ties going to the label seen first, as `collections.Counter(votes)
 * .most_common(1)` does (SALT-NLP/CultureBank evaluation/downstream_tasks/cultural_nli.py
 * `get_majority_label`).
 */
export function majorityVote<T>(votes: readonly T[]): T {
  if (votes.length === 0) throw new AvakitError("majority vote: no votes");
  const counts = new Map<T, number>();
  for (const v of votes) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = votes[0] as T;
  let bestCount = 0;
  for (const [label, count] of counts) {
    if (count > bestCount) {
      best = label;
      bestCount = count;
    }
  }
  return best;
}

export interface MacroF1Options {
  /**
   * Which classes are averaged: "present" (default) the classes that occur in the gold or the
   * predicted labels, as sklearn's `f1_score(average="macro")` without `labels=`; "both" always
   * both classes, a class absent from both counting F1 = 0 (sklearn's zero_division default).
   */
  labels?: "present" | "both";
}

/** F1 of one class: 2·tp / (2·tp + fp + fn), 0 when that is 0 / 0. */
function classF1(gold: readonly boolean[], predicted: readonly boolean[], positive: boolean) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i] === positive;
    const p = predicted[i] === positive;
    if (g && p) tp++;
    else if (p) fp++;
    else if (g) fn++;
  }
  const denominator = 2 * tp + fp + fn;
  return denominator === 0 ? 0 : (2 * tp) / denominator;
}

/** Macro-averaged F1 of binary labels, as `sklearn.metrics.f1_score(gold, predicted, average="macro")`. */
export function macroF1(
  gold: readonly boolean[],
  predicted: readonly boolean[],
  options: MacroF1Options = {},
): number {
  if (gold.length !== predicted.length) {
    throw new AvakitError(
      `macro-F1: ${gold.length} gold labels but ${predicted.length} predictions`,
    );
  }
  if (gold.length === 0) throw new AvakitError("macro-F1: no items");
  const classes =
    (options.labels ?? "present") === "both"
      ? [false, true]
      : [false, true].filter((c) => gold.includes(c) || predicted.includes(c));
  let sum = 0;
  for (const c of classes) sum += classF1(gold, predicted, c);
  return sum / classes.length;
}

/** CultureNLI's thresholds on P(Entail) (cultural_nli.py). */
export const CULTURE_NLI_THRESHOLDS: readonly number[] = [0.6, 0.7, 0.8, 0.9, 1.0];

/** One CultureNLI item for one culture. */
export interface CultureNliItem {
  /** Majority label of that culture's annotators (majorityVote), e.g. "E", "N" or "C". */
  gold: string;
  /** The model's P(E), renormalised over E/N/C. */
  pEntail: number;
}

export interface CultureNliOptions extends MacroF1Options {
  thresholds?: readonly number[];
  /** The gold label counted as positive; "E". */
  entailLabel?: string;
}

export interface CultureNliScore {
  /** Best macro-F1 over the thresholds × 100. */
  value: number;
  /** The first threshold reaching it. */
  threshold: number;
  n: number;
  perThreshold: { threshold: number; f1: number }[];
}

/**
 * CultureNLI score for one culture (AVA paper Table 2, US / IN): max over thresholds t of
 * macro-F1 of [P(E) > t] against [gold = E], × 100, as SALT-NLP/CultureBank
 * evaluation/downstream_tasks/cultural_nli.py (`max([f1_score(labels, [int(x > t) …],
 * average='macro') for t in (0.6, 0.7, 0.8, 0.9, 1.0)])`).
 */
export function cultureNliF1(
  items: readonly CultureNliItem[],
  options: CultureNliOptions = {},
): CultureNliScore {
  const thresholds = options.thresholds ?? CULTURE_NLI_THRESHOLDS;
  if (thresholds.length === 0) throw new AvakitError("CultureNLI: no thresholds");
  const entail = options.entailLabel ?? "E";
  const gold = items.map((item) => item.gold === entail);
  const f1Options: MacroF1Options = options.labels === undefined ? {} : { labels: options.labels };
  const perThreshold = thresholds.map((threshold) => ({
    threshold,
    f1: macroF1(
      gold,
      items.map((item) => item.pEntail > threshold),
      f1Options,
    ),
  }));
  let best = perThreshold[0]!;
  for (const t of perThreshold) if (t.f1 > best.f1) best = t;
  return { value: best.f1 * 100, threshold: best.threshold, n: items.length, perThreshold };
}
