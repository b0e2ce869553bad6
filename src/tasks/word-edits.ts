/**
 * Word-level Levenshtein distance, the pair filter of §3.3 ("Levenshtein Distance > 15 words"):
 * insertions, deletions and substitutions of whitespace-separated words, each costing 1. Pure.
 */

/** The words of a text, as the distance counts them. */
export function wordTokens(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * Maps words to small integer ids, so that distances compare integers rather than strings.
 * Ids are only comparable between texts encoded by the same instance (one per page).
 */
export class WordIds {
  readonly #ids = new Map<string, number>();

  encode(text: string): Int32Array {
    const words = wordTokens(text);
    const out = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      let id = this.#ids.get(w);
      if (id === undefined) {
        id = this.#ids.size;
        this.#ids.set(w, id);
      }
      out[i] = id;
    }
    return out;
  }
}

/**
 * Word-level Levenshtein distance between two texts. With `limit`, returns
 * `Math.min(distance, limit)`: exact below the limit, `limit` itself meaning "at least limit",
 * which costs O(words × limit) instead of O(words²).
 */
export function wordEdits(a: string, b: string, limit?: number): number {
  const ids = new WordIds();
  return tokenEdits(ids.encode(a), ids.encode(b), limit);
}

/**
 * Levenshtein distance between two id sequences (see `wordEdits` for `limit`). Common prefix and
 * suffix are stripped first (they never change the distance); the rest is Myers' bit-vector
 * algorithm (`myersEdits`), exact, and cut to the limit.
 */
export function tokenEdits(a: Int32Array, b: Int32Array, limit = Infinity): number {
  if (!(limit > 0)) return 0;
  let start = 0;
  let endA = a.length;
  let endB = b.length;
  while (start < endA && start < endB && a[start] === b[start]) start++;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  // `s` is the shorter remainder (the bit-vector side), `t` the longer: the distance is symmetric.
  let s = a.subarray(start, endA);
  let t = b.subarray(start, endB);
  if (s.length > t.length) [s, t] = [t, s];
  const n = s.length;
  const m = t.length;
  if (n === 0) return Math.min(m, limit);
  // The distance is at least the difference in length.
  if (m - n >= limit) return limit;
  return Math.min(myersEdits(s, t), limit);
}

/** Ids above this are left to the dynamic programme (the match table is indexed by id). */
const MAX_TABLE_ID = 1 << 22;
/** Per id, the bits of the current block of `s` that hold it; zero between calls. */
let peq = new Int32Array(1024);

/**
 * Myers' bit-vector edit distance (G. Myers, "A fast bit-vector algorithm for approximate string
 * matching based on dynamic programming", J. ACM 1999), in H. Hyyrö's block form for sequences
 * longer than a machine word: `s` is cut into blocks of 32 ids, each block is run over the whole
 * of `t`, and the horizontal deltas at the block's bottom row (one bit per column of `t`, +1 in
 * `hp`, −1 in `hm`) are the next block's top row. The distance is D[|s|][0] = |s| plus the deltas
 * along the bottom row. O(⌈|s|/32⌉·|t|); the same integers as the classic programme.
 */
function myersEdits(s: Int32Array, t: Int32Array): number {
  const n = s.length;
  const m = t.length;
  let maxId = 0;
  for (let i = 0; i < n; i++) {
    const id = s[i]!;
    if (id < 0 || id >= MAX_TABLE_ID) return fullEdits(s, t);
    if (id > maxId) maxId = id;
  }
  if (maxId >= peq.length) {
    let size = peq.length;
    while (size <= maxId) size *= 2;
    peq = new Int32Array(size);
  }
  const words = (m + 31) >>> 5;
  // Row 0 is D[0][j] = j: every horizontal delta is +1.
  const hp = new Int32Array(words).fill(-1);
  const hm = new Int32Array(words);
  let score = 0;
  for (let start = 0; start < n; start += 32) {
    const len = Math.min(32, n - start);
    const last = len - 1;
    for (let k = 0; k < len; k++) peq[s[start + k]!]! |= 1 << k;
    // Column 0 is D[i][0] = i: every vertical delta is +1.
    let pv = -1;
    let mv = 0;
    score = start + len;
    for (let j = 0; j < m; j++) {
      const id = t[j]!;
      const eq = id >= 0 && id < peq.length ? peq[id]! : 0;
      const w = j >>> 5;
      const bit = 1 << (j & 31);
      const pb = hp[w]! & bit ? 1 : 0;
      const mb = hm[w]! & bit ? 1 : 0;
      const xv = eq | mv;
      const xh = ((((eq | mb) & pv) + pv) ^ pv) | eq | mb;
      let ph = mv | ~(xh | pv);
      let mh = pv & xh;
      // The block's bottom row: its horizontal delta at column j, for the next block.
      if ((ph >>> last) & 1) {
        hp[w] = hp[w]! | bit;
        hm[w] = hm[w]! & ~bit;
        score++;
      } else if ((mh >>> last) & 1) {
        hp[w] = hp[w]! & ~bit;
        hm[w] = hm[w]! | bit;
        score--;
      } else {
        hp[w] = hp[w]! & ~bit;
        hm[w] = hm[w]! & ~bit;
      }
      ph = (ph << 1) | pb;
      mh = (mh << 1) | mb;
      pv = mh | ~(xv | ph);
      mv = ph & xv;
    }
    for (let k = 0; k < len; k++) peq[s[start + k]!] = 0;
  }
  return score;
}

/** The classic single-row dynamic programme: O(n·m) time, O(m) memory. */
function fullEdits(s: Int32Array, t: Int32Array): number {
  const n = s.length;
  const m = t.length;
  const row = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) row[j] = j;
  for (let i = 1; i <= n; i++) {
    const si = s[i - 1]!;
    let diag = row[0]!;
    let left = i;
    row[0] = i;
    for (let j = 1; j <= m; j++) {
      const up = row[j]!;
      let v = diag + (si === t[j - 1] ? 0 : 1);
      if (up + 1 < v) v = up + 1;
      if (left + 1 < v) v = left + 1;
      diag = up;
      row[j] = v;
      left = v;
    }
  }
  return row[m]!;
}
