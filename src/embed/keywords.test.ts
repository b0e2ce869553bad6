import assert from "node:assert/strict";
import { after, test } from "node:test";
import { mulberry32 } from "../eval/metrics/bootstrap.js";
import {
  compareCodePoints,
  extractKeywords,
  keywordCandidates,
  mmr,
  rankKeywords,
  scoreKeywords,
} from "./keywords.js";
import { ENGLISH_STOP_WORDS } from "./stopwords.js";
import { cosine, cosineWithNorms, norm } from "./types.js";
import { UseEmbedder } from "./use.js";

const VISTAPRINT =
  "Shopping small can make a big difference in your community. Support local establishments this Small Business Week May 5–11 and join Vistaprint in their efforts to support small businesses.";

const v = (...xs: number[]) => Float32Array.from(xs);

test("stop words: scikit-learn's 318, misspellings included", () => {
  assert.equal(ENGLISH_STOP_WORDS.size, 318);
  for (const w of ["a", "amoungst", "couldnt", "hasnt", "noone", "yourselves", "thru"]) {
    assert.ok(ENGLISH_STOP_WORDS.has(w), w);
  }
  for (const w of ["make", "big", "support", "small", "business"]) {
    assert.ok(!ENGLISH_STOP_WORDS.has(w), w);
  }
});

test("candidates: CountVectorizer's tokens, stop words removed, sorted", () => {
  // Hand-checked: "5" is one character (token_pattern needs two), "can in your this may and
  // their to" are stop words, "Small"/"small" are one candidate.
  assert.deepEqual(keywordCandidates(VISTAPRINT), [
    "11",
    "big",
    "business",
    "businesses",
    "community",
    "difference",
    "efforts",
    "establishments",
    "join",
    "local",
    "make",
    "shopping",
    "small",
    "support",
    "vistaprint",
    "week",
  ]);
});

test("candidates: n-grams are formed after stop words are removed, as scikit-learn does", () => {
  // the cat sat on the mat with another cat → cat sat mat cat
  assert.deepEqual(
    keywordCandidates("The cat sat on the mat with another cat.", { ngramRange: [1, 2] }),
    ["cat", "cat sat", "mat", "mat cat", "sat", "sat mat"],
  );
  assert.deepEqual(
    keywordCandidates("The cat sat on the mat with another cat.", { ngramRange: [2, 3] }),
    ["cat sat", "cat sat mat", "mat cat", "sat mat", "sat mat cat"],
  );
  const bigrams = keywordCandidates(VISTAPRINT, { ngramRange: [2, 2] });
  assert.ok(bigrams.includes("small make"), "'can' dropped before pairing");
  assert.ok(bigrams.includes("week 11"));
  assert.ok(bigrams.includes("small business"));
});

test("candidates: Unicode words, underscores, no stop list, nothing left", () => {
  assert.deepEqual(keywordCandidates("Café_au_lait x 東京 2024 𝒳𝒴 zz"), [
    "2024",
    "café_au_lait",
    "zz",
    "東京",
    "𝒳𝒴",
  ]);
  assert.deepEqual(keywordCandidates("the and of", { stopWords: null }), ["and", "of", "the"]);
  assert.deepEqual(keywordCandidates("the and of"), []);
  assert.deepEqual(keywordCandidates(""), []);
  assert.throws(() => keywordCandidates("x", { ngramRange: [2, 1] }), RangeError);
});

test("compareCodePoints orders as Python does (astral characters after U+FFFF)", () => {
  const xs = ["𝒳", "\uffff", "z", "zz", "a"];
  assert.deepEqual([...xs].sort(compareCodePoints), ["a", "z", "zz", "\uffff", "𝒳"]);
});

test("rankKeywords: by cosine with the document, best first; ties later candidate first", () => {
  const doc = v(1, 0);
  const cands = ["a", "b", "c", "d", "e"];
  const vecs = [v(1, 0), v(0, 1), v(1, 1), v(-1, 0), v(2, 2)];
  // cosines 1, 0, 0.707, -1, 0.707: c and e tie, e (later) first, as numpy's argsort()[::-1].
  assert.deepEqual(rankKeywords(doc, cands, vecs, { topN: 4 }), ["a", "e", "c", "b"]);
  assert.deepEqual(rankKeywords(doc, cands, vecs), ["a", "e", "c", "b", "d"]);
  assert.deepEqual(rankKeywords(doc, cands, vecs, { topN: 9 }).length, 5);
  assert.deepEqual(rankKeywords(doc, cands, vecs, { topN: 0 }), []);
  assert.deepEqual(rankKeywords(doc, [], []), []);
  const scored = scoreKeywords(doc, cands, vecs, { topN: 2 });
  assert.equal(scored[0]!.score, 1);
  assert.ok(Math.abs(scored[1]!.score - Math.SQRT1_2) < 1e-6);
  assert.throws(() => rankKeywords(doc, ["a"], []), RangeError);
});

test("MMR: the hand-computed example of keybert/_mmr.py", () => {
  const doc = v(1, 0);
  const words = ["w0", "w1", "w2", "w3"];
  const vecs = [v(1, 0), v(0.9, 0.1), v(0.6, 0.8), v(0, 1)];
  // sim(doc): 1, 0.99388, 0.6, 0.
  // diversity 0.7: first w0; then mmr = 0.3·sim(doc) − 0.7·max sim(chosen):
  //   w1 0.3·0.99388 − 0.7·0.99388 = −0.39755; w2 0.18 − 0.42 = −0.24; w3 0 − 0 = 0 → w3
  //   w1 −0.39755 (max(0.99388, 0.11043)); w2 0.18 − 0.7·max(0.6, 0.8) = −0.38 → w2
  assert.deepEqual(rankKeywords(doc, words, vecs, { topN: 3, useMmr: true, diversity: 0.7 }), [
    "w0",
    "w3",
    "w2",
  ]);
  assert.deepEqual(rankKeywords(doc, words, vecs, { topN: 3 }), ["w0", "w1", "w2"]);
  // diversity 0 is plain similarity; topN beyond the candidates gives them all.
  assert.deepEqual(rankKeywords(doc, words, vecs, { topN: 3, useMmr: true, diversity: 0 }), [
    "w0",
    "w1",
    "w2",
  ]);
  assert.equal(rankKeywords(doc, words, vecs, { topN: 10, useMmr: true }).length, 4);
  // Ties go to the earliest remaining candidate (numpy's argmax).
  assert.deepEqual(mmr([0.5, 0.5, 0.5], [v(1, 0), v(0, 1), v(0, 1)], 2, 0.5), [0, 1]);
});

const use = new UseEmbedder();
after(() => use.close());

test("KeyBERT with the use embedder finds the Vistaprint ad's topic", async () => {
  const top = await extractKeywords(VISTAPRINT, use, { topN: 5 });
  console.log(`  keywords: ${top.map((k) => `${k.keyword} (${k.score.toFixed(3)})`).join(", ")}`);
  assert.equal(top.length, 5);
  assert.ok(
    top.some((k) => ["business", "businesses", "small"].includes(k.keyword)),
    top.map((k) => k.keyword).join(", "),
  );
  for (let i = 1; i < top.length; i++) assert.ok(top[i - 1]!.score >= top[i]!.score);
  const diverse = await extractKeywords(VISTAPRINT, use, { topN: 5, useMmr: true, diversity: 0.7 });
  console.log(`  keywords (MMR 0.7): ${diverse.map((k) => k.keyword).join(", ")}`);
  assert.equal(diverse[0]!.keyword, top[0]!.keyword);
});

test("given the vectors' norms, keywords score exactly as without (plain and MMR)", () => {
  const rand = mulberry32(12);
  for (let k = 0; k < 50; k++) {
    const dim = 1 + Math.floor(rand() * 64);
    const vec = () => Float32Array.from({ length: dim }, () => (rand() < 0.2 ? 0 : rand() - 0.5));
    const doc = vec();
    const cands = Array.from({ length: 1 + Math.floor(rand() * 20) }, (_, i) => `w${i}`);
    const vecs = cands.map(vec);
    if (k % 10 === 0) vecs[0] = new Float32Array(dim); // a zero vector scores 0 either way
    const norms = { doc: norm(doc), candidates: vecs.map(norm) };
    for (const useMmr of [false, true]) {
      const opts = { topN: 5, useMmr, diversity: 0.3 };
      assert.deepEqual(
        scoreKeywords(doc, cands, vecs, { ...opts, norms }),
        scoreKeywords(doc, cands, vecs, opts),
      );
    }
    for (const v of vecs) assert.equal(cosineWithNorms(v, doc, norm(v), norm(doc)), cosine(v, doc));
  }
});
