// Summation orders of the reference implementations, so that our values agree with theirs to
// the last digit where the order of additions is what differs.

const PAIRWISE_BLOCK = 128;

function pairwiseRange(values: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[start + i]!;
    return sum;
  }
  if (n <= PAIRWISE_BLOCK) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += values[start + i + j]!;
    }
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) sum += values[start + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseRange(values, start, half) + pairwiseRange(values, start + half, n - half);
}

/** `np.sum` of a contiguous float64 array: NumPy's pairwise summation (numpy/_core/src/umath/loops_utils.h.src `pairwise_sum`). */
export function pairwiseSum(values: ArrayLike<number>): number {
  return pairwiseRange(values, 0, values.length);
}

/** Python ≥ 3.12 built-in `sum()` of floats: Neumaier's compensated summation (CPython bltinmodule.c `builtin_sum_impl`). */
export function compensatedSum(values: Iterable<number>): number {
  let sum = 0;
  let c = 0;
  for (const x of values) {
    const t = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) c += sum - t + x;
    else c += x - t + sum;
    sum = t;
  }
  return c !== 0 && Number.isFinite(c) ? sum + c : sum;
}

/** Arithmetic mean with compensated summation; NaN for no values. */
export function mean(values: readonly number[]): number {
  return compensatedSum(values) / values.length;
}

/** x = mantissa · 2^exponent exactly, mantissa an integer (x finite). */
function exactParts(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  if (biased !== 0) mantissa |= 1n << 52n;
  if (bits >> 63n === 1n) mantissa = -mantissa;
  return { mantissa, exponent: (biased === 0 ? 1 : biased) - 1075 };
}

function integerSqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x && next - x <= 1n) break;
    x = next;
  }
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** √(n/m) rounded to an integer with round-to-odd (CPython statistics.py `_integer_sqrt_of_frac_rto`). */
function sqrtOfFractionRoundToOdd(n: bigint, m: bigint): bigint {
  const a = integerSqrt(n / m);
  return a * a * m !== n ? a | 1n : a;
}

/** √(n/m) correctly rounded to a double (CPython statistics.py `_float_sqrt_of_frac`). */
function floatSqrtOfFraction(n: bigint, m: bigint): number {
  if (n === 0n) return 0;
  const q = Math.floor((bitLength(n) - bitLength(m) - 109) / 2);
  if (q >= 0) return Number(sqrtOfFractionRoundToOdd(n, m << BigInt(2 * q)) << BigInt(q));
  return Number(sqrtOfFractionRoundToOdd(n << BigInt(-2 * q), m)) / 2 ** -q;
}

/**
 * Sample standard deviation (n − 1) computed exactly and rounded once, as Python's
 * `statistics.stdev` (exact rational sums, `_float_sqrt_of_frac`); NaN for fewer than two values.
 */
export function sampleStandardDeviation(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  if (!values.every(Number.isFinite)) return Number.NaN;
  const parts = values.map(exactParts);
  const base = Math.min(...parts.map((p) => p.exponent));
  // Every value as an integer multiple of 2^base.
  const scaled = parts.map((p) => p.mantissa << BigInt(p.exponent - base));
  let sx = 0n;
  let sxx = 0n;
  for (const x of scaled) {
    sx += x;
    sxx += x * x;
  }
  const count = BigInt(n);
  // variance = (n·Σx² − (Σx)²) / (n·(n − 1)) · 2^(2·base)
  const numerator = count * sxx - sx * sx;
  let denominator = count * (count - 1n);
  let top = numerator;
  if (base < 0) denominator <<= BigInt(-2 * base);
  else top <<= BigInt(2 * base);
  return floatSqrtOfFraction(top, denominator);
}
