import { AvakitError } from "../../core/errors.js";
import { mean } from "./summation.js";

/** mulberry32: a small, fast 32-bit seeded PRNG; returns uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * q-th quantile (0..1) of ascending values with linear interpolation, as `numpy.percentile`'s
 * default method (numpy/lib/_function_base_impl.py `_lerp`, which interpolates from the upper
 * neighbour when the fraction is ≥ 0.5).
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  const t = h - lo;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

export interface BootstrapOptions {
  /** Resamples drawn; 1,000. */
  resamples?: number;
  /** PRNG seed; 0. Record it with the results. */
  seed?: number;
}

/** A metric with its sample size and seeded bootstrap 95% percentile interval. */
export interface Estimate {
  value: number;
  /** Items the statistic was computed over. */
  n: number;
  ci95: [number, number];
  /** Resamples whose statistic was a finite number (the others, e.g. too few groups, are dropped). */
  resamples: number;
}

export const DEFAULT_RESAMPLES = 1000;

/**
 * Seeded nonparametric bootstrap: `statistic` on the items, and the 2.5th/97.5th percentiles of
 * `statistic` over `resamples` resamples of the items drawn with replacement (mulberry32 from
 * `seed`), so a rerun with the same seed gives the same interval. A resample whose statistic is
 * null or not finite is dropped and not counted in `resamples`.
 */
export function bootstrap<T>(
  items: readonly T[],
  statistic: (sample: readonly T[]) => number | null,
  options: BootstrapOptions = {},
): Estimate {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  if (!(Number.isInteger(resamples) && resamples > 0)) {
    throw new AvakitError(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  }
  const n = items.length;
  if (n === 0) throw new AvakitError("bootstrap: no items");
  const value = statistic(items);
  if (value === null || !Number.isFinite(value)) {
    throw new AvakitError(`bootstrap: the statistic of the full sample is ${value}`);
  }
  const random = mulberry32(options.seed ?? 0);
  const stats: number[] = [];
  const sample: T[] = new Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = items[Math.floor(random() * n)]!;
    const s = statistic(sample);
    if (s !== null && Number.isFinite(s)) stats.push(s);
  }
  stats.sort((a, b) => a - b);
  const ci95: [number, number] =
    stats.length === 0
      ? [value, value]
      : [quantileSorted(stats, 0.025), quantileSorted(stats, 0.975)];
  return { value, n, ci95, resamples: stats.length };
}

/** bootstrap() of the mean of numbers. */
export function bootstrapMean(values: readonly number[], options: BootstrapOptions = {}): Estimate {
  return bootstrap(values, mean, options);
}
