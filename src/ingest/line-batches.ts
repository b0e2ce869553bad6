import type { Readable } from "node:stream";
import { openInput } from "./open-input.js";
import { processRecord } from "./process-record.js";
import { BatchBuilder, type ProcessedBatch } from "./processed-batch.js";

/**
 * Decodes a line's UTF-8 (invalid sequences become U+FFFD, as Buffer#toString does; a BOM is
 * kept as text, the file's own BOM having been skipped). Measured ~3x faster per line than
 * Buffer#toString, which matters at 3.4 KB a record.
 */
const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Bytes of input per batch handed to a worker (complete lines only). */
const BATCH_BYTES = 512 * 1024;

/**
 * A run of complete JSONL lines, kept as UTF-8 bytes: the main thread only finds line ends, and
 * the workers decode, parse and process (`processLineBatch`).
 */
export class LineBatch {
  constructor(
    readonly buf: Buffer,
    /** 1-based number of the batch's first line in its file. */
    readonly firstLine: number,
  ) {}

  processAll(source: string, runId: number): ProcessedBatch {
    return processLineBatch(this.buf, this.firstLine, source, runId);
  }

  /** The text of one of the batch's lines (for the rare duplicate that must be quarantined). */
  textOf(line: number): string {
    let start = 0;
    for (let l = this.firstLine; l < line; l++) start = this.buf.indexOf(10, start) + 1;
    let end = this.buf.indexOf(10, start);
    if (end < 0) end = this.buf.length;
    if (end > start && this.buf[end - 1] === 13) end--;
    return this.buf.toString("utf8", start, end);
  }
}

/**
 * Parses and processes every line of a batch: blank lines are skipped (but counted for line
 * numbers), a line holding a saved API page `{"data":[...]}` or an array expands to its records.
 */
export function processLineBatch(
  buf: Uint8Array,
  firstLine: number,
  source: string,
  runId: number,
  out: BatchBuilder = new BatchBuilder(buf.byteLength),
): ProcessedBatch {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let start = 0;
  let line = firstLine;
  while (start < b.length) {
    let end = b.indexOf(10, start);
    const next = end < 0 ? b.length : end + 1;
    if (end < 0) end = b.length;
    if (end > start && b[end - 1] === 13) end--;
    if (end > start) {
      const text = UTF8.decode(b.subarray(start, end));
      if (text.trim() !== "") processLine(text, line, source, runId, out);
    }
    start = next;
    line++;
  }
  return out.finish();
}

function processLine(
  text: string,
  line: number,
  source: string,
  runId: number,
  out: BatchBuilder,
): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    out.add(processRecord({ source, line, text, parseError: (err as Error).message }, runId));
    return;
  }
  const items = Array.isArray(value)
    ? value
    : value !== null &&
        typeof value === "object" &&
        Array.isArray((value as { data?: unknown }).data)
      ? (value as { data: unknown[] }).data
      : null;
  if (!items) {
    out.add(processRecord({ source, line, text, value }, runId));
    return;
  }
  for (const item of items) {
    out.add(processRecord({ source, line, text: JSON.stringify(item), value: item }, runId));
  }
}

/** JSONL line batches of one file, and how far through the file (bytes on disk) reading is. */
export interface LineBatches extends AsyncIterable<LineBatch> {
  /** Fraction of the file's bytes read so far (compressed bytes for gzip), 0..1. */
  fractionRead(): number;
}

const WS = new Set([0x20, 0x0a, 0x0d, 0x09, 0xef, 0xbb, 0xbf]);

/**
 * Batches of complete lines when the file is JSONL (its first line is one complete JSON value),
 * or null for other formats (a JSON array, a pretty-printed document), which `readRecords` reads.
 */
export async function readLineBatches(path: string): Promise<LineBatches | null> {
  const { stream, raw, size } = await openInput(path);
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Read until the first line is complete (or 64 MiB: then it is no JSONL line).
  const head: Buffer[] = [];
  let headLen = 0;
  let firstNl = -1;
  let eof = false;
  while (firstNl < 0 && headLen < 64 * 1024 * 1024) {
    const { value, done } = await it.next();
    if (done) {
      eof = true;
      break;
    }
    const nl = value.indexOf(10);
    if (nl >= 0) firstNl = headLen + nl;
    head.push(value);
    headLen += value.length;
  }
  const first = Buffer.concat(head);
  let p = 0;
  while (p < first.length && WS.has(first[p]!)) p++;
  const lineEnd = firstNl >= 0 ? firstNl : eof ? first.length : -1;
  let jsonl = p < first.length && first[p] !== 0x5b && lineEnd >= 0;
  if (jsonl) {
    try {
      JSON.parse(first.toString("utf8", p, lineEnd));
    } catch {
      jsonl = false;
    }
  }
  if (!jsonl) {
    stream.destroy();
    return null;
  }
  const bom = first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf;
  const gen = batches(bom ? first.subarray(3) : first, it, stream);
  return {
    [Symbol.asyncIterator]: () => gen,
    fractionRead: () => (size > 0 ? Math.min(1, raw.bytesRead / size) : 1),
  };
}

async function* batches(
  head: Buffer,
  it: AsyncIterator<Buffer>,
  stream: Readable,
): AsyncGenerator<LineBatch> {
  let line = 1;
  let carry = head;
  const emit = (buf: Buffer): LineBatch => {
    const batch = new LineBatch(buf, line);
    let n = 0;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
    line += n;
    return batch;
  };
  try {
    for (;;) {
      if (carry.length >= BATCH_BYTES) {
        const cut = carry.lastIndexOf(10);
        if (cut >= 0) {
          yield emit(carry.subarray(0, cut + 1));
          carry = Buffer.from(carry.subarray(cut + 1));
          continue;
        }
      }
      const { value, done } = await it.next();
      if (done) break;
      carry = carry.length === 0 ? value : Buffer.concat([carry, value]);
    }
    if (carry.length > 0) yield emit(carry);
  } finally {
    stream.destroy();
  }
}
