import assert from "node:assert/strict";
import { test } from "node:test";
import { averageRanks } from "../signals/compute.js";
import { CorrelationAccumulator, pearson, spearman } from "./spearman.js";

const close = (a: number, b: number, eps = 1e-12) =>
  assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test("pearson: hand-computed r; NaN for a constant sample", () => {
  // dx = [-2,-1,0,1,2], dy = [-2,0,1,0,1]: Σdxdy = 6, Σdx² = 10, Σdy² = 6.
  close(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]), 6 / Math.sqrt(60));
  assert.ok(Number.isNaN(pearson([1, 2, 3], [4, 4, 4])));
  assert.throws(() => pearson([1, 2], [1, 2, 3]), /differ in length/);
});

test("spearman without ties equals Eq. 1's closed form 1 − 6Σd²/(n(n² − 1))", () => {
  // ranks [5,4,3,2,1] vs [5,3,4,1,2] (1 = highest): Σd² = 4, n = 5 → 1 − 24/120 = 0.8.
  close(spearman([10, 20, 30, 40, 50], [1, 3, 2, 5, 4]), 0.8);
  close(spearman([1, 2, 3], [30, 20, 10]), -1);
});

test("spearman with ties: average ranks, then Pearson (hand-computed 3/√10)", () => {
  // x ranks [4, 2.5, 2.5, 1], y ranks [4, 3, 2, 1]: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5.
  close(spearman([1, 2, 2, 3], [1, 2, 3, 4]), 3 / Math.sqrt(10));
  // The closed form would be wrong here: Σd² = 0.5 → 1 − 3/60 = 0.95.
  assert.notEqual(spearman([1, 2, 2, 3], [1, 2, 3, 4]), 0.95);
});

test("CorrelationAccumulator equals pearson on the stored columns", () => {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const k = 6;
  const rows: number[][] = [];
  for (let a = 0; a < 300; a++) {
    // Integer-valued draws so that ties occur, ranked like an ad's groups.
    rows.push(averageRanks(Array.from({ length: k }, () => Math.floor(rnd() * 4))));
  }
  const acc = new CorrelationAccumulator(k, (k + 1) / 2);
  for (const r of rows) acc.add(r);
  const m = acc.correlations();
  assert.equal(acc.count, 300);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const expected =
        i === j
          ? 1
          : pearson(
              rows.map((r) => r[i]!),
              rows.map((r) => r[j]!),
            );
      close(m[i]![j]!, expected, 1e-12);
    }
  }
  // Sums of half-integer ranks are exact: the order of the ads does not change a bit.
  const reversed = new CorrelationAccumulator(k, (k + 1) / 2);
  for (const r of [...rows].reverse()) reversed.add(r);
  assert.deepEqual(reversed.correlations(), m);
});

test("CorrelationAccumulator: NaN for a variable that never varies, and with < 2 observations", () => {
  const acc = new CorrelationAccumulator(3);
  acc.add([1, 2, 3]);
  assert.ok(acc.correlations()[0]!.every(Number.isNaN));
  acc.add([2, 2, 1]);
  const m = acc.correlations();
  assert.equal(m[0]![2], -1);
  assert.ok(Number.isNaN(m[0]![1]!));
  assert.ok(Number.isNaN(m[1]![1]!));
  assert.throws(() => acc.add([1, 2]), /expected 3 values/);
});
