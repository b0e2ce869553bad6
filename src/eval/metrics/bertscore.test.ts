import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bertScorePair,
  corpusBertScore,
  cosineMatrix,
  idfWeights,
  type TokenEmbeddings,
} from "./bertscore.js";

const CLS = [1, 1];
const SEP = [1, -1];
const A = [1, 0];
const B = [0, 1];
const C = [3, 4];

const cand: TokenEmbeddings = {
  ids: [101, 1, 2, 102],
  vectors: [CLS, A, B, SEP],
  special: [true, false, false, true],
};
const ref: TokenEmbeddings = {
  ids: [101, 1, 3, 102],
  vectors: [CLS, A, C, SEP],
  special: [true, false, false, true],
};

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test("cosine matrix of normalised embeddings", () => {
  const m = cosineMatrix(cand, ref);
  close(m[1]![2]!, 0.6, "a·c");
  close(m[2]![2]!, 0.8, "b·c");
  close(m[0]![2]!, 1.4 / Math.SQRT2, "cls·c");
  close(m[3]![0]!, 0, "sep·cls");
});

test("greedy matching by hand: special tokens weigh 0 but can be matched", () => {
  const s = bertScorePair(cand, ref);
  // P: a→a 1, b→c 0.8. R: a→a 1, c→[CLS] 1.4/√2 (a special token is a valid match, as in bert_score).
  const p = (1 + 0.8) / 2;
  const r = (1 + 1.4 / Math.SQRT2) / 2;
  close(s.precision, p, "P");
  close(s.recall, r, "R");
  close(s.f1, (2 * p * r) / (p + r), "F");
});

test("idf from the references: log((M+1)/(df+1)), unseen log(M+1), special 0", () => {
  const ref2: TokenEmbeddings = { ...ref, ids: [101, 1, 4, 102] };
  const { idf, unseen } = idfWeights([ref, ref2]);
  close(idf.get(1)!, Math.log(3 / 3), "idf(a)");
  close(idf.get(3)!, Math.log(3 / 2), "idf(c)");
  close(unseen, Math.log(3), "unseen");
  const s = corpusBertScore([cand, cand], [ref, ref2], { idf: true });
  // a has idf 0 in both: P = b's match 0.8 (b unseen, weight log 3); R = c's match.
  const p = 0.8;
  const r = 1.4 / Math.SQRT2;
  close(s.pairs[0]!.precision, p, "P idf");
  close(s.pairs[0]!.recall, r, "R idf");
  close(s.pairs[0]!.f1, (2 * p * r) / (p + r), "F idf");
  close(s.f1, (s.pairs[0]!.f1 + s.pairs[1]!.f1) / 2, "mean F");
});

test("baseline rescaling (x − b)/(1 − b), empty sides score 0, identical texts 1", () => {
  const raw = bertScorePair(cand, ref);
  const s = corpusBertScore([cand], [ref], { baseline: { p: 0.8, r: 0.8, f: 0.8 } });
  close(s.f1, (raw.f1 - 0.8) / 0.2, "rescaled F");
  const empty: TokenEmbeddings = { ids: [101, 102], vectors: [CLS, SEP], special: [true, true] };
  assert.deepEqual(bertScorePair(empty, ref), { precision: 0, recall: 0, f1: 0 });
  assert.deepEqual(bertScorePair(cand, empty), { precision: 0, recall: 0, f1: 0 });
  const same = bertScorePair(cand, cand);
  close(same.f1, 1, "self");
  assert.throws(() => corpusBertScore([cand], []), /1 candidates but 0 references/);
  assert.throws(
    () => bertScorePair({ ids: [1], vectors: [[1, 2, 3]], special: [false] }, ref),
    /embedding sizes differ/,
  );
});

/** greedy_cos_idf as bert_score/utils.py writes it, for one pair (batch of 1, no padding). */
function referenceGreedyCosIdf(
  refEmb: number[][],
  refIdf: number[],
  hypEmb: number[][],
  hypIdf: number[],
): [number, number, number] {
  const norm = (v: number[]) => {
    const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    return v.map((x) => x / n);
  };
  const r = refEmb.map(norm);
  const h = hypEmb.map(norm);
  const sim = h.map((hv) => r.map((rv) => hv.reduce((a, x, k) => a + x * rv[k]!, 0)));
  const wordPrecision = sim.map((row) => Math.max(...row));
  const wordRecall = r.map((_, j) => Math.max(...sim.map((row) => row[j]!)));
  const hs = hypIdf.reduce((a, b) => a + b, 0);
  const rs = refIdf.reduce((a, b) => a + b, 0);
  const P = wordPrecision.reduce((a, w, i) => a + (w * hypIdf[i]!) / hs, 0);
  const R = wordRecall.reduce((a, w, j) => a + (w * refIdf[j]!) / rs, 0);
  return [P, R, (2 * P * R) / (P + R)];
}

test("agrees with bert_score's greedy_cos_idf on random embeddings", () => {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31 - 0.3;
  };
  for (let trial = 0; trial < 20; trial++) {
    const mk = (n: number): TokenEmbeddings => ({
      ids: Array.from({ length: n }, (_, i) =>
        i === 0 ? 0 : i === n - 1 ? 9 : 1 + ((trial + i) % 5),
      ),
      vectors: Array.from({ length: n }, () => Array.from({ length: 6 }, rnd)),
      special: Array.from({ length: n }, (_, i) => i === 0 || i === n - 1),
    });
    const c = mk(3 + (trial % 5));
    const r = mk(4 + (trial % 3));
    const w = (t: TokenEmbeddings) => t.special.map((s) => (s ? 0 : 1));
    const [P, R, F] = referenceGreedyCosIdf(
      r.vectors as number[][],
      w(r),
      c.vectors as number[][],
      w(c),
    );
    const s = bertScorePair(c, r);
    close(s.precision, P, `P trial ${trial}`);
    close(s.recall, R, `R trial ${trial}`);
    close(s.f1, F, `F trial ${trial}`);
  }
});
