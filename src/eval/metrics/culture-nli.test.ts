import assert from "node:assert/strict";
import { test } from "node:test";
import { cultureNliF1, macroF1, majorityVote } from "./culture-nli.js";

const close = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} ≉ ${expected}`);

test("majorityVote: most frequent, ties to the first seen (Counter.most_common)", () => {
  assert.equal(majorityVote(["E", "N", "E"]), "E");
  assert.equal(majorityVote(["N", "E", "E", "N"]), "N");
  assert.equal(majorityVote(["C", "E"]), "C");
  assert.equal(majorityVote(["E", "C", "N", "C", "C"]), "C");
  assert.throws(() => majorityVote([]), /no votes/);
});

test("macroF1 averages the F1 of both classes (hand-computed)", () => {
  // class 1: tp 2, fp 1, fn 0 → 4/5; class 0: tp 1, fp 0, fn 1 → 2/3.
  close(macroF1([true, true, false, false], [true, true, true, false]), (4 / 5 + 2 / 3) / 2);
  assert.equal(macroF1([true, false], [true, false]), 1);
  assert.equal(macroF1([true, false], [false, true]), 0);
});

test("macroF1 edge cases follow sklearn: classes present only, zero division = 0", () => {
  // Only class 0 occurs anywhere: sklearn averages over [0] alone → 1.
  assert.equal(macroF1([false, false], [false, false]), 1);
  // Forcing both classes: class 1 has no gold and no predictions → 0/0 → 0.
  assert.equal(macroF1([false, false], [false, false], { labels: "both" }), 0.5);
  // No positive predictions: class 1 F1 = 0 (fn only); class 0: tp 1, fp 1 → 2/3.
  close(macroF1([true, false], [false, false]), (0 + 2 / 3) / 2);
  assert.throws(() => macroF1([true], []), /1 gold labels but 0 predictions/);
  assert.throws(() => macroF1([], []), /no items/);
});

test("cultureNliF1: best macro-F1 over thresholds {0.6 … 1.0} of P(E) > t, × 100", () => {
  const items = [
    { gold: "E", pEntail: 0.95 },
    { gold: "E", pEntail: 0.65 },
    { gold: "N", pEntail: 0.75 },
    { gold: "C", pEntail: 0.1 },
  ];
  const s = cultureNliF1(items);
  const f1 = s.perThreshold.map((t) => t.f1);
  close(f1[0], (4 / 5 + 2 / 3) / 2); // t = 0.6: [1, 1, 1, 0]
  close(f1[1], 0.5); // t = 0.7: [1, 0, 1, 0]
  close(f1[2], (2 / 3 + 4 / 5) / 2); // t = 0.8: [1, 0, 0, 0]
  close(f1[4], (0 + 2 / 3) / 2); // t = 1.0: nothing is > 1
  close(s.value, ((4 / 5 + 2 / 3) / 2) * 100);
  assert.equal(s.threshold, 0.6); // first of the tied maxima
  assert.equal(s.n, 4);
});

test("cultureNliF1 compares strictly: P(E) = t is not entailment", () => {
  const s = cultureNliF1(
    [
      { gold: "E", pEntail: 0.7 },
      { gold: "N", pEntail: 0.2 },
    ],
    {
      thresholds: [0.7],
    },
  );
  close(s.value, ((0 + 2 / 3) / 2) * 100);
  // No E in gold, and nothing above 1.0: only class 0 is present → 100 at t = 1.0.
  assert.equal(cultureNliF1([{ gold: "N", pEntail: 0.95 }]).value, 100);
});
