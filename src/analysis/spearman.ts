import { AvakitError } from "../core/errors.js";
import { averageRanks } from "../signals/compute.js";

/** Pearson's r of two samples of equal length; NaN when either one is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) {
    throw new AvakitError(
      `pearson: samples of ${x.length} and ${y.length} values differ in length`,
    );
  }
  const n = x.length;
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return Number.NaN;
  return clamp(sxy / Math.sqrt(sxx * syy));
}

/**
 * Spearman's ρ: Pearson's r of the average ranks (ties share their mean rank). With no ties this
 * equals AVA Eq. 1's closed form 1 − 6Σd²/(n(n² − 1)); with ties only this general form is right.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(averageRanks(Array.from(x)), averageRanks(Array.from(y)));
}

/**
 * Pearson correlations between k variables over a stream of observations, from sufficient
 * statistics (count, Σx, Σxy) kept in one pass, so a million ads need 51·52/2 sums, not 51 columns.
 * Fed ranks, it gives Spearman-style rank correlations.
 *
 * `shift` is subtracted from every value before summing. With within-ad ranks (multiples of ½ in
 * 1..k) and shift (k + 1)/2, every value is a multiple of ½ of size ≤ k/2, so each product is a
 * multiple of ¼ and the float64 sums stay exact (order-independent, hence reproducible) up to
 * about 2^51 / (k/2)² observations; the shift also keeps n·Σxy − Σx·Σy free of cancellation.
 */
export class CorrelationAccumulator {
  private n = 0;
  private readonly sums: Float64Array;
  /** Upper triangle with diagonal, row-major: (i, j ≥ i). */
  private readonly cross: Float64Array;
  private readonly centred: Float64Array;

  constructor(
    readonly k: number,
    readonly shift = 0,
  ) {
    if (!(Number.isInteger(k) && k > 0)) {
      throw new AvakitError(`correlation accumulator: k must be a positive integer, got ${k}`);
    }
    this.sums = new Float64Array(k);
    this.cross = new Float64Array((k * (k + 1)) / 2);
    this.centred = new Float64Array(k);
  }

  /** Observations added so far. */
  get count(): number {
    return this.n;
  }

  /** Adds one observation: the k variables' values (e.g. one ad's ranks). */
  add(values: ArrayLike<number>): void {
    const k = this.k;
    if (values.length !== k) {
      throw new AvakitError(`correlation accumulator: expected ${k} values, got ${values.length}`);
    }
    const c = this.centred;
    for (let i = 0; i < k; i++) {
      const v = values[i]! - this.shift;
      c[i] = v;
      this.sums[i]! += v;
    }
    const cross = this.cross;
    let idx = 0;
    for (let i = 0; i < k; i++) {
      const ci = c[i]!;
      for (let j = i; j < k; j++) cross[idx++]! += ci * c[j]!;
    }
    this.n++;
  }

  /** The k × k correlation matrix (1 on the diagonal; NaN where a variable never varied). */
  correlations(): number[][] {
    const k = this.k;
    const n = this.n;
    const variance = new Float64Array(k);
    let idx = 0;
    const at = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      at[i] = idx;
      variance[i] = n * this.cross[idx]! - this.sums[i]! * this.sums[i]!;
      idx += k - i;
    }
    const out: number[][] = [];
    for (let i = 0; i < k; i++) out.push(new Array<number>(k).fill(Number.NaN));
    for (let i = 0; i < k; i++) {
      for (let j = i; j < k; j++) {
        const vi = variance[i]!;
        const vj = variance[j]!;
        let r = Number.NaN;
        if (n >= 2 && vi > 0 && vj > 0) {
          if (i === j) r = 1;
          else {
            const cov = n * this.cross[at[i]! + (j - i)]! - this.sums[i]! * this.sums[j]!;
            r = clamp(cov / Math.sqrt(vi * vj));
          }
        }
        out[i]![j] = r;
        out[j]![i] = r;
      }
    }
    return out;
  }
}

function clamp(r: number): number {
  return Math.min(1, Math.max(-1, r));
}
