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
 * buffered lines, a second encoding pass and a promise per record.
 */
class Buffered {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  constructor(readonly path: string) {
    this.fd = openSync(`${path}.tmp`, "w");
  }

  write(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.used + line.length * 3 > this.buf.length) {
      this.flush();
      if (line.length * 3 > this.buf.length) this.buf = Buffer.allocUnsafe(line.length * 3);
    }
    this.used += this.buf.write(line, this.used);
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

/** Any character that needs escaping in a JSON string but "\n", or a surrogate (lone or not). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters JSON escapes.
const NEEDS_JSON = /["\\\u0000-\u0009\u000b-\u001f\ud800-\udfff]/;

/**
 * `JSON.stringify(text)`, about twice as fast on the usual prompt and response (no escapes but
 * newlines): V8 11's JSON.stringify escapes ~3 ns a character.
 */
export function jsonString(text: string): string {
  return NEEDS_JSON.test(text) ? JSON.stringify(text) : `"${text.replaceAll("\n", "\\n")}"`;
}

/** A work record's line: the bytes of `JSON.stringify(r)` and a newline. */
export function workLine(r: WorkRecord): string {
  return `{"id":${JSON.stringify(r.id)},"task":${JSON.stringify(r.task)},"split":${JSON.stringify(r.split)},"prompt":${jsonString(r.prompt)},"response":${jsonString(r.response)},"ad_ids":${JSON.stringify(r.ad_ids)},"page_id":${JSON.stringify(r.page_id)},"meta":${JSON.stringify(r.meta)},"answer_class":${JSON.stringify(r.answer_class)},"prio":${JSON.stringify(r.prio)}}\n`;
}

export class WorkWriter {
  private readonly splits: Map<Split, Buffered>;
  private readonly index: Buffered;

  constructor(readonly prefix: string) {
    this.splits = new Map(SPLITS.map((s) => [s, new Buffered(splitFile(prefix, s))] as const));
    this.index = new Buffered(indexFile(prefix));
  }

  add(r: WorkRecord): void {
    this.splits.get(r.split)!.write(workLine(r));
    // id (base64url), split and task need no escaping.
    this.index.write(
      `{"id":"${r.id}","split":"${r.split}","task":"${r.task}","answer_class":${JSON.stringify(r.answer_class)},"prio":${r.prio}}\n`,
    );
  }

  close(): void {
    for (const b of this.splits.values()) b.close();
    this.index.close();
  }
}
