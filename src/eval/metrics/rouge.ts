import { AvakitError } from "../../core/errors.js";
import { porterStem } from "./porter.js";
import { pairwiseSum } from "./summation.js";

// ROUGE-L (Lin, 2004) exactly as Google's rouge_score computes it: rouge_score/tokenize.py,
// tokenizers.py `DefaultTokenizer`, rouge_scorer.py `_score_lcs` / `_lcs_table` / `score_multi`,
// scoring.py `fmeasure`.

export interface RougeOptions {
  /** Porter-stem tokens longer than 3 characters (rouge_score's `use_stemmer`). Default false. */
  stem?: boolean;
}

/** rouge_score's `Score`: each in [0, 1]. */
export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/**
 * rouge_score's default tokenizer: lower-case, every run of characters outside [a-z0-9] becomes
 * a space, split on whitespace, optionally stem tokens longer than 3 characters with NLTK's
 * default Porter stemmer (NLTK_EXTENSIONS), keep the non-empty [a-z0-9]+ tokens.
 */
export function rougeTokenize(text: string, options: RougeOptions = {}): string[] {
  const tokens = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(/\s+/);
  const stemmed = options.stem
    ? tokens.map((t) => (t.length > 3 ? porterStem(t, { mode: "NLTK_EXTENSIONS" }) : t))
    : tokens;
  return stemmed.filter((t) => /^[a-z0-9]+$/.test(t));
}

/** Length of the longest common subsequence of two token lists (`_lcs_table(...)[-1][-1]`). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      current[j] =
        a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** scoring.py `fmeasure`: 2PR / (P + R), 0 when both are 0. */
function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** `_score_lcs` on token lists: precision = LCS / |prediction|, recall = LCS / |target|. */
export function rougeLTokens(target: readonly string[], prediction: readonly string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) {
    return { precision: 0, recall: 0, fmeasure: 0 };
  }
  const lcs = lcsLength(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * ROUGE-L of one prediction against one target, as
 * `RougeScorer(["rougeL"], use_stemmer).score(target, prediction)["rougeL"]` (target first, as
 * there). Not rougeLsum: newlines are ordinary separators.
 */
export function rougeL(target: string, prediction: string, options: RougeOptions = {}): RougeScore {
  return rougeLTokens(rougeTokenize(target, options), rougeTokenize(prediction, options));
}

/**
 * ROUGE-L against several targets as `RougeScorer.score_multi`: the score of the target with the
 * highest F-measure (the first one on a tie, as `np.argmax`).
 */
export function rougeLMulti(
  targets: readonly string[],
  prediction: string,
  options: RougeOptions = {},
): RougeScore {
  if (targets.length === 0) throw new AvakitError("ROUGE-L: no targets");
  const predictionTokens = rougeTokenize(prediction, options);
  let best: RougeScore | undefined;
  for (const target of targets) {
    const s = rougeLTokens(rougeTokenize(target, options), predictionTokens);
    if (best === undefined || s.fmeasure > best.fmeasure) best = s;
  }
  return best!;
}

/** Corpus ROUGE-L: means over segments, and `score` = 100 × mean F1 (the paper's tables' scale). */
export interface CorpusRougeScore {
  score: number;
  precision: number;
  recall: number;
  fmeasure: number;
  n: number;
}

/**
 * Corpus ROUGE-L F1 over aligned segments: the mean of the per-segment F-measures (NumPy's mean,
 * pairwise summation). rouge_score has no corpus score; its `BootstrapAggregator` reports as
 * `mid` the median of 1000 resampled means, a random estimate of this mean, so the mean itself is
 * what we report. `refs[k][i]` is the k-th reference stream's i-th segment, as for `corpusBleu`;
 * with several streams each segment takes its best reference (`score_multi`).
 */
export function corpusRougeL(
  hyps: readonly string[],
  refs: readonly (readonly string[])[],
  options: RougeOptions = {},
): CorpusRougeScore {
  if (refs.length === 0) throw new AvakitError("ROUGE-L: no reference streams");
  if (hyps.length === 0) throw new AvakitError("ROUGE-L: no segments");
  refs.forEach((stream, k) => {
    if (stream.length !== hyps.length) {
      throw new AvakitError(
        `ROUGE-L: ${hyps.length} hypotheses but reference stream ${k + 1} has ${stream.length} segments`,
      );
    }
  });
  const p = new Float64Array(hyps.length);
  const r = new Float64Array(hyps.length);
  const f = new Float64Array(hyps.length);
  for (let i = 0; i < hyps.length; i++) {
    const s = rougeLMulti(
      refs.map((stream) => stream[i]!),
      hyps[i]!,
      options,
    );
    p[i] = s.precision;
    r[i] = s.recall;
    f[i] = s.fmeasure;
  }
  const fmean = pairwiseSum(f) / hyps.length;
  return {
    score: 100 * fmean,
    precision: pairwiseSum(p) / hyps.length,
    recall: pairwiseSum(r) / hyps.length,
    fmeasure: fmean,
    n: hyps.length,
  };
}
