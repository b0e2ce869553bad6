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
 * suffix are stripped first (they never change the distance); with a limit below the remaining
 * length the dynamic programme runs only on the diagonal band |i − j| < limit (Ukkonen), since a
 * path costing less than `limit` never leaves it, and stops once a whole band row reaches it.
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
  // `s` is the shorter remainder (rows), `t` the longer (columns): the distance is symmetric.
  let s = a.subarray(start, endA);
  let t = b.subarray(start, endB);
  if (s.length > t.length) [s, t] = [t, s];
  const n = s.length;
  const m = t.length;
  if (n === 0) return Math.min(m, limit);
  if (m - n >= limit) return limit;
  return limit < m ? bandedEdits(s, t, limit) : fullEdits(s, t);
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

/**
 * min(distance, cap) for n ≤ m, m − n < cap ≤ m. Cells are capped at `cap`; a cell off the band
 * has a true value ≥ |i − j| ≥ cap, so reading it as `cap` keeps every band cell exact.
 */
function bandedEdits(s: Int32Array, t: Int32Array, cap: number): number {
  const n = s.length;
  const m = t.length;
  const w = cap - 1;
  const row = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) row[j] = Math.min(j, cap);
  for (let i = 1; i <= n; i++) {
    const si = s[i - 1]!;
    const lo = Math.max(1, i - w);
    const hi = Math.min(m, i + w);
    let diag = row[lo - 1]!;
    let left = lo === 1 ? Math.min(i, cap) : cap;
    row[lo - 1] = left;
    let rowMin = left;
    for (let j = lo; j <= hi; j++) {
      const up = row[j]!;
      let v = diag + (si === t[j - 1] ? 0 : 1);
      if (up + 1 < v) v = up + 1;
      if (left + 1 < v) v = left + 1;
      if (v > cap) v = cap;
      diag = up;
      row[j] = v;
      left = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= cap) return cap;
  }
  return row[m]!;
}
