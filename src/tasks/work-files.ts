/**
 * A page shard's output files: one JSONL work file per split (the full records, in page order)
 * and a slim index (id, split, task, answer class, priority) that the assemble stage decides
 * balancing and sampling on without reading the text. Written under temporary names and renamed
 * when complete, so a crash never leaves a work file that looks finished.
 */
import { once } from "node:events";
import { createWriteStream, renameSync, type WriteStream } from "node:fs";
import type { WorkRecord } from "./records.js";
import { SPLITS, type Split } from "./splits.js";

export function splitFile(prefix: string, split: Split): string {
  return `${prefix}.${split}.jsonl`;
}

export function indexFile(prefix: string): string {
  return `${prefix}.index.jsonl`;
}

class Buffered {
  private parts: string[] = [];
  private bytes = 0;
  readonly stream: WriteStream;

  constructor(readonly path: string) {
    this.stream = createWriteStream(`${path}.tmp`);
  }

  async write(line: string): Promise<void> {
    this.parts.push(line);
    this.bytes += line.length;
    if (this.bytes >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const ok = this.stream.write(this.parts.join(""));
    this.parts = [];
    this.bytes = 0;
    if (!ok) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, "finish");
    renameSync(`${this.path}.tmp`, this.path);
  }
}

export class WorkWriter {
  private readonly splits: Map<Split, Buffered>;
  private readonly index: Buffered;

  constructor(readonly prefix: string) {
    this.splits = new Map(SPLITS.map((s) => [s, new Buffered(splitFile(prefix, s))] as const));
    this.index = new Buffered(indexFile(prefix));
  }

  async add(r: WorkRecord): Promise<void> {
    await this.splits.get(r.split)!.write(`${JSON.stringify(r)}\n`);
    // id (base64url), split and task need no escaping.
    await this.index.write(
      `{"id":"${r.id}","split":"${r.split}","task":"${r.task}","answer_class":${JSON.stringify(r.answer_class)},"prio":${r.prio}}\n`,
    );
  }

  async close(): Promise<void> {
    for (const b of this.splits.values()) await b.close();
    await this.index.close();
  }
}
