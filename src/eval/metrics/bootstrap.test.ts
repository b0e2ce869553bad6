import assert from "node:assert/strict";
import { test } from "node:test";
import { bootstrap, bootstrapMean, mulberry32, quantileSorted } from "./bootstrap.js";
import { mean } from "./summation.js";

// The widely published form of mulberry32, to check ours draws the same stream.
function referenceMulberry32(a: number) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("mulberry32 is seeded, in [0, 1), and equal to the published algorithm", () => {
  for (const seed of [0, 1, 42, 0xdeadbeef]) {
    const ours = mulberry32(seed);
    const ref = referenceMulberry32(seed);
    for (let i = 0; i < 1000; i++) {
      const x = ours();
      assert.equal(x, ref());
      assert.ok(x >= 0 && x < 1);
    }
  }
});

test("quantileSorted is numpy.percentile's linear method", () => {
  assert.equal(quantileSorted([1, 2, 3, 4, 10], 0.025), 1.1);
  assert.equal(quantileSorted([1, 2, 3, 4, 10], 0.975), 9.399999999999999);
  assert.equal(quantileSorted([7], 0.5), 7);
});

const values = Array.from({ length: 200 }, (_, i) => (i * 37) % 101);

test("bootstrap is deterministic for a seed and brackets the estimate", () => {
  const a = bootstrapMean(values, { seed: 7 });
  assert.deepEqual(a, bootstrapMean(values, { seed: 7 }));
  assert.notDeepEqual(a.ci95, bootstrapMean(values, { seed: 8 }).ci95);
  assert.equal(a.value, mean(values));
  assert.equal(a.n, 200);
  assert.equal(a.resamples, 1000);
  assert.ok(a.ci95[0] < a.value && a.value < a.ci95[1]);
  // Roughly ±1.96 standard errors (sd ≈ 29 over √200 ≈ 2.06).
  assert.ok(a.ci95[1] - a.ci95[0] > 6 && a.ci95[1] - a.ci95[0] < 10);
});

test("bootstrap of constant values has a zero-width interval; bad input is an error", () => {
  assert.deepEqual(bootstrapMean([0.5, 0.5, 0.5], { resamples: 50 }), {
    value: 0.5,
    n: 3,
    ci95: [0.5, 0.5],
    resamples: 50,
  });
  assert.throws(() => bootstrapMean([]), /no items/);
  assert.throws(() => bootstrapMean([1], { resamples: 0 }), /positive integer/);
  assert.throws(() => bootstrap([1], () => null), /full sample is null/);
});

test("bootstrap takes any statistic and drops resamples where it is undefined", () => {
  // Range of distinct values; undefined (null) when a resample has a single distinct value.
  const spread = (s: readonly number[]) => {
    const distinct = new Set(s);
    return distinct.size < 2 ? null : Math.max(...s) - Math.min(...s);
  };
  const e = bootstrap([0, 1], spread, { resamples: 400, seed: 3 });
  assert.equal(e.value, 1);
  assert.ok(e.resamples > 100 && e.resamples < 300, `${e.resamples}`); // about half
  assert.deepEqual(e.ci95, [1, 1]);
});
