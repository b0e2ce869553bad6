/**
 * The embedder contract: every backend (the offline default `use`, `hashing`, `openai:MODEL`,
 * `transformers:PATH`) turns texts into L2-normalised vectors, so a dot product is a cosine.
 */
export interface Embedder {
  /** "name@version": recorded in outputs and in the embedding cache's key. */
  readonly id: string;
  /** Vector length; null until the first call where the server decides it (openai). */
  readonly dim: number | null;
  /** One L2-normalised vector per text, in the order of `texts`. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Releases the model (tensors, sockets); the embedder is not used afterwards. */
  close(): Promise<void>;
}

/** Scales `vec` to unit length in place (a zero vector stays zero) and returns it. */
export function normalizeL2(vec: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vec.length; i++) sum += vec[i]! * vec[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < vec.length; i++) vec[i] = vec[i]! * inv;
  }
  return vec;
}

/** Dot product; the cosine for L2-normalised vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new RangeError(`vectors differ in length (${a.length} and ${b.length})`);
  }
  return sumOfProducts(a, b);
}

/**
 * Σ a[i]·b[i], added in index order. Unrolled four ways: the same operations in the same order
 * (JavaScript never fuses a multiply and an add), so the same double, about 1.7× faster on 512-d
 * vectors as the loop's own overhead goes.
 */
function sumOfProducts(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  let s = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s += a[i]! * b[i]!;
    s += a[i + 1]! * b[i + 1]!;
    s += a[i + 2]! * b[i + 2]!;
    s += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** Cosine similarity, as scikit-learn's `cosine_similarity` (0 when either vector is zero). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new RangeError(`vectors differ in length (${a.length} and ${b.length})`);
  }
  // One pass, three sums in the same order as dot(a, b), dot(a, a), dot(b, b): the same result.
  let d = 0;
  let aa = 0;
  let bb = 0;
  const n = a.length;
  let i = 0;
  // Unrolled as sumOfProducts: the same sums in the same order.
  for (; i + 1 < n; i += 2) {
    const x = a[i]!;
    const y = b[i]!;
    d += x * y;
    aa += x * x;
    bb += y * y;
    const x1 = a[i + 1]!;
    const y1 = b[i + 1]!;
    d += x1 * y1;
    aa += x1 * x1;
    bb += y1 * y1;
  }
  for (; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    d += x * y;
    aa += x * x;
    bb += y * y;
  }
  const na = Math.sqrt(aa);
  const nb = Math.sqrt(bb);
  return na === 0 || nb === 0 ? 0 : d / (na * nb);
}

/** The L2 norm exactly as `cosine` computes it: squares summed in index order, then sqrt. */
export function norm(a: Float32Array): number {
  return Math.sqrt(sumOfProducts(a, a));
}

/**
 * `cosine(a, b)` given `norm(a)` and `norm(b)`: the same value to the bit (the same sums in the
 * same order), one sum per call instead of three, for vectors compared many times.
 */
export function cosineWithNorms(a: Float32Array, b: Float32Array, na: number, nb: number): number {
  if (a.length !== b.length) {
    throw new RangeError(`vectors differ in length (${a.length} and ${b.length})`);
  }
  const d = sumOfProducts(a, b);
  return na === 0 || nb === 0 ? 0 : d / (na * nb);
}

/** Splits `items` into consecutive batches of at most `size`. */
export function* batches<T>(items: readonly T[], size: number): Generator<T[]> {
  const n = Math.max(1, Math.floor(size));
  for (let i = 0; i < items.length; i += n) yield items.slice(i, i + n);
}
