/**
 * A page shard's output files: one JSONL work file per split (the full records, in page order)
 * and a slim index (id, split, task, answer class, priority) that the assemble stage decides
 * balancing and sampling on without reading the text. Written under temporary names and renamed
 * when complete, so a crash never leaves a work file that looks finished.
 */
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import type { WorkRecord } from "./records.js";
import { SPLITS, type Split } from "./splits.js";

export function splitFile(prefix: string, split: Split): string {
  return `${prefix}.${split}.jsonl`;
}

export function indexFile(prefix: string): string {
  return `${prefix}.index.jsonl`;
}

/**
 * Lines encoded straight into one reused buffer and written synchronously when it fills: the
 * shard's CPU work runs on a worker thread, where an async stream only added a join of the
 * buffered lines, a second encoding pass and a promise per record. A line goes in as its pieces
 * (`put`), so that the long prompt and response are never copied into one joined string first.
 */
class Buffered {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  constructor(readonly path: string) {
    this.fd = openSync(`${path}.tmp`, "w");
  }

  put(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.used + text.length * 3 > this.buf.length) {
      this.flush();
      if (text.length * 3 > this.buf.length) this.buf = Buffer.allocUnsafe(text.length * 3);
    }
    this.used += this.buf.write(text, this.used);
  }

  private flush(): void {
    for (let at = 0; at < this.used; ) at += writeSync(this.fd, this.buf, at, this.used - at);
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/**
 * Any character that needs escaping in a JSON string but "\n", or a surrogate (lone or not): the
 * complement of what may stay as it is, which V8 scans about a quarter faster than the class of
 * ", \, U+0000–U+0009, U+000B–U+001F and U+D800–U+DFFF it equals.
 */
const NEEDS_JSON = /[^\n -!#-[\]-\ud7ff\ue000-\uffff]/;

/**
 * `JSON.stringify(text)`, about twice as fast on the usual prompt and response (no escapes but
 * newlines): V8 11's JSON.stringify escapes ~3 ns a character.
 */
export function jsonString(text: string): string {
  return NEEDS_JSON.test(text) ? JSON.stringify(text) : `"${text.replaceAll("\n", "\\n")}"`;
}

/** A nullable text as JSON. */
function jsonOrNull(text: string | null): string {
  return text === null ? "null" : jsonString(text);
}

/**
 * A work record's line in pieces, to `put` in order: the bytes of `JSON.stringify(r)` and a
 * newline (`workLine` joins them).
 */
function putWorkLine(r: WorkRecord, put: (text: string) => void): void {
  // id, task and split need no escaping (see WorkRecord).
  put(`{"id":"${r.id}","task":"${r.task}","split":"${r.split}","prompt":`);
  put(jsonString(r.prompt));
  put(',"response":');
  put(jsonString(r.response));
  put(
    `,"ad_ids":${JSON.stringify(r.ad_ids)},"page_id":${jsonString(r.page_id)},"meta":${JSON.stringify(r.meta)},"answer_class":${jsonOrNull(r.answer_class)},"prio":${JSON.stringify(r.prio)}}\n`,
  );
}

/** A work record's line: the bytes of `JSON.stringify(r)` and a newline. */
export function workLine(r: WorkRecord): string {
  let line = "";
  putWorkLine(r, (text) => {
    line += text;
  });
  return line;
}

export class WorkWriter {
  private readonly splits: Map<Split, Buffered>;
  /** Each split file's `put`, bound once. */
  private readonly puts: Map<Split, (text: string) => void>;
  private readonly index: Buffered;

  constructor(readonly prefix: string) {
    this.splits = new Map(SPLITS.map((s) => [s, new Buffered(splitFile(prefix, s))] as const));
    this.puts = new Map([...this.splits].map(([s, b]) => [s, b.put.bind(b)] as const));
    this.index = new Buffered(indexFile(prefix));
  }

  add(r: WorkRecord): void {
    putWorkLine(r, this.puts.get(r.split)!);
    this.index.put(
      `{"id":"${r.id}","split":"${r.split}","task":"${r.task}","answer_class":${jsonOrNull(r.answer_class)},"prio":${r.prio}}\n`,
    );
  }

  close(): void {
    for (const b of this.splits.values()) b.close();
    this.index.close();
  }
}
