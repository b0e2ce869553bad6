import assert from "node:assert/strict";
import { test } from "node:test";
import {
  avaCodeAlignment,
  avaCodeRepresentativeness,
  maxOrdinalDistance,
  opinionAlignment,
  representativeness,
} from "./opinion-alignment.js";

const close = (actual: number | null, expected: number, eps = 1e-12) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < eps, `${actual} ≉ ${expected}`);

test("opinionAlignment on non-1..N ordinals [1, 2, 3, 5] (hand-computed)", () => {
  // CDFs 0.1/0.3/0.6/1 vs 0.4/0.7/0.9/1: WD = 0.3·1 + 0.4·1 + 0.3·2 = 1.3; max − min = 4.
  assert.equal(opinionAlignment([0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1], [1, 2, 3, 5]), 0.675);
  assert.equal(opinionAlignment([1, 0, 0, 0], [0, 0, 0, 1], [1, 2, 3, 5]), 0);
  assert.equal(opinionAlignment([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5], [1, 2, 3, 5]), 0.375);
  assert.equal(opinionAlignment([0.2, 0.3, 0.5, 0], [0.2, 0.3, 0.5, 0], [1, 2, 3, 5]), 1);
});

test("opinionAlignment on OpinionQA's unsorted ordinals, e.g. [1, 2, 1.5] and [1, 2, 3, 4, 2.5]", () => {
  // The middle option is listed last: masses 0.6@1, 0.1@1.5, 0.3@2 vs 0.2@1, 0.3@1.5, 0.5@2.
  // WD = 0.4·0.5 + 0.2·0.5 = 0.3 over max − min = 1 (scipy: 0.7000000000000001).
  assert.equal(
    opinionAlignment([0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [1.0, 2.0, 1.5]),
    0.7000000000000001,
  );
  assert.equal(
    opinionAlignment([0.05, 0.25, 0.3, 0.1, 0.3], [0.2, 0.2, 0.2, 0.2, 0.2], [1, 2, 3, 4, 2.5]),
    0.9,
  );
  assert.equal(maxOrdinalDistance([1.0, 2.0, 1.5]), 1);
  assert.equal(maxOrdinalDistance([0.0, 1.0]), 1);
});

test("opinionAlignment is null when max(ordinal) = min(ordinal), as OpinionQA's 0/0", () => {
  assert.equal(opinionAlignment([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0], [1, 1, 1, 1]), null);
  assert.equal(opinionAlignment([1], [1], [3]), null);
});

test("opinionAlignment rejects mismatched and invalid distributions", () => {
  assert.throws(() => opinionAlignment([0.5, 0.5], [1, 0, 0], [1, 2, 3]), /3 ordinal positions/);
  assert.throws(() => opinionAlignment([0, 0, 0], [1, 0, 0], [1, 2, 3]), /positive finite/);
  assert.throws(() => maxOrdinalDistance([]), /no ordinal/);
});

test("avaCodeAlignment treats the probability vectors as samples, as the AVA scripts do", () => {
  // A permutation of the same probabilities is a perfect score: the option order is ignored.
  assert.equal(avaCodeAlignment([0.7, 0.2, 0.1], [0.1, 0.2, 0.7]), 1);
  // Sorted samples {0, 0, 1} vs {0, 0.5, 0.5}: WD = (0 + 0.5 + 0.5) / 3; over n − 1 = 2.
  assert.equal(avaCodeAlignment([1, 0, 0], [0.5, 0.5, 0]), 0.8333333333333333);
  // Counts are normalised first: {.1,.2,.3,.4} vs {.05,.15,.3,.5}: WD = 0.05, / 3.
  assert.equal(avaCodeAlignment([0.2, 0.3, 0.1, 0.4], [30, 50, 15, 5]), 0.9833333333333333);
  assert.equal(avaCodeAlignment([1], [1]), null);
  assert.equal(avaCodeAlignment([0.5, 0.5], [0, 0]), null);
  assert.throws(() => avaCodeAlignment([1, 0], [1, 0, 0]), /differ in length/);
});

test("representativeness is the mean of the scored questions × 100, counting the excluded", () => {
  const r = representativeness([0.8, null, 0.6]);
  close(r.value, 70);
  assert.equal(r.n, 2);
  assert.equal(r.excluded, 1);
  assert.deepEqual(representativeness([null, null]), { value: null, n: 0, excluded: 2 });
  assert.deepEqual(representativeness([]), { value: null, n: 0, excluded: 0 });
});

test("avaCodeRepresentativeness divides the sum by the file's question count, not by n", () => {
  const r = avaCodeRepresentativeness([0.9, null, 0.8], 4);
  close(r.value, 42.5);
  assert.equal(r.n, 2);
  assert.equal(r.excluded, 1);
  assert.equal(r.questionsInFile, 4);
  assert.throws(() => avaCodeRepresentativeness([0.9], 0), /positive integer/);
});
