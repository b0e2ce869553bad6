import { createWriteStream } from "node:fs";
import { unlink } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import {
  advertiserCount,
  type SynthAdRecord,
  type SynthConfig,
  type SynthRange,
  synthesizeAds,
} from "./generate.js";

export interface SynthFileResult {
  /** Records written. */
  ads: number;
  /** Distinct advertisers (pages) among them. */
  advertisers: number;
  /** Size of the file on disk (compressed size for .gz). */
  bytes: number;
}

/** Called with the number of records generated so far, about once per MiB of output. */
export type SynthProgress = (adsDone: number) => void;

const CHUNK_BYTES = 1 << 20;
/** zlib level for .gz output: about 6× smaller at level 3, nearly twice as fast as level 6. */
const GZIP_LEVEL = 3;
/** Room kept free before each record; a record that does not fit is written on its own. */
const RECORD_ROOM = 64 * 1024;

/** Strings that JSON writes as they are, one byte per character. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const latin1 = (s: string): Uint8Array => Buffer.from(s, "latin1");
const K_ID = latin1('{"id":');
const K_PAGE_ID = latin1(',"page_id":');
const K_PAGE_NAME = latin1(',"page_name":');
const K_BODIES = latin1(',"ad_creative_bodies":');
const K_CAPTIONS = latin1(',"ad_creative_link_captions":');
const K_DESCRIPTIONS = latin1(',"ad_creative_link_descriptions":');
const K_TITLES = latin1(',"ad_creative_link_titles":');
const K_CREATED = latin1(',"ad_creation_time":');
const K_START = latin1(',"ad_delivery_start_time":');
const K_STOP = latin1(',"ad_delivery_stop_time":');
const K_SNAPSHOT = latin1(',"ad_snapshot_url":');
const K_BYLINES = latin1(',"bylines":');
const K_CURRENCY = latin1(',"currency":');
const K_AUDIENCE = latin1(',"estimated_audience_size":');
const K_IMPRESSIONS = latin1(',"impressions":');
const K_SPEND = latin1(',"spend":');
const K_LANGUAGES = latin1(',"languages":');
const K_PLATFORMS = latin1(',"publisher_platforms":');
const K_DEMOGRAPHICS = latin1(',"demographic_distribution":[');
const K_REGIONS = latin1('],"delivery_by_region":[');
const K_SYNTHETIC_TRUE = latin1('],"avakit_synthetic":true}\n');
const K_SYNTHETIC_FALSE = latin1('],"avakit_synthetic":false}\n');
const K_PCT_FIRST = latin1('{"percentage":');
const K_PCT_NEXT = latin1(',{"percentage":');
const K_LOWER = latin1('{"lower_bound":');
const K_UPPER = latin1(',"upper_bound":');

/**
 * Serialises generator records to JSONL bytes directly into large buffers: the same bytes as
 * `JSON.stringify(record) + "\n"` (the tests check it), without building each line as a string
 * first, which is the dominant cost of writing millions of records.
 */
export class SynthJsonlEncoder {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private readonly chunks: Buffer[] = [];
  private readonly regionTails = new Map<string, Uint8Array>();
  private readonly demoTails = new Map<string, Map<string, Uint8Array>>();

  /** Appends one record and its newline. */
  add(r: SynthAdRecord): void {
    if (this.buf.length - this.pos < RECORD_ROOM) this.cut();
    const start = this.pos;
    this.encode(r);
    if (this.pos > this.buf.length) {
      // Did not fit (an unusually large record): emit it as its own chunk.
      this.pos = start;
      this.cut();
      this.chunks.push(Buffer.from(`${JSON.stringify(r)}\n`, "utf8"));
    }
  }

  /** Bytes encoded so far and not yet taken. */
  get pending(): number {
    let n = this.pos;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  /** Takes everything encoded so far, as one or more buffers (never reused afterwards). */
  take(): Buffer[] {
    this.cut();
    return this.chunks.splice(0, this.chunks.length);
  }

  private cut(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
  }

  private raw(bytes: Uint8Array): void {
    const b = this.buf;
    let p = this.pos;
    const n = bytes.length;
    for (let i = 0; i < n; i++) b[p++] = bytes[i]!;
    this.pos = p;
  }

  private byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /**
   * A JSON string. Printable ASCII needs no escaping: short strings are copied byte by byte,
   * long ones in one native latin1 write; anything else goes through JSON.stringify.
   */
  private str(s: string): void {
    const b = this.buf;
    const start = this.pos;
    const n = s.length;
    if (n > 24) {
      if (!PLAIN_ASCII.test(s)) {
        this.escaped(s, start);
        return;
      }
      if (start + n + 2 > b.length) {
        this.pos = b.length + 1;
        return;
      }
      b[start] = 0x22;
      b.write(s, start + 1, n, "latin1");
      b[start + n + 1] = 0x22;
      this.pos = start + n + 2;
      return;
    }
    let p = start;
    b[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.escaped(s, start);
        return;
      }
      b[p++] = c;
    }
    b[p++] = 0x22;
    this.pos = p;
  }

  private escaped(s: string, start: number): void {
    const json = JSON.stringify(s);
    if (start + json.length * 3 > this.buf.length) {
      this.pos = this.buf.length + 1;
      return;
    }
    this.pos = start + this.buf.write(json, start, "utf8");
  }

  private list(xs: readonly string[]): void {
    this.byte(0x5b);
    for (let i = 0; i < xs.length; i++) {
      if (i > 0) this.byte(0x2c);
      this.str(xs[i]!);
    }
    this.byte(0x5d);
  }

  private range(r: SynthRange): void {
    this.raw(K_LOWER);
    this.str(r.lower_bound);
    if (r.upper_bound !== undefined) {
      this.raw(K_UPPER);
      this.str(r.upper_bound);
    }
    this.byte(0x7d);
  }

  private regionTail(region: string): Uint8Array {
    let t = this.regionTails.get(region);
    if (t === undefined) {
      t = Buffer.from(`,"region":${JSON.stringify(region)}}`, "utf8");
      if (this.regionTails.size < 4096) this.regionTails.set(region, t);
    }
    return t;
  }

  private demoTail(age: string, gender: string): Uint8Array {
    let byGender = this.demoTails.get(age);
    if (byGender === undefined) {
      byGender = new Map();
      if (this.demoTails.size < 256) this.demoTails.set(age, byGender);
    }
    let t = byGender.get(gender);
    if (t === undefined) {
      t = Buffer.from(`,"age":${JSON.stringify(age)},"gender":${JSON.stringify(gender)}}`, "utf8");
      if (byGender.size < 256) byGender.set(gender, t);
    }
    return t;
  }

  private encode(r: SynthAdRecord): void {
    this.raw(K_ID);
    this.str(r.id);
    this.raw(K_PAGE_ID);
    this.str(r.page_id);
    this.raw(K_PAGE_NAME);
    this.str(r.page_name);
    this.raw(K_BODIES);
    this.list(r.ad_creative_bodies);
    this.raw(K_CAPTIONS);
    this.list(r.ad_creative_link_captions);
    this.raw(K_DESCRIPTIONS);
    this.list(r.ad_creative_link_descriptions);
    this.raw(K_TITLES);
    this.list(r.ad_creative_link_titles);
    this.raw(K_CREATED);
    this.str(r.ad_creation_time);
    this.raw(K_START);
    this.str(r.ad_delivery_start_time);
    if (r.ad_delivery_stop_time !== undefined) {
      this.raw(K_STOP);
      this.str(r.ad_delivery_stop_time);
    }
    this.raw(K_SNAPSHOT);
    this.str(r.ad_snapshot_url);
    if (r.bylines !== undefined) {
      this.raw(K_BYLINES);
      this.str(r.bylines);
    }
    this.raw(K_CURRENCY);
    this.str(r.currency);
    this.raw(K_AUDIENCE);
    this.range(r.estimated_audience_size);
    this.raw(K_IMPRESSIONS);
    this.range(r.impressions);
    this.raw(K_SPEND);
    this.range(r.spend);
    this.raw(K_LANGUAGES);
    this.list(r.languages);
    this.raw(K_PLATFORMS);
    this.list(r.publisher_platforms);
    this.raw(K_DEMOGRAPHICS);
    const demo = r.demographic_distribution;
    for (let i = 0; i < demo.length; i++) {
      const d = demo[i]!;
      this.raw(i === 0 ? K_PCT_FIRST : K_PCT_NEXT);
      this.str(d.percentage);
      this.raw(this.demoTail(d.age, d.gender));
    }
    this.raw(K_REGIONS);
    const regions = r.delivery_by_region;
    for (let i = 0; i < regions.length; i++) {
      const d = regions[i]!;
      this.raw(i === 0 ? K_PCT_FIRST : K_PCT_NEXT);
      this.str(d.percentage);
      this.raw(this.regionTail(d.region));
    }
    this.raw(r.avakit_synthetic === true ? K_SYNTHETIC_TRUE : K_SYNTHETIC_FALSE);
  }
}

/** Chunks of JSONL for `cfg`, generated lazily: the consumer's pace sets the generator's. */
function* jsonlChunks(cfg: SynthConfig, onProgress?: SynthProgress): Generator<Buffer> {
  const enc = new SynthJsonlEncoder();
  let n = 0;
  for (const rec of synthesizeAds(cfg)) {
    enc.add(rec);
    n++;
    if (enc.pending >= CHUNK_BYTES - RECORD_ROOM) {
      yield* enc.take();
      onProgress?.(n);
    }
  }
  yield* enc.take();
  onProgress?.(n);
}

/**
 * Writes `cfg.ads` synthetic records to `outPath` as JSONL (gzip when the path ends in ".gz"),
 * streaming: records are generated as the file stream asks for more (backpressure), so memory
 * stays flat at any size. On failure the partial file is removed.
 */
export async function writeSynthFile(
  cfg: SynthConfig,
  outPath: string,
  onProgress?: SynthProgress,
): Promise<SynthFileResult> {
  const advertisers = advertiserCount(cfg);
  const source = Readable.from(jsonlChunks(cfg, onProgress), { objectMode: false });
  const file = createWriteStream(outPath);
  try {
    if (outPath.endsWith(".gz")) await pipeline(source, createGzip({ level: GZIP_LEVEL }), file);
    else await pipeline(source, file);
  } catch (err) {
    await unlink(outPath).catch(() => undefined);
    throw err;
  }
  return { ads: cfg.ads, advertisers, bytes: file.bytesWritten };
}
