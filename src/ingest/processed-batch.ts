import { QUARANTINE_RULES, type QuarantineRule } from "../core/types.js";
import { digestToWords, KEY_WORDS } from "./key-table.js";
import type { ProcessedRecord } from "./process-record.js";

/*
 * The results of processing a batch of records, laid out for a cheap trip from a worker thread
 * to the main thread: rows as UTF-8 JSONL bytes (transferred, not copied), keys as words, the
 * rest as integers. The main thread checks the keys and hands byte ranges of the kept rows to
 * the store, never decoding them.
 */

/** Integers per record in `meta`: rule (-1 for an ad), line, row start/end, signal start/end. */
export const META = 6;
/** Words per record in `keys`: the record key, then the body key (ads only). */
export const KEYS = 2 * KEY_WORDS;

export interface ProcessedBatch {
  count: number;
  meta: Int32Array;
  keys: Uint32Array;
  /** Per record: ad id and page id (ads only; null otherwise). */
  ids: (string | null)[];
  /** Ads' rows (`adRowJson` + "\n"); a rejected record's row is in `quarantineRows`. */
  adRows: Uint8Array;
  signalRows: Uint8Array;
  quarantineRows: Uint8Array;
}

export function ruleAt(b: ProcessedBatch, i: number): QuarantineRule | null {
  const r = b.meta[i * META]!;
  return r < 0 ? null : QUARANTINE_RULES[r]!;
}

const RULE_INDEX = new Map<string, number>(QUARANTINE_RULES.map((r, i) => [r, i]));

/** Appends text to a growable byte buffer; the buffer is reused batch after batch. */
class ByteWriter {
  private buf: Buffer;
  len = 0;

  constructor(capacity: number) {
    this.buf = Buffer.from(new ArrayBuffer(capacity));
  }

  /** Writes `text` and a newline; returns the end offset (the start is the previous `len`). */
  line(text: string): number {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const need = this.len + text.length * 3 + 1;
    if (need > this.buf.length) {
      const bigger = Buffer.from(new ArrayBuffer(Math.max(need, this.buf.length * 2)));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    this.len += this.buf.write(text, this.len, "utf8");
    this.buf[this.len++] = 10;
    return this.len;
  }

  /** The bytes written so far, in a buffer of their own (transferable); then starts over. */
  take(): Uint8Array {
    const out = new Uint8Array(this.len);
    out.set(this.buf.subarray(0, this.len));
    this.len = 0;
    return out;
  }
}

/** Collects `ProcessedRecord`s into a `ProcessedBatch`. */
export class BatchBuilder {
  private meta: Int32Array;
  private keys: Uint32Array;
  private ids: (string | null)[] = [];
  private count = 0;
  private readonly ads: ByteWriter;
  private readonly signals: ByteWriter;
  private readonly quarantine: ByteWriter;

  constructor(bytes = 64 * 1024, records = 64) {
    this.meta = new Int32Array(records * META);
    this.keys = new Uint32Array(records * KEYS);
    this.ads = new ByteWriter(bytes);
    this.signals = new ByteWriter(Math.max(1024, bytes >> 3));
    this.quarantine = new ByteWriter(1024);
  }

  add(p: ProcessedRecord): void {
    if (this.count * META >= this.meta.length) {
      const meta = new Int32Array(this.meta.length * 2);
      meta.set(this.meta);
      this.meta = meta;
      const keys = new Uint32Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    const m = this.count * META;
    const k = this.count * KEYS;
    this.meta[m + 1] = p.line;
    digestToWords(p.recordDigest, this.keys, k);
    if (p.kind === "ad") {
      this.meta[m] = -1;
      this.meta[m + 2] = this.ads.len;
      this.meta[m + 3] = this.ads.line(p.adRow);
      this.meta[m + 4] = this.signals.len;
      this.meta[m + 5] = this.signals.line(p.signalRow);
      digestToWords(p.bodyDigest, this.keys, k + KEY_WORDS);
      this.ids.push(p.adId, p.pageId);
    } else {
      this.meta[m] = RULE_INDEX.get(p.rule)!;
      this.meta[m + 2] = this.quarantine.len;
      this.meta[m + 3] = this.quarantine.line(p.quarantineRow);
      this.meta[m + 4] = 0;
      this.meta[m + 5] = 0;
      this.ids.push(null, null);
    }
    this.count++;
  }

  /** The batch so far, in buffers of its own; the builder starts over. */
  finish(): ProcessedBatch {
    const out: ProcessedBatch = {
      count: this.count,
      meta: this.meta.slice(0, this.count * META),
      keys: this.keys.slice(0, this.count * KEYS),
      ids: this.ids,
      adRows: this.ads.take(),
      signalRows: this.signals.take(),
      quarantineRows: this.quarantine.take(),
    };
    this.ids = [];
    this.count = 0;
    return out;
  }
}

/** The buffers of a batch, for `postMessage`'s transfer list. */
export function transferList(b: ProcessedBatch): ArrayBuffer[] {
  return [b.meta, b.keys, b.adRows, b.signalRows, b.quarantineRows].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/**
 * Rows for one table of a `StoredBatch`, in order: byte ranges of processed batches (adjacent
 * ranges of one buffer merged into one chunk) and rows serialised here (strings).
 */
export class RowChunks {
  readonly chunks: (string | Uint8Array)[] = [];
  rows = 0;
  private buf: Uint8Array | null = null;
  private start = 0;
  private end = 0;

  /** A row (or rows) that are bytes [start, end) of `buf`, ending in a newline. */
  addRange(buf: Uint8Array, start: number, end: number): void {
    this.rows++;
    if (buf === this.buf && start === this.end) {
      this.end = end;
      return;
    }
    this.seal();
    this.buf = buf;
    this.start = start;
    this.end = end;
  }

  /** One row as JSON text (no newline). */
  addRow(json: string): void {
    this.rows++;
    this.seal();
    this.chunks.push(json);
  }

  /** The chunks, complete. */
  done(): (string | Uint8Array)[] {
    this.seal();
    return this.chunks;
  }

  private seal(): void {
    if (this.buf) this.chunks.push(this.buf.subarray(this.start, this.end));
    this.buf = null;
  }
}
