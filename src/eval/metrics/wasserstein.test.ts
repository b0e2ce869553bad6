import assert from "node:assert/strict";
import { test } from "node:test";
import { compensatedSum, mean, pairwiseSum, sampleStandardDeviation } from "./summation.js";
import { wasserstein1D } from "./wasserstein.js";

test("wasserstein1D reproduces scipy.stats.wasserstein_distance's documented examples", () => {
  assert.equal(wasserstein1D([0, 1, 3], [5, 6, 8]), 5.0);
  assert.equal(wasserstein1D([0, 1], [0, 1], [3, 1], [2, 2]), 0.25);
  assert.equal(
    wasserstein1D([3.4, 3.9, 7.5, 7.8], [4.5, 1.4], [1.4, 0.9, 3.1, 7.2], [3.2, 3.5]),
    4.0781331438047861,
  );
});

test("wasserstein1D handles unsorted and repeated values (hand-computed)", () => {
  // u = {1, 1, 2, 3} (each 1/4), v = {0, 2, 2} (each 1/3): |U − V| is 1/3 on [0,1), 1/6 on [1,2), 1/4 on [2,3).
  assert.equal(wasserstein1D([3, 1, 1, 2], [2, 2, 0]), 0.75);
  // Weights need not sum to 1: u's are 0.1..0.4 (sum 1), v's 1, 1, 2 (sum 4).
  assert.equal(wasserstein1D([3, 1, 1, 2], [2, 2, 0], [0.1, 0.2, 0.3, 0.4], [1, 1, 2]), 0.6);
  // A point mass against itself, and weights that only rescale.
  assert.equal(wasserstein1D([2], [2]), 0);
  assert.equal(wasserstein1D([0, 1], [0, 1], [1, 3], [10, 30]), 0);
});

test("wasserstein1D sums in NumPy's pairwise order, as scipy's np.sum did", () => {
  const u = [4.18, 7.57, 1.52, 4.89, 0.39, 6.68, 7.65];
  const v = [5.73, 8.75, 3.14, 6.95, 5.94, 5.8];
  const uw = [0.456, 0.84, 0.945, 0.474, 0.664, 0.061, 0.701];
  const vw = [0.647, 0.993, 0.822, 0.285, 0.386, 0.669];
  // `np.sum(np.multiply(np.abs(u_cdf - v_cdf), deltas))` (scipy's _cdf_distance before np.vecdot);
  // scipy 1.17 with NumPy 2 (np.vecdot) gives 1.9575529694268619, one ulp away.
  assert.equal(wasserstein1D(u, v, uw, vw), 1.957552969426862);
});

test("wasserstein1D rejects what scipy rejects, and non-finite values", () => {
  assert.throws(() => wasserstein1D([], [1]), /empty/);
  assert.throws(() => wasserstein1D([1, 2], [1], [1], undefined), /2 values but 1 weights/);
  assert.throws(() => wasserstein1D([1, 2], [1], [1, -1]), /≥ 0/);
  assert.throws(() => wasserstein1D([1, 2], [1], [0, 0]), /positive finite/);
  assert.throws(() => wasserstein1D([1, Number.NaN], [1]), /finite/);
});

test("pairwiseSum is np.sum's order; compensatedSum is Python 3.12's sum()", () => {
  const a = [
    0.958, 0.151, 0.176, 0.232, 0.233, 0.485, 0.589, 0.263, 0.004, 0.419, 0.369, 0.566, 0.953, 0.69,
    0.515, 0.618, 0.676, 0.054, 0.9, 0.78,
  ];
  let sequential = 0;
  for (const x of a) sequential += x;
  assert.equal(sequential, 9.630999999999998);
  assert.equal(pairwiseSum(a), 9.631); // float(np.sum(np.array(a)))
  assert.equal(compensatedSum([0.1, 0.2, 0.3]), 0.6); // sequential addition gives 0.6000000000000001
  assert.equal(compensatedSum([1e100, 1, -1e100]), 1);
  assert.equal(pairwiseSum([]), 0);
  assert.ok(Number.isNaN(mean([])));
});

test("sampleStandardDeviation is statistics.stdev (n − 1)", () => {
  assert.equal(sampleStandardDeviation([0.7, 0.9]), 0.14142135623730956);
  assert.equal(sampleStandardDeviation([0.81, 0.77, 0.9, 0.65]), 0.10372238588334408);
  assert.equal(sampleStandardDeviation([5, 5, 5]), 0);
  assert.ok(Number.isNaN(sampleStandardDeviation([1])));
});
