import { AvakitError } from "../../core/errors.js";

// BERTScore (Zhang et al., 2020) greedy matching as bert_score computes it: bert_score/utils.py
// `greedy_cos_idf` (cosine similarity of L2-normalised token embeddings, precision = weighted mean
// over candidate tokens of the best reference match, recall the reverse, F = 2PR/(P+R) with NaN
// → 0), `get_idf_dict` (idf = log((M+1)/(df+1)) over the M references, unseen tokens
// log(M+1)), special tokens weighted 0 (score.py sets idf[CLS] = idf[SEP] = 0 whether or not idf
// is on) but still matchable, an empty side (only special tokens) → P = R = 0, and
// `rescale_with_baseline`'s (x − b)/(1 − b). One deliberate difference: bert_score pads a batch
// and masks padded similarities to 0, so a token whose every real similarity is negative matches
// a padding 0 when its sentence is shorter than the batch's longest; we take the max over real
// tokens only (what bert_score gives with batch size 1).

/** One text's tokens as a contextual encoder returns them. */
export interface TokenEmbeddings {
  /** Token ids (or any stable token key) for idf; same length as `vectors`. */
  ids: readonly (number | string)[];
  /** One embedding per token, special tokens included. */
  vectors: readonly (readonly number[] | Float32Array | Float64Array)[];
  /** Which tokens are special ([CLS], [SEP], <s>, </s>): weight 0. */
  special: readonly boolean[];
}

export interface BertScoreOptions {
  /** Weight tokens by idf from the references (bert_score `idf=True`). Default false. */
  idf?: boolean;
  /** Rescale P, R, F as (x − b)/(1 − b) with these baselines (bert_score's rescale files). */
  baseline?: { p: number; r: number; f: number };
}

export interface BertScorePrf {
  precision: number;
  recall: number;
  f1: number;
}

export interface CorpusBertScore extends BertScorePrf {
  /** Per pair, in order. */
  pairs: BertScorePrf[];
  n: number;
}

/** bert_score's `get_idf_dict`: idf of each token id from the reference set. */
export function idfWeights(refs: readonly TokenEmbeddings[]): {
  idf: Map<number | string, number>;
  unseen: number;
} {
  const m = refs.length;
  const df = new Map<number | string, number>();
  for (const r of refs) for (const id of new Set(r.ids)) df.set(id, (df.get(id) ?? 0) + 1);
  const idf = new Map<number | string, number>();
  for (const [id, c] of df) idf.set(id, Math.log((m + 1) / (c + 1)));
  return { idf, unseen: Math.log(m + 1) };
}

function normalised(v: readonly number[] | Float32Array | Float64Array): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  const norm = Math.sqrt(s);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / norm;
  return out;
}

function check(t: TokenEmbeddings, what: string): void {
  if (t.ids.length !== t.vectors.length || t.special.length !== t.vectors.length) {
    throw new AvakitError(
      `BERTScore: ${what} has ${t.ids.length} ids, ${t.vectors.length} vectors and ${t.special.length} special flags`,
    );
  }
}

/** The cosine-similarity matrix (candidate tokens × reference tokens). */
export function cosineMatrix(cand: TokenEmbeddings, ref: TokenEmbeddings): Float64Array[] {
  const c = cand.vectors.map(normalised);
  const r = ref.vectors.map(normalised);
  return c.map((cv) =>
    Float64Array.from(r, (rv) => {
      if (rv.length !== cv.length) {
        throw new AvakitError(`BERTScore: embedding sizes differ (${cv.length} and ${rv.length})`);
      }
      let d = 0;
      for (let k = 0; k < cv.length; k++) d += cv[k]! * rv[k]!;
      return d;
    }),
  );
}

/**
 * One candidate against one reference: `weight(id, special)` gives each token's weight (1 or
 * idf, 0 for special tokens).
 */
export function bertScorePair(
  cand: TokenEmbeddings,
  ref: TokenEmbeddings,
  weight: (id: number | string, special: boolean) => number = (_id, special) => (special ? 0 : 1),
): BertScorePrf {
  check(cand, "a candidate");
  check(ref, "a reference");
  const emptyCand = cand.special.every(Boolean);
  const emptyRef = ref.special.every(Boolean);
  if (emptyCand || emptyRef || cand.vectors.length === 0 || ref.vectors.length === 0) {
    return { precision: 0, recall: 0, f1: 0 };
  }
  const sim = cosineMatrix(cand, ref);
  const side = (n: number, best: (i: number) => number, w: (i: number) => number) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const wi = w(i);
      num += wi * best(i);
      den += wi;
    }
    return num / den;
  };
  const precision = side(
    cand.vectors.length,
    (i) => Math.max(...sim[i]!),
    (i) => weight(cand.ids[i]!, cand.special[i]!),
  );
  const recall = side(
    ref.vectors.length,
    (j) => {
      let m = Number.NEGATIVE_INFINITY;
      for (const row of sim) if (row[j]! > m) m = row[j]!;
      return m;
    },
    (j) => weight(ref.ids[j]!, ref.special[j]!),
  );
  let f1 = (2 * precision * recall) / (precision + recall);
  if (Number.isNaN(f1)) f1 = 0;
  return {
    precision: Number.isNaN(precision) ? 0 : precision,
    recall: Number.isNaN(recall) ? 0 : recall,
    f1,
  };
}

const rescale = (x: number, b: number) => (x - b) / (1 - b);

/**
 * BERTScore of aligned candidate/reference pairs, and the means over pairs (bert_score returns
 * per-pair P/R/F; a table's single number is their mean).
 */
export function corpusBertScore(
  cands: readonly TokenEmbeddings[],
  refs: readonly TokenEmbeddings[],
  options: BertScoreOptions = {},
): CorpusBertScore {
  if (cands.length !== refs.length) {
    throw new AvakitError(`BERTScore: ${cands.length} candidates but ${refs.length} references`);
  }
  if (cands.length === 0) throw new AvakitError("BERTScore: no pairs");
  let weight: (id: number | string, special: boolean) => number = (_id, special) =>
    special ? 0 : 1;
  if (options.idf) {
    const { idf, unseen } = idfWeights(refs);
    weight = (id, special) => (special ? 0 : (idf.get(id) ?? unseen));
  }
  const b = options.baseline;
  const pairs = cands.map((c, i) => {
    const s = bertScorePair(c, refs[i]!, weight);
    return b
      ? {
          precision: rescale(s.precision, b.p),
          recall: rescale(s.recall, b.r),
          f1: rescale(s.f1, b.f),
        }
      : s;
  });
  const mean = (k: keyof BertScorePrf) => pairs.reduce((a, p) => a + p[k], 0) / pairs.length;
  return {
    precision: mean("precision"),
    recall: mean("recall"),
    f1: mean("f1"),
    pairs,
    n: pairs.length,
  };
}
