import { AvakitError } from "../core/errors.js";
import { mulberry32 } from "../eval/metrics/bootstrap.js";
import { averageRanks } from "../signals/compute.js";
import { pearson } from "./spearman.js";

export interface MantelOptions {
  /** Random permutations drawn (9,999 by default); exact enumeration when k! ≤ this. */
  permutations: number;
  /** mulberry32 seed of the random permutations. */
  seed: number;
}

export const DEFAULT_PERMUTATIONS = 9999;

/** One statistic and its permutation p-values. */
export interface MantelStatistic {
  value: number;
  /** Share of permutations with |stat| ≥ |observed|: the p-value reported as p. */
  pTwoSided: number;
  /** Share with stat ≥ observed (one-sided, positive association; vegan::mantel's p). */
  pGreater: number;
  /** Share with stat ≤ observed (one-sided, negative association). */
  pLess: number;
}

export interface MantelResult {
  /** Entries compared: the upper triangle, k(k − 1)/2. */
  pairs: number;
  /** Pearson's r between the upper triangles. */
  pearson: MantelStatistic;
  /** Spearman's ρ between the upper triangles (average ranks). */
  spearman: MantelStatistic;
  /**
   * "exact": all k! relabellings enumerated (the identity included), p = count / k!;
   * "random": `permutations` seeded random relabellings, p = (count + 1) / (permutations + 1).
   */
  mode: "exact" | "random";
  permutations: number;
  /** The seed used; null in exact mode (no randomness). */
  seed: number | null;
}

// Permuted statistics equal to the observed one up to rounding must count as "as extreme"
// (vegan::mantel uses √ε the same way).
const EPS = 1e-10;

/** Entries above the diagonal, row by row: (0,1), (0,2), …, (1,2), … */
export function upperTriangle(m: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < m.length; i++) for (let j = i + 1; j < m.length; j++) out.push(m[i]![j]!);
  return out;
}

export function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/**
 * Mantel test between two symmetric k × k matrices: the correlation of their upper triangles,
 * and its null distribution from relabelling the rows and columns of `b` jointly (matrix entries
 * share rows, so they are not independent and the usual t-test p-value does not apply). Exact when
 * k! ≤ permutations, else seeded random permutations. Two-sided p-values are the ones to report
 * (the sign of the association is not assumed); one-sided ones are given beside them.
 */
export function mantelTest(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  opts: MantelOptions,
): MantelResult {
  const k = a.length;
  if (b.length !== k || a.some((r) => r.length !== k) || b.some((r) => r.length !== k)) {
    throw new AvakitError(`Mantel test: both matrices must be k × k of the same k`);
  }
  if (k < 3) {
    throw new AvakitError(
      `Mantel test: ${k} groups give ${(k * (k - 1)) / 2} pair(s); at least 3 groups are needed`,
    );
  }
  if (!(Number.isInteger(opts.permutations) && opts.permutations > 0)) {
    throw new AvakitError(
      `Mantel test: permutations must be a positive integer, got ${opts.permutations}`,
    );
  }
  const va = upperTriangle(a);
  const vb = upperTriangle(b);
  if (![...va, ...vb].every(Number.isFinite)) {
    throw new AvakitError("Mantel test: the matrices have undefined (NaN) entries");
  }
  const I: number[] = [];
  const J: number[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      I.push(i);
      J.push(j);
    }
  }
  const ra = averageRanks(va);
  const rb = averageRanks(vb);
  const stats = [permutedStatistic(va, vb, I, J, k), permutedStatistic(ra, rb, I, J, k)];
  const identity = Array.from({ length: k }, (_, i) => i);
  const observed = stats.map((s) => s(identity));
  if (observed.some((x) => !Number.isFinite(x))) {
    throw new AvakitError(
      "Mantel test: one matrix has the same value for every pair, so no correlation is defined",
    );
  }
  const greater = [0, 0];
  const less = [0, 0];
  const two = [0, 0];
  const count = (perm: readonly number[]) => {
    for (let s = 0; s < 2; s++) {
      const x = stats[s]!(perm);
      const o = observed[s]!;
      if (x >= o - EPS) greater[s]!++;
      if (x <= o + EPS) less[s]!++;
      if (Math.abs(x) >= Math.abs(o) - EPS) two[s]!++;
    }
  };
  const exact = factorial(k) <= opts.permutations;
  let total: number;
  let p: (c: number) => number;
  if (exact) {
    total = forEachPermutation(k, count);
    p = (c) => c / total;
  } else {
    total = opts.permutations;
    const random = mulberry32(opts.seed);
    const perm = identity.slice();
    for (let n = 0; n < total; n++) {
      for (let i = k - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = t;
      }
      count(perm);
    }
    p = (c) => (c + 1) / (total + 1);
  }
  const statistic = (s: number, value: number): MantelStatistic => ({
    value,
    pTwoSided: p(two[s]!),
    pGreater: p(greater[s]!),
    pLess: p(less[s]!),
  });
  return {
    pairs: va.length,
    pearson: statistic(0, pearson(va, vb)),
    spearman: statistic(1, pearson(ra, rb)),
    mode: exact ? "exact" : "random",
    permutations: total,
    seed: exact ? null : opts.seed,
  };
}

/**
 * Pearson's r of `x` with `y` relabelled by a permutation, for the pairs (I[p], J[p]): a
 * relabelling only reorders y's values, so the means and sums of squares are computed once.
 */
function permutedStatistic(
  x: readonly number[],
  y: readonly number[],
  I: readonly number[],
  J: readonly number[],
  k: number,
): (perm: readonly number[]) => number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  const cx = x.map((v) => v - mx);
  const ym = new Float64Array(k * k);
  let sxx = 0;
  let syy = 0;
  for (let p = 0; p < n; p++) {
    const c = y[p]! - my;
    ym[I[p]! * k + J[p]!] = c;
    ym[J[p]! * k + I[p]!] = c;
    sxx += cx[p]! * cx[p]!;
    syy += c * c;
  }
  const norm = Math.sqrt(sxx * syy);
  return (perm) => {
    let s = 0;
    for (let p = 0; p < n; p++) s += cx[p]! * ym[perm[I[p]!]! * k + perm[J[p]!]!]!;
    return norm > 0 ? s / norm : Number.NaN;
  };
}

/** Calls `fn` with every permutation of 0..k−1 (Heap's algorithm, identity first); returns k!. */
export function forEachPermutation(k: number, fn: (perm: readonly number[]) => void): number {
  const perm = Array.from({ length: k }, (_, i) => i);
  const c = new Array<number>(k).fill(0);
  fn(perm);
  let n = 1;
  let i = 1;
  while (i < k) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      const t = perm[j]!;
      perm[j] = perm[i]!;
      perm[i] = t;
      fn(perm);
      n++;
      c[i]!++;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return n;
}
