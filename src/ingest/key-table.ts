import { fmix32 } from "../core/hash.js";

/*
 * Compact in-memory sets of the keys an ingest checks every record against (already stored,
 * duplicate id, duplicate body). A million JavaScript strings in Sets and Maps cost ~170 MB of
 * heap and slow every major GC; these tables keep the same keys in typed arrays (open
 * addressing, linear probing) at 8 to 28 bytes a slot, and answer exactly as the string sets
 * did: no key is shortened beyond what is stored.
 */

/**
 * A content key (`contentKey`: the first 22 base64url characters of a sha256, i.e. 132 bits) in
 * 5 words: the digest's first 16 bytes as 4 little-endian words, then its 17th byte's top nibble.
 */
export const KEY_WORDS = 5;

/** Writes the key of a sha256 digest (≥ 17 bytes) into `out` at `off` (KEY_WORDS words). */
export function digestToWords(digest: Uint8Array, out: Uint32Array, off: number): void {
  for (let w = 0; w < 4; w++) {
    const b = w * 4;
    out[off + w] =
      (digest[b]! | (digest[b + 1]! << 8) | (digest[b + 2]! << 16) | (digest[b + 3]! << 24)) >>> 0;
  }
  out[off + 4] = digest[16]! >>> 4;
}

/** The key's 22-character text (as `contentKey` writes it) from its words. */
export function wordsToKey(words: Uint32Array, off: number): string {
  const b = Buffer.allocUnsafe(17);
  for (let w = 0; w < 4; w++) b.writeUInt32LE(words[off + w]!, w * 4);
  b[16] = (words[off + 4]! & 15) << 4;
  return b.toString("base64url").slice(0, 22);
}

const B64URL = /^[A-Za-z0-9_-]{22}$/;

/**
 * The words of a stored 22-character key, or false when the text is not one `contentKey` could
 * have written (such keys are kept as strings on the side, see `KeyTable`).
 */
export function keyToWords(key: string, out: Uint32Array, off: number): boolean {
  if (!B64URL.test(key)) return false;
  const b = Buffer.from(`${key}A`, "base64url");
  if (b.length !== 17 || (b[16]! & 15) !== 0) return false;
  digestToWords(b, out, off);
  return wordsToKey(out, off) === key;
}

/**
 * Ad ids as they are in practice (decimal, no leading zero, ≤ 2^53) are kept as numbers; any
 * other id as a string on the side. `encodeId` gives the number, or -1 for such an id.
 */
export function encodeId(id: string): number {
  if (id.length === 0 || id.length > 16) return -1;
  const c = id.charCodeAt(0);
  if (c < 49 || c > 57) return -1; // "1".."9"
  const n = Number(id);
  return Number.isSafeInteger(n) && String(n) === id ? n : -1;
}

/** Mixes a 52-bit integer into a 32-bit slot hash. */
function hashNumber(n: number): number {
  return fmix32((n >>> 0) ^ Math.imul(Math.floor(n / 4294967296) | 0, 0x9e3779b1));
}

const MIN_CAPACITY = 1024;
/** The table doubles before it is more than this full. */
const MAX_LOAD = 0.7;

/**
 * A set of content keys (`KEY_WORDS` words each), optionally mapping each to an ad id. A slot
 * is empty while its 5th word is 0; stored keys keep their nibble in that word's low 4 bits and
 * set bit 8. The digest is uniformly random, so its first word is the slot hash.
 */
export class KeyTable {
  private words: Uint32Array;
  private values: Float64Array | null;
  private mask: number;
  private count = 0;
  /** Ids that `encodeId` cannot hold, by the negative value -(index + 1). */
  private idStrings: string[] = [];
  /** Stored keys that are no `contentKey` text (never written by avakit, but accepted). */
  private readonly odd = new Map<string, string | undefined>();

  constructor(
    readonly withValues: boolean,
    capacity = MIN_CAPACITY,
  ) {
    let cap = MIN_CAPACITY;
    while (cap * MAX_LOAD < capacity) cap *= 2;
    this.mask = cap - 1;
    this.words = new Uint32Array(cap * KEY_WORDS);
    this.values = withValues ? new Float64Array(cap) : null;
  }

  get size(): number {
    return this.count + this.odd.size;
  }

  /** The slot holding the key, or the empty slot where it would go (bit-inverted). */
  private find(key: Uint32Array, off: number): number {
    const words = this.words;
    const k0 = key[off]!;
    const k1 = key[off + 1]!;
    const k2 = key[off + 2]!;
    const k3 = key[off + 3]!;
    const k4 = key[off + 4]! | 0x100;
    let s = k0 & this.mask;
    for (;;) {
      const p = s * KEY_WORDS;
      const tag = words[p + 4]!;
      if (tag === 0) return ~s;
      if (
        words[p] === k0 &&
        tag === k4 &&
        words[p + 1] === k1 &&
        words[p + 2] === k2 &&
        words[p + 3] === k3
      ) {
        return s;
      }
      s = (s + 1) & this.mask;
    }
  }

  has(key: Uint32Array, off: number): boolean {
    return this.find(key, off) >= 0;
  }

  /** The id stored with the key, if the key is present (tables made `withValues`). */
  get(key: Uint32Array, off: number): string | undefined {
    const s = this.find(key, off);
    if (s < 0 || !this.values) return undefined;
    return this.decode(this.values[s]!);
  }

  /** Adds the key (and its id, in tables made `withValues`); an existing key's id is replaced. */
  set(key: Uint32Array, off: number, id?: string): void {
    let s = this.find(key, off);
    if (s < 0) {
      if (this.count + 1 > (this.mask + 1) * MAX_LOAD) {
        this.grow();
        s = this.find(key, off);
      }
      s = ~s;
      const p = s * KEY_WORDS;
      for (let w = 0; w < 4; w++) this.words[p + w] = key[off + w]!;
      this.words[p + 4] = key[off + 4]! | 0x100;
      this.count++;
    }
    if (this.values) this.values[s] = this.encode(id ?? "");
  }

  /** The same as `set`/`has`/`get` for a key in its 22-character text form. */
  setText(key: string, id?: string): void {
    const w = SCRATCH;
    if (keyToWords(key, w, 0)) this.set(w, 0, id);
    else this.odd.set(key, id);
  }

  hasText(key: string): boolean {
    const w = SCRATCH;
    return keyToWords(key, w, 0) ? this.has(w, 0) : this.odd.has(key);
  }

  getText(key: string): string | undefined {
    const w = SCRATCH;
    return keyToWords(key, w, 0) ? this.get(w, 0) : this.odd.get(key);
  }

  /** Every key (as words in a scratch array, valid during the call) with its id. */
  forEach(fn: (key: Uint32Array, off: number, id: string | undefined) => void): void {
    const words = this.words;
    for (let s = 0; s <= this.mask; s++) {
      const p = s * KEY_WORDS;
      if (words[p + 4] === 0) continue;
      SCRATCH_EACH[0] = words[p]!;
      SCRATCH_EACH[1] = words[p + 1]!;
      SCRATCH_EACH[2] = words[p + 2]!;
      SCRATCH_EACH[3] = words[p + 3]!;
      SCRATCH_EACH[4] = words[p + 4]! & 15;
      fn(SCRATCH_EACH, 0, this.values ? this.decode(this.values[s]!) : undefined);
    }
  }

  /** Copies every key of `other` (and its id) into this table. */
  addAll(other: KeyTable): void {
    other.forEach((key, off, id) => {
      this.set(key, off, id);
    });
    for (const [k, v] of other.odd) this.odd.set(k, v);
  }

  private encode(id: string): number {
    const n = encodeId(id);
    if (n >= 0) return n;
    this.idStrings.push(id);
    return -this.idStrings.length;
  }

  private decode(v: number): string {
    return v >= 0 ? String(v) : this.idStrings[-v - 1]!;
  }

  private grow(): void {
    const oldWords = this.words;
    const oldValues = this.values;
    const oldCap = this.mask + 1;
    const cap = oldCap * 2;
    this.mask = cap - 1;
    this.words = new Uint32Array(cap * KEY_WORDS);
    this.values = oldValues ? new Float64Array(cap) : null;
    for (let s = 0; s < oldCap; s++) {
      const p = s * KEY_WORDS;
      if (oldWords[p + 4] === 0) continue;
      let t = oldWords[p]! & this.mask;
      while (this.words[t * KEY_WORDS + 4] !== 0) t = (t + 1) & this.mask;
      this.words.set(oldWords.subarray(p, p + KEY_WORDS), t * KEY_WORDS);
      if (oldValues) this.values![t] = oldValues[s]!;
    }
  }
}

const SCRATCH = new Uint32Array(KEY_WORDS);
const SCRATCH_EACH = new Uint32Array(KEY_WORDS);

/**
 * A set of ad ids: decimal ids (see `encodeId`) as numbers in a typed table, others as strings.
 * Id 0 never occurs (`encodeId` refuses a leading zero), so 0 marks an empty slot.
 */
export class IdSet {
  private slots: Float64Array;
  private mask: number;
  private count = 0;
  private readonly others = new Set<string>();

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap * MAX_LOAD < capacity) cap *= 2;
    this.mask = cap - 1;
    this.slots = new Float64Array(cap);
  }

  get size(): number {
    return this.count + this.others.size;
  }

  has(id: string): boolean {
    const n = encodeId(id);
    return n < 0 ? this.others.has(id) : this.hasNumber(n);
  }

  add(id: string): void {
    const n = encodeId(id);
    if (n < 0) this.others.add(id);
    else this.addNumber(n);
  }

  /** Every id of `other` into this set. */
  addAll(other: IdSet): void {
    for (const v of other.slots) if (v !== 0) this.addNumber(v);
    for (const id of other.others) this.others.add(id);
  }

  private hasNumber(n: number): boolean {
    const slots = this.slots;
    for (let s = hashNumber(n) & this.mask; ; s = (s + 1) & this.mask) {
      const v = slots[s]!;
      if (v === n) return true;
      if (v === 0) return false;
    }
  }

  private addNumber(n: number): void {
    if (this.hasNumber(n)) return;
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    this.put(n);
    this.count++;
  }

  private put(n: number): void {
    let s = hashNumber(n) & this.mask;
    while (this.slots[s] !== 0) s = (s + 1) & this.mask;
    this.slots[s] = n;
  }

  private grow(): void {
    const old = this.slots;
    this.mask = old.length * 2 - 1;
    this.slots = new Float64Array(old.length * 2);
    for (const v of old) if (v !== 0) this.put(v);
  }
}
