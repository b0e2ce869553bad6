import { ENGLISH_STOP_WORDS } from "./stopwords.js";
import { cosine, cosineWithNorms, type Embedder } from "./types.js";

/**
 * KeyBERT (MaartenGr/KeyBERT, `KeyBERT.extract_keywords` for one document), split into its pure
 * parts so that the builder can take every vector from the embedding cache:
 *   1. candidates: scikit-learn's `CountVectorizer(ngram_range, stop_words="english").fit([doc])`
 *      vocabulary (`keywordCandidates`);
 *   2. ranking: cosine of each candidate's vector with the document's, best first, or Maximal
 *      Marginal Relevance as keybert/_mmr.py (`rankKeywords`).
 */

export interface KeywordCandidateOptions {
  /** Smallest and largest n-gram length in words (default [1, 1], KeyBERT's default). */
  ngramRange?: readonly [number, number];
  /** Removed before n-grams are formed (default scikit-learn's English list; null for none). */
  stopWords?: ReadonlySet<string> | null;
}

// CountVectorizer's token_pattern `(?u)\b\w\w+\b`: maximal runs of two or more word characters,
// Python's Unicode \w being letters, digits and the underscore.
const TOKEN_RE = /[\p{L}\p{N}_]{2,}/gu;
// The same on ASCII text, without the Unicode property tables (several times faster).
const ASCII_TOKEN_RE = /[a-z0-9_]{2,}/g;
const NON_ASCII = /[^\p{ASCII}]/u;

/**
 * The candidate keywords of one document as CountVectorizer finds them: lowercased, tokenised,
 * stop words dropped, then n-grams of the remaining tokens (so an n-gram may join words that a stop
 * word separated, as scikit-learn's `_word_ngrams` does); unique and sorted by code point, the
 * order of `get_feature_names_out()`.
 */
export function keywordCandidates(doc: string, opts: KeywordCandidateOptions = {}): string[] {
  const [minN, maxN] = opts.ngramRange ?? [1, 1];
  if (!(Number.isInteger(minN) && Number.isInteger(maxN) && minN >= 1 && maxN >= minN)) {
    throw new RangeError(
      `ngramRange must be [min, max] with 1 ≤ min ≤ max, got [${minN}, ${maxN}]`,
    );
  }
  const stop = opts.stopWords === undefined ? ENGLISH_STOP_WORDS : opts.stopWords;
  const tokens: string[] = [];
  const lower = doc.toLowerCase();
  for (const m of lower.matchAll(NON_ASCII.test(lower) ? TOKEN_RE : ASCII_TOKEN_RE)) {
    if (stop === null || !stop.has(m[0])) tokens.push(m[0]);
  }
  const grams = new Set<string>();
  for (let n = minN; n <= Math.min(maxN, tokens.length); n++) {
    for (let i = 0; i + n <= tokens.length; i++) grams.add(tokens.slice(i, i + n).join(" "));
  }
  return [...grams].sort(compareCodePoints);
}

/** Python's string order (by code point), which differs from UTF-16 order above U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

export interface RankKeywordsOptions {
  /** Keywords to return (default 5). */
  topN?: number;
  /** Maximal Marginal Relevance instead of plain similarity (default false). */
  useMmr?: boolean;
  /** MMR only: 0 = similarity to the document alone, 1 = diversity alone (default 0.5). */
  diversity?: number;
  /**
   * `norm` of the document vector and of each candidate vector, when the caller has them (the
   * builder computes a chunk's candidate norms once): the same scores, computed faster.
   */
  norms?: { doc: number; candidates: readonly number[] };
}

export interface ScoredKeyword {
  keyword: string;
  /** Cosine similarity of the keyword's vector with the document's. */
  score: number;
}

/** The top keywords, best first (see `scoreKeywords`). */
export function rankKeywords(
  docVec: Float32Array,
  candidates: readonly string[],
  candVecs: readonly Float32Array[],
  opts: RankKeywordsOptions = {},
): string[] {
  return scoreKeywords(docVec, candidates, candVecs, opts).map((k) => k.keyword);
}

/**
 * KeyBERT's selection with its scores. Plain: `cosine(doc, candidates).argsort()[-top_n:][::-1]`,
 * so of equal scores the later candidate comes first, as numpy's (stable, for short arrays)
 * argsort reversed gives. MMR: `mmr()` of keybert/_mmr.py. Unlike KeyBERT, topN 0 gives none
 * (KeyBERT gives every candidate, or one with MMR).
 */
export function scoreKeywords(
  docVec: Float32Array,
  candidates: readonly string[],
  candVecs: readonly Float32Array[],
  opts: RankKeywordsOptions = {},
): ScoredKeyword[] {
  if (candVecs.length !== candidates.length) {
    throw new RangeError(
      `rankKeywords: ${candidates.length} candidates but ${candVecs.length} vectors`,
    );
  }
  const topN = opts.topN ?? 5;
  if (candidates.length === 0 || topN <= 0) return [];
  const { norms } = opts;
  const sims = norms
    ? candVecs.map((v, i) => cosineWithNorms(v, docVec, norms.candidates[i]!, norms.doc))
    : candVecs.map((v) => cosine(v, docVec));
  const picked = opts.useMmr
    ? mmr(sims, candVecs, topN, opts.diversity ?? 0.5, norms?.candidates)
    : sims
        .map((_, i) => i)
        .sort((a, b) => sims[b]! - sims[a]! || b - a)
        .slice(0, topN);
  return picked.map((i) => ({ keyword: candidates[i]!, score: sims[i]! }));
}

/**
 * Maximal Marginal Relevance, as keybert/_mmr.py `mmr()`: start from the candidate most similar
 * to the document; then, up to topN − 1 times, add the candidate maximising
 * (1 − diversity) · sim(candidate, doc) − diversity · max over chosen k of sim(candidate, k),
 * ties to the earliest remaining candidate (numpy's argmax). Returns candidate indices in the
 * order chosen. `docSims[i]` is the cosine of candidate i with the document.
 */
export function mmr(
  docSims: readonly number[],
  candVecs: readonly Float32Array[],
  topN: number,
  diversity: number,
  /** `norm` of each candidate vector, if known (the same result, faster). */
  candNorms?: readonly number[],
): number[] {
  const n = docSims.length;
  if (n === 0 || topN <= 0) return [];
  let first = 0;
  for (let i = 1; i < n; i++) if (docSims[i]! > docSims[first]!) first = i;
  const chosen = [first];
  const remaining: number[] = [];
  for (let i = 0; i < n; i++) if (i !== first) remaining.push(i);
  // maxSim[i]: the largest similarity of candidate i with any chosen keyword, updated as we go.
  const maxSim = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  for (let step = 0; step < Math.min(topN - 1, n - 1); step++) {
    const last = chosen[chosen.length - 1]!;
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let r = 0; r < remaining.length; r++) {
      const i = remaining[r]!;
      const s = candNorms
        ? cosineWithNorms(candVecs[i]!, candVecs[last]!, candNorms[i]!, candNorms[last]!)
        : cosine(candVecs[i]!, candVecs[last]!);
      if (s > maxSim[i]!) maxSim[i] = s;
      const score = (1 - diversity) * docSims[i]! - diversity * maxSim[i]!;
      if (score > bestScore) {
        bestScore = score;
        best = r;
      }
    }
    chosen.push(remaining[best]!);
    remaining.splice(best, 1);
  }
  return chosen;
}

/**
 * KeyBERT end to end for one document, embedding it and its candidates with `embedder` (no
 * cache): for tests, examples and small jobs. The builder uses `rankKeywords` on cached vectors.
 */
export async function extractKeywords(
  doc: string,
  embedder: Embedder,
  opts: KeywordCandidateOptions & RankKeywordsOptions = {},
): Promise<ScoredKeyword[]> {
  const candidates = keywordCandidates(doc, opts);
  if (candidates.length === 0) return [];
  const [docVec, ...candVecs] = await embedder.embed([doc, ...candidates]);
  return scoreKeywords(docVec!, candidates, candVecs, opts);
}
