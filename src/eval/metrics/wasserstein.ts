import { AvakitError } from "../../core/errors.js";
import { pairwiseSum } from "./summation.js";

function validate(name: string, values: readonly number[], weights?: readonly number[]): void {
  if (values.length === 0) throw new AvakitError(`wasserstein1D: ${name} distribution is empty`);
  for (const v of values) {
    if (!Number.isFinite(v)) {
      throw new AvakitError(`wasserstein1D: ${name} values must be finite numbers, got ${v}`);
    }
  }
  if (weights === undefined) return;
  if (weights.length !== values.length) {
    throw new AvakitError(
      `wasserstein1D: ${name} has ${values.length} values but ${weights.length} weights`,
    );
  }
  let total = 0;
  for (const w of weights) {
    if (!(w >= 0)) throw new AvakitError(`wasserstein1D: ${name} weights must be ≥ 0, got ${w}`);
    total += w;
  }
  if (!(total > 0 && total < Number.POSITIVE_INFINITY)) {
    throw new AvakitError(`wasserstein1D: ${name} weights must sum to a positive finite value`);
  }
}

/** Number of entries of ascending `sorted` that are ≤ x (`np.searchsorted(sorted, x, "right")`). */
function countAtMost(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** CDF of one distribution at each of the points, as scipy builds it (cumulative weights over their total). */
function cdfAt(points: readonly number[], values: readonly number[], weights?: readonly number[]) {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const sorted = order.map((i) => values[i]!);
  const out = new Float64Array(points.length);
  if (weights === undefined) {
    for (let k = 0; k < points.length; k++)
      out[k] = countAtMost(sorted, points[k]!) / values.length;
    return out;
  }
  const cumulative = [0];
  let running = 0;
  for (const i of order) {
    running += weights[i]!;
    cumulative.push(running);
  }
  for (let k = 0; k < points.length; k++) {
    out[k] = cumulative[countAtMost(sorted, points[k]!)]! / running;
  }
  return out;
}

/**
 * First Wasserstein distance between two 1-D empirical distributions: ∫|U − V|, the area between
 * their CDFs. Weights default to uniform and are normalised; values may be unsorted and repeated.
 * Matches `scipy.stats.wasserstein_distance` (scipy/stats/_stats_py.py `_cdf_distance` with p = 1),
 * including NumPy's summation order.
 */
export function wasserstein1D(
  uValues: readonly number[],
  vValues: readonly number[],
  uWeights?: readonly number[],
  vWeights?: readonly number[],
): number {
  validate("u", uValues, uWeights);
  validate("v", vValues, vWeights);
  const all = [...uValues, ...vValues].sort((a, b) => a - b);
  const points = all.slice(0, -1);
  const uCdf = cdfAt(points, uValues, uWeights);
  const vCdf = cdfAt(points, vValues, vWeights);
  const terms = new Float64Array(points.length);
  for (let k = 0; k < points.length; k++) {
    terms[k] = Math.abs(uCdf[k]! - vCdf[k]!) * (all[k + 1]! - all[k]!);
  }
  return pairwiseSum(terms);
}
