import assert from "node:assert/strict";
import { test } from "node:test";
import { averageRanks } from "../signals/compute.js";
import { factorial, forEachPermutation, mantelTest, upperTriangle } from "./mantel.js";
import { pearson } from "./spearman.js";

const close = (a: number, b: number, eps = 1e-12) =>
  assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

/** Every permutation of 0..k−1, by plain recursion (independent of mantel.ts's Heap's algorithm). */
function allPermutations(k: number): number[][] {
  if (k === 0) return [[]];
  return allPermutations(k - 1).flatMap((p) =>
    Array.from({ length: k }, (_, i) => [...p.slice(0, i), k - 1, ...p.slice(i)]),
  );
}

const relabel = (m: number[][], p: number[]) => m.map((_, i) => m.map((_, j) => m[p[i]!]![p[j]!]!));

// Two symmetric 4 × 4 similarity matrices (regions-sized): 6 pairs.
const A = [
  [1, 0.9, 0.2, 0.4],
  [0.9, 1, 0.3, 0.5],
  [0.2, 0.3, 1, 0.8],
  [0.4, 0.5, 0.8, 1],
];
const B = [
  [1, 0.95, 0.85, 0.86],
  [0.95, 1, 0.84, 0.9],
  [0.85, 0.84, 1, 0.97],
  [0.86, 0.9, 0.97, 1],
];

test("upper triangle row by row; Heap's algorithm yields all k! distinct permutations", () => {
  assert.deepEqual(upperTriangle(A), [0.9, 0.2, 0.4, 0.3, 0.5, 0.8]);
  const seen = new Set<string>();
  const n = forEachPermutation(5, (p) => seen.add(p.join(",")));
  assert.equal(n, 120);
  assert.equal(seen.size, 120);
  assert.equal(factorial(4), 24);
});

test("exact Mantel test (4 × 4, 24 relabellings) equals the enumerated permutation distribution", () => {
  const res = mantelTest(A, B, { permutations: 9999, seed: 1 });
  assert.equal(res.mode, "exact");
  assert.equal(res.permutations, 24);
  assert.equal(res.seed, null);
  assert.equal(res.pairs, 6);
  const a = upperTriangle(A);
  const r = pearson(a, upperTriangle(B));
  const rho = pearson(averageRanks(a), averageRanks(upperTriangle(B)));
  close(res.pearson.value, r);
  close(res.spearman.value, rho);
  const perms = allPermutations(4);
  assert.equal(perms.length, 24);
  const rs = perms.map((p) => pearson(a, upperTriangle(relabel(B, p))));
  const rhos = perms.map((p) =>
    pearson(averageRanks(a), averageRanks(upperTriangle(relabel(B, p)))),
  );
  const eps = 1e-10;
  const share = (xs: number[], f: (x: number) => boolean) => xs.filter(f).length / 24;
  assert.equal(
    res.pearson.pTwoSided,
    share(rs, (x) => Math.abs(x) >= Math.abs(r) - eps),
  );
  assert.equal(
    res.pearson.pGreater,
    share(rs, (x) => x >= r - eps),
  );
  assert.equal(
    res.pearson.pLess,
    share(rs, (x) => x <= r + eps),
  );
  assert.equal(
    res.spearman.pTwoSided,
    share(rhos, (x) => Math.abs(x) >= Math.abs(rho) - eps),
  );
  assert.equal(
    res.spearman.pGreater,
    share(rhos, (x) => x >= rho - eps),
  );
  // The two agree strongly (r ≈ 0.95), yet 2 of the 24 relabellings reach it: p = 1/12 at best.
  close(r, 0.9515137640440855);
  assert.equal(res.pearson.pTwoSided, 2 / 24);
});

test("random Mantel test: seeded, (count + 1)/(permutations + 1), close to the exact p", () => {
  // 5 groups: 120 relabellings; 100 < 120 forces random mode.
  const A5 = [
    [1, 0.9, 0.2, 0.4, 0.1],
    [0.9, 1, 0.3, 0.5, 0.2],
    [0.2, 0.3, 1, 0.8, 0.6],
    [0.4, 0.5, 0.8, 1, 0.7],
    [0.1, 0.2, 0.6, 0.7, 1],
  ];
  const B5 = [
    [1, 0.8, 0.5, 0.3, 0.35],
    [0.8, 1, 0.4, 0.45, 0.3],
    [0.5, 0.4, 1, 0.9, 0.6],
    [0.3, 0.45, 0.9, 1, 0.5],
    [0.35, 0.3, 0.6, 0.5, 1],
  ];
  const r1 = mantelTest(A5, B5, { permutations: 100, seed: 42 });
  const r2 = mantelTest(A5, B5, { permutations: 100, seed: 42 });
  assert.equal(r1.mode, "random");
  assert.equal(r1.seed, 42);
  assert.deepEqual(r1, r2);
  close((r1.pearson.pTwoSided * 101) % 1, 0, 1e-9);
  const exact = mantelTest(A5, B5, { permutations: 120, seed: 0 });
  assert.equal(exact.mode, "exact");
  const many = mantelTest(A5, B5, { permutations: 20000, seed: 3 });
  assert.equal(many.mode, "exact", "120 ≤ 20,000: enumerated");
  const randomMany = mantelTest(A5, B5, { permutations: 119, seed: 3 });
  assert.equal(randomMany.mode, "random");
  assert.ok(Math.abs(randomMany.pearson.pTwoSided - exact.pearson.pTwoSided) < 0.1);
});

test("Mantel test: clear errors for too few groups, NaN entries, constant matrices", () => {
  const two = [
    [1, 0.5],
    [0.5, 1],
  ];
  assert.throws(() => mantelTest(two, two, { permutations: 10, seed: 1 }), /at least 3 groups/);
  const nan = A.map((r) => [...r]);
  nan[0]![1] = Number.NaN;
  nan[1]![0] = Number.NaN;
  assert.throws(() => mantelTest(nan, B, { permutations: 10, seed: 1 }), /NaN/);
  const flat = A.map((r, i) => r.map((_, j) => (i === j ? 1 : 0.5)));
  assert.throws(
    () => mantelTest(A, flat, { permutations: 10, seed: 1 }),
    /same value for every pair/,
  );
  assert.throws(() => mantelTest(A, B, { permutations: 0, seed: 1 }), /positive integer/);
});
