import assert from "node:assert/strict";
import { test } from "node:test";
import { bleuN, closestRefLength, computeBleu, corpusBleu, sentenceBleu } from "./bleu.js";

// Test vectors from sacrebleu's own suite (mjpost/sacrebleu test/test_bleu.py and
// test/test_sentence_bleu.py); tolerances are theirs (1e-8 there, 1e-3 for sentence BLEU).

const close = (actual: number, expected: number, eps: number, what = "") =>
  assert.ok(Math.abs(actual - expected) < eps, `${what} ${actual} ≉ ${expected}`);

// test_bleu.py: the README example, two reference streams
const REFS = [
  ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
  ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
];
const HYPS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];

test("test_corpus_bleu_cases: the three-sentence corpus, default, 13a, none, smoothing none", () => {
  close(corpusBleu(HYPS, REFS).score, 48.530827, 1e-8, "default");
  close(corpusBleu(HYPS, REFS, { tokenize: "13a" }).score, 48.530827, 1e-8, "13a");
  close(corpusBleu(HYPS, REFS, { tokenize: "none" }).score, 49.1919566, 1e-8, "none");
  close(corpusBleu(HYPS, REFS, { smoothMethod: "none" }).score, 48.530827, 1e-8, "no smoothing");
  // ensure that empty hypotheses are not removed
  assert.equal(corpusBleu(["", "", ""], REFS).score, 0);
});

test("test_max_ngram_order: BLEU-1 … BLEU-6 of the same corpus to two decimals", () => {
  const expected = ["77.65", "60.50", "53.93", "48.53", "46.14", "43.28"];
  expected.forEach((e, i) => {
    assert.equal(bleuN(i + 1, HYPS, REFS).score.toFixed(2), e, `BLEU-${i + 1}`);
    assert.equal(corpusBleu(HYPS, REFS, { maxNgramOrder: i + 1 }).score.toFixed(2), e);
  });
});

// sacrebleu.raw_corpus_bleu: no tokenization, floor smoothing, effective order
const raw = (hyps: string[], refs: string[][], smoothValue?: number) =>
  corpusBleu(hyps, refs, {
    tokenize: "none",
    smoothMethod: "floor",
    effectiveOrder: true,
    ...(smoothValue === undefined ? {} : { smoothValue }),
  });

test("test_raw_bleu and test_effective_order", () => {
  // no match at all scores 0 (sacrebleu #141)
  assert.equal(raw(["this is a test", "another test"], [["ref1", "ref2"]], 0.01).score, 0);
  close(raw(["this is a test"], [["this is a test"]], 0.01).score / 100, 1.0, 1e-8);
  close(raw(["this is a fest"], [["this is a test"]], 0.01).score / 100, 0.223606797749979, 1e-8);
  close(raw(["test"], [["a test"]], 0.01).score / 100, 0.3678794411714425, 1e-8);
  close(raw(["a test"], [["a test"]], 0.01).score / 100, 1.0, 1e-8);
  close(raw(["a little test"], [["a test"]], 0.01).score / 100, 0.03218297948685433, 1e-8);
});

test("test_statistics and test_offset: counts, totals and the floor value", () => {
  const hyp = ["am I am a character sequence"];
  const ref = [["I am a symbol string sequence a a"]];
  const r = raw(hyp, ref, 0.01);
  assert.deepEqual(r.counts, [4, 2, 1, 0]);
  assert.deepEqual(r.totals, [6, 5, 4, 3]);
  assert.equal(raw(hyp, ref, 0.0).score, 0);
  // floor's default value 0.1
  close(raw(hyp, ref).score / 100, 0.1555722182, 1e-8);
  close(raw(hyp, ref, 0.1).score / 100, 0.1555722182, 1e-8);
});

test("test_scoring and test_degenerate_statistics: compute_bleu from statistics", () => {
  close(computeBleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11).score / 100, 0.8375922397, 1e-8);
  const degenerate: Array<[number[], number[], number, number, number]> = [
    [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0.0],
    [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.0],
    [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
    [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
  ];
  for (const [correct, total, sysLen, refLen, offset] of degenerate) {
    const s = computeBleu(correct, total, sysLen, refLen, {
      smoothMethod: "floor",
      smoothValue: offset,
    });
    assert.equal(s.score, 0);
  }
});

// test_sentence_bleu.py: example from sacrebleu #98
const REF = "producţia de zahăr brut se exprimă în zahăr alb;";
const SYS = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";

test("test_api_sentence_bleu: smoothing variants and tokenizers (effective order)", () => {
  const cases: Array<[Parameters<typeof sentenceBleu>[2], number]> = [
    [{ smoothMethod: "exp" }, 8.493],
    [{ smoothMethod: "none" }, 0.0],
    [{ smoothMethod: "floor" }, 4.51688],
    [{ smoothMethod: "floor", smoothValue: 0.1 }, 4.51688],
    [{ smoothMethod: "floor", smoothValue: 0.5 }, 10.1],
    [{ smoothMethod: "add-k" }, 14.882],
    [{ smoothMethod: "add-k", smoothValue: 1 }, 14.882],
    [{ smoothMethod: "add-k", smoothValue: 2 }, 21.389],
    [{ smoothMethod: "exp", tokenize: "none" }, 7.347],
  ];
  for (const [options, expected] of cases) {
    close(sentenceBleu(SYS, [REF], options).score, expected, 1e-3, JSON.stringify(options));
    close(
      corpusBleu([SYS], [[REF]], { ...options, effectiveOrder: true }).score,
      expected,
      1e-3,
      JSON.stringify(options),
    );
  }
});

test("test_api_sentence_bleu_zero: no match scores 0 under every smoothing (#141)", () => {
  for (const options of [
    { smoothMethod: "exp" },
    { smoothMethod: "none" },
    { smoothMethod: "floor" },
    { smoothMethod: "floor", smoothValue: 0.1 },
    { smoothMethod: "add-k" },
    { smoothMethod: "add-k", smoothValue: 1 },
  ] as const) {
    assert.equal(sentenceBleu("this is a cat", ["okay thanks"], options).score, 0);
  }
});

test("references: closest length (shorter on a tie), max count over references, empties", () => {
  assert.equal(closestRefLength(5, [3, 7]), 3);
  assert.equal(closestRefLength(5, [7, 3]), 3);
  assert.equal(closestRefLength(5, [9, 6, 4]), 4);
  // One stream, or the same stream twice, or the second stream empty: identical statistics.
  const one = corpusBleu(HYPS, [REFS[0]!]);
  assert.deepEqual(corpusBleu(HYPS, [REFS[0]!, REFS[0]!]), one);
  assert.deepEqual(corpusBleu(HYPS, [REFS[0]!, ["", "", ""]]), one);
  // "bit" appears once in each reference of segment 1, so it is clipped to 1, not 2.
  const twice = corpusBleu(["bit bit"], [["bit"], ["bit x"]], { tokenize: "none" });
  assert.equal(twice.counts[0], 1);
  assert.equal(twice.refLen, 2);
  assert.throws(() => corpusBleu(["a"], [[""]]), /segment 1 has no non-empty reference/);
  assert.throws(() => corpusBleu(["a", "b"], [["a"]]), /2 hypotheses but reference stream 1/);
});

test("lowercase folds case; statistics as sacrebleu's README prints them", () => {
  const upper = HYPS.map((h) => h.toUpperCase());
  // case-sensitive: only the three periods match, and exp smoothing halves each empty order
  assert.deepEqual(corpusBleu(upper, REFS).counts, [3, 0, 0, 0]);
  close(corpusBleu(upper, REFS, { lowercase: true }).score, 48.530827, 1e-8);
  // README: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"
  const s = corpusBleu(HYPS, REFS);
  assert.equal(s.precisions.map((p) => p.toFixed(1)).join("/"), "82.4/50.0/45.5/37.5");
  assert.equal(s.bp.toFixed(3), "0.943");
  assert.deepEqual(
    [s.counts, s.totals, s.sysLen, s.refLen],
    [[14, 7, 5, 3], [17, 14, 11, 8], 17, 18],
  );
  close(s.bp, Math.exp(1 - 18 / 17), 1e-15);
  close(s.bp * Math.exp(s.precisions.reduce((a, p) => a + Math.log(p), 0) / 4), s.score, 1e-9);
});
