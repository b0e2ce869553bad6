import { AvakitError } from "../../core/errors.js";
import { compensatedSum } from "./summation.js";
import { pyRstrip, pySplit, tokenize13a } from "./tokenize-13a.js";

// BLEU (Papineni et al., 2002) exactly as sacrebleu 2.x computes it: sacrebleu/metrics/bleu.py
// (`BLEU.compute_bleu`, `_get_closest_ref_len`, `_extract_reference_info`,
// `_compute_segment_statistics`), metrics/helpers.py `extract_all_word_ngrams`, and the corpus
// loop of metrics/base.py.

export type BleuSmoothMethod = "none" | "floor" | "add-k" | "exp";
export type BleuTokenizer = "13a" | "none";

export interface BleuOptions {
  /** Highest n-gram order; BLEU-n of the paper's tables is BLEU with this set to n. Default 4. */
  maxNgramOrder?: number;
  /** Default "exp", sacrebleu's (mteval-v13a's NIST smoothing). */
  smoothMethod?: BleuSmoothMethod;
  /** For "floor" (default 0.1) and "add-k" (default 1); ignored by the others. */
  smoothValue?: number;
  /** Lower-case hypotheses and references before tokenizing. Default false. */
  lowercase?: boolean;
  /** Default "13a"; "none" splits on whitespace only. */
  tokenize?: BleuTokenizer;
  /** Average only the orders the hypotheses reach (for sentence-level BLEU). Default false. */
  effectiveOrder?: boolean;
}

/** sacrebleu's `BLEUScore`: `score` and `precisions` are on its 0–100 scale. */
export interface BleuScore {
  score: number;
  /** Clipped n-gram matches per order (after add-k smoothing, as sacrebleu returns them). */
  counts: number[];
  /** Hypothesis n-grams per order (after add-k smoothing, as sacrebleu returns them). */
  totals: number[];
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  sysLen: number;
  refLen: number;
}

const SMOOTH_DEFAULTS: Record<BleuSmoothMethod, number | undefined> = {
  none: undefined,
  floor: 0.1,
  "add-k": 1,
  exp: undefined,
};

/** sacrebleu's `my_log`: log with log(0) floored to −9999999999 instead of −∞. */
function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/**
 * BLEU from its sufficient statistics, `BLEU.compute_bleu`: brevity penalty, smoothed n-gram
 * precisions, geometric mean. `correct` and `total` are not modified; the returned counts carry
 * add-k's additions where sacrebleu's do.
 */
export function computeBleu(
  correct: readonly number[],
  total: readonly number[],
  sysLen: number,
  refLen: number,
  options: Pick<
    BleuOptions,
    "smoothMethod" | "smoothValue" | "effectiveOrder" | "maxNgramOrder"
  > = {},
): BleuScore {
  const smoothMethod = options.smoothMethod ?? "none";
  const maxOrder = options.maxNgramOrder ?? 4;
  if (!(smoothMethod in SMOOTH_DEFAULTS)) {
    throw new AvakitError(`BLEU: unknown smooth method "${smoothMethod}"`);
  }
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[smoothMethod] ?? 0;
  const counts = [...correct];
  const totals = [...total];

  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;

  const precisions: number[] = new Array(maxOrder).fill(0);
  // No match of any order scores 0 whatever the smoothing (sacrebleu #141).
  if (!counts.some((c) => c !== 0)) {
    return { score: 0, counts, totals, precisions, bp, sysLen, refLen };
  }

  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smoothMethod === "add-k" && n > 1) {
      counts[n - 1]! += smoothValue;
      totals[n - 1]! += smoothValue;
    }
    if (totals[n - 1] === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (counts[n - 1] === 0) {
      if (smoothMethod === "exp") {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * totals[n - 1]!);
      } else if (smoothMethod === "floor") {
        precisions[n - 1] = (100 * smoothValue) / totals[n - 1]!;
      }
    } else {
      precisions[n - 1] = (100 * counts[n - 1]!) / totals[n - 1]!;
    }
  }
  // Python's built-in sum() of the logs (compensated since CPython 3.12).
  const logSum = compensatedSum(precisions.slice(0, effOrder).map(myLog));
  const score = bp * Math.exp(logSum / effOrder);
  return { score, counts, totals, precisions, bp, sysLen, refLen };
}

/** n-gram counts per order (index n − 1), keyed by the tokens joined with a space. */
type NgramCounts = Map<string, number>[];

/** `extract_all_word_ngrams(line, 1, maxOrder)`: whitespace tokens, their n-grams, the length. */
function wordNgrams(line: string, maxOrder: number): { ngrams: NgramCounts; length: number } {
  const tokens = pySplit(line);
  const ngrams: NgramCounts = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      // Tokens hold no whitespace, so a space-joined key is unambiguous.
      const key = tokens.slice(i, i + n).join(" ");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    ngrams.push(counts);
  }
  return { ngrams, length: tokens.length };
}

/** `_get_closest_ref_len`: the reference length nearest the hypothesis's, the shorter on a tie. */
export function closestRefLength(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = refLen;
    } else if (diff === closestDiff && refLen < closestLen) {
      closestLen = refLen;
    }
  }
  return closestLen;
}

function preprocess(segment: string, lowercase: boolean, tokenize: BleuTokenizer): string {
  const s = lowercase ? segment.toLowerCase() : segment;
  const stripped = pyRstrip(s);
  return tokenize === "13a" ? tokenize13a(stripped) : stripped;
}

function resolve(options: BleuOptions) {
  const maxNgramOrder = options.maxNgramOrder ?? 4;
  if (!Number.isInteger(maxNgramOrder) || maxNgramOrder < 1) {
    throw new AvakitError(`BLEU: maxNgramOrder must be a positive integer, got ${maxNgramOrder}`);
  }
  const tokenize = options.tokenize ?? "13a";
  if (tokenize !== "13a" && tokenize !== "none") {
    throw new AvakitError(`BLEU: unknown tokenizer "${tokenize}" (13a or none)`);
  }
  return {
    maxNgramOrder,
    tokenize,
    lowercase: options.lowercase ?? false,
    smoothMethod: options.smoothMethod ?? "exp",
    smoothValue: options.smoothValue,
    effectiveOrder: options.effectiveOrder ?? false,
  };
}

/**
 * Corpus BLEU as sacrebleu's `BLEU(...).corpus_score(hyps, refs)` / `sacrebleu.corpus_bleu`:
 * clipped n-gram matches against the per-n-gram maximum count over a segment's references, the
 * closest reference length, all summed over the corpus before one brevity penalty and one
 * geometric mean. `refs[k][i]` is the k-th reference stream's i-th segment, as in sacrebleu; an
 * empty reference is skipped (a segment may have fewer references), but each segment needs one.
 */
export function corpusBleu(
  hyps: readonly string[],
  refs: readonly (readonly string[])[],
  options: BleuOptions = {},
): BleuScore {
  const o = resolve(options);
  if (refs.length === 0) throw new AvakitError("BLEU: no reference streams");
  refs.forEach((stream, k) => {
    if (stream.length !== hyps.length) {
      throw new AvakitError(
        `BLEU: ${hyps.length} hypotheses but reference stream ${k + 1} has ${stream.length} segments`,
      );
    }
  });
  const correct: number[] = new Array(o.maxNgramOrder).fill(0);
  const total: number[] = new Array(o.maxNgramOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  for (let i = 0; i < hyps.length; i++) {
    const lines = refs
      .map((stream) => stream[i])
      .filter((r): r is string => r !== undefined && r !== null && r !== "");
    if (lines.length === 0) {
      throw new AvakitError(`BLEU: segment ${i + 1} has no non-empty reference`);
    }
    let refNgrams: NgramCounts | undefined;
    const refLens: number[] = [];
    for (const line of lines) {
      const { ngrams, length } = wordNgrams(
        preprocess(line, o.lowercase, o.tokenize),
        o.maxNgramOrder,
      );
      refLens.push(length);
      if (refNgrams === undefined) {
        refNgrams = ngrams;
        continue;
      }
      for (let n = 0; n < o.maxNgramOrder; n++) {
        for (const [key, count] of ngrams[n]!) {
          refNgrams[n]!.set(key, Math.max(refNgrams[n]!.get(key) ?? 0, count));
        }
      }
    }
    const hyp = wordNgrams(preprocess(hyps[i]!, o.lowercase, o.tokenize), o.maxNgramOrder);
    sysLen += hyp.length;
    refLen += closestRefLength(hyp.length, refLens);
    for (let n = 0; n < o.maxNgramOrder; n++) {
      for (const [key, count] of hyp.ngrams[n]!) {
        total[n]! += count;
        const inRef = refNgrams![n]!.get(key);
        if (inRef !== undefined) correct[n]! += Math.min(count, inRef);
      }
    }
  }
  const computeOptions: Parameters<typeof computeBleu>[4] = {
    smoothMethod: o.smoothMethod,
    effectiveOrder: o.effectiveOrder,
    maxNgramOrder: o.maxNgramOrder,
  };
  if (o.smoothValue !== undefined) computeOptions.smoothValue = o.smoothValue;
  return computeBleu(correct, total, sysLen, refLen, computeOptions);
}

/** BLEU-n of the paper's tables: corpus BLEU with the highest n-gram order set to n. */
export function bleuN(
  n: number,
  hyps: readonly string[],
  refs: readonly (readonly string[])[],
  options: Omit<BleuOptions, "maxNgramOrder"> = {},
): BleuScore {
  return corpusBleu(hyps, refs, { ...options, maxNgramOrder: n });
}

/**
 * Sentence BLEU as `sacrebleu.sentence_bleu(hyp, refs)`: one segment against its references, with
 * effective order on by default as there.
 */
export function sentenceBleu(
  hyp: string,
  refs: readonly string[],
  options: BleuOptions = {},
): BleuScore {
  return corpusBleu(
    [hyp],
    refs.map((r) => [r]),
    { effectiveOrder: true, ...options },
  );
}
