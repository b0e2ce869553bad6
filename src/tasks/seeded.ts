/**
 * Seeded, order-independent choices for caps and samples: an item's fate depends only on
 * (seed, its key), never on iteration order or Math.random, so every run and machine agree. Pure.
 */
import { hash } from "node:crypto";

/**
 * A 53-bit priority (an integer exact in a double) from sha256(`${seed}\0${key}`). `seededUnit` in
 * splits.ts is `seededRank(seed, key) / 2 ** 53`.
 */
export function seededRank(seed: string | number, key: string): number {
  // One-shot crypto.hash: about three times cheaper than createHash().update().digest().
  const h = hash("sha256", `${seed}\u0000${key}`, "buffer");
  return h.readUInt32BE(0) * 2 ** 21 + (h.readUInt32BE(4) >>> 11);
}

/**
 * The `n` items with the smallest `seededRank(seed, keyOf(item))`, in their input order. Equal
 * ranks (a 2⁻⁵³ chance) fall back to the key, then to input order, which only matters for
 * items sharing a key. Runs in O(N log n) with O(n) extra memory.
 */
export function seededSample<T>(
  items: readonly T[],
  n: number,
  seed: string | number,
  keyOf: (item: T) => string,
): T[] {
  const size = Math.max(0, Math.floor(n));
  if (size >= items.length) return items.slice();
  if (size === 0) return [];
  const ranks = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) ranks[i] = seededRank(seed, keyOf(items[i]!));
  // after(x, y): x comes later in the priority order than y.
  const after = (x: number, y: number): boolean => {
    const rx = ranks[x]!;
    const ry = ranks[y]!;
    if (rx !== ry) return rx > ry;
    const kx = keyOf(items[x]!);
    const ky = keyOf(items[y]!);
    return kx !== ky ? kx > ky : x > y;
  };
  // A max-heap of the `size` best indices seen so far; its root is the worst of them.
  const heap = new Int32Array(size);
  let len = 0;
  const siftUp = (at: number): void => {
    let c = at;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!after(heap[c]!, heap[p]!)) break;
      [heap[c], heap[p]] = [heap[p]!, heap[c]!];
      c = p;
    }
  };
  const siftDown = (): void => {
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= len) break;
      const r = l + 1;
      const c = r < len && after(heap[r]!, heap[l]!) ? r : l;
      if (!after(heap[c]!, heap[p]!)) break;
      [heap[c], heap[p]] = [heap[p]!, heap[c]!];
      p = c;
    }
  };
  for (let i = 0; i < items.length; i++) {
    if (len < size) {
      heap[len] = i;
      siftUp(len++);
    } else if (after(heap[0]!, i)) {
      heap[0] = i;
      siftDown();
    }
  }
  return Array.from(heap)
    .sort((x, y) => x - y)
    .map((i) => items[i]!);
}
