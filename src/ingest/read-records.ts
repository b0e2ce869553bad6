import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AvakitError } from "../core/errors.js";

/** One record read from an input file: parsed, or the reason it could not be. */
export interface SourceRecord {
  source: string;
  /** 1-based line where the record starts. */
  line: number;
  /** The record's JSON text (for keys and quarantine). */
  text: string;
  value?: unknown;
  parseError?: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];

async function sniff(path: string): Promise<{ gzip: boolean }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch (err) {
    throw new AvakitError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      cause: err,
    });
  }
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return { gzip: bytesRead === 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1] };
  } finally {
    await fh.close();
  }
}

function openText(path: string, gzip: boolean): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!gzip) {
    raw.setEncoding("utf8");
    return raw;
  }
  const gz = raw.pipe(createGunzip());
  raw.on("error", (e) => gz.destroy(e));
  gz.setEncoding("utf8");
  return gz;
}

/**
 * Reads Ad Library records from a file, streaming: JSONL (one record or one saved API page
 * `{"data":[...],"paging":...}` per line), a JSON array of records, or one JSON document (a
 * pretty-printed saved page or a single record); gzip is detected by its magic bytes.
 * A line or element that is not valid JSON is yielded with `parseError`, never thrown.
 */
export async function* readRecords(path: string): AsyncGenerator<SourceRecord> {
  const { gzip } = await sniff(path);
  const stream = openText(path, gzip);
  try {
    yield* readStream(stream, path);
  } catch (err) {
    if (err instanceof AvakitError) throw err;
    throw new AvakitError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    stream.destroy();
  }
}

async function* readStream(stream: Readable, source: string): AsyncGenerator<SourceRecord> {
  // Peek at the first non-blank character to choose the format.
  const iter = stream[Symbol.asyncIterator]() as AsyncIterator<string>;
  let head = "";
  for (;;) {
    const { value, done } = await iter.next();
    if (done) break;
    head += value;
    if (/\S/.test(head)) break;
  }
  const rest: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => iter,
  };
  const first = head.search(/\S/);
  if (first < 0) return;
  if (head[first] === "[") {
    yield* readJsonArray(prepend(head, rest), source);
    return;
  }
  // JSONL when the first line is complete JSON; otherwise one (pretty-printed) JSON document.
  const lines = splitLines(prepend(head, rest));
  const firstLine = await lines.next();
  if (firstLine.done) return;
  const [lineNo0, text0] = firstLine.value;
  let parsed0: unknown;
  let ok0 = true;
  try {
    parsed0 = JSON.parse(text0);
  } catch {
    ok0 = false;
  }
  if (!ok0) {
    let doc = text0;
    for await (const [, t] of { [Symbol.asyncIterator]: () => lines }) {
      doc += `\n${t}`;
      if (doc.length > 256 * 1024 * 1024) {
        throw new AvakitError(
          `${source}: not JSONL (line ${lineNo0} is not a complete JSON value) and too large to read as one JSON document; write one record per line`,
        );
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(doc);
    } catch (err) {
      // Neither JSONL nor one document: report the first line as malformed, then the rest line by line.
      yield { source, line: lineNo0, text: text0, parseError: (err as Error).message };
      return;
    }
    yield* expand({ source, line: lineNo0, text: doc, value });
    return;
  }
  yield* expand({ source, line: lineNo0, text: text0, value: parsed0 });
  for await (const [lineNo, text] of { [Symbol.asyncIterator]: () => lines }) {
    try {
      const value = JSON.parse(text);
      yield* expand({ source, line: lineNo, text, value });
    } catch (err) {
      yield { source, line: lineNo, text, parseError: (err as Error).message };
    }
  }
}

/** A saved API page expands to its records; a record is itself. */
function* expand(rec: SourceRecord): Generator<SourceRecord> {
  const v = rec.value;
  if (Array.isArray(v)) {
    for (const item of v) yield { ...rec, text: JSON.stringify(item), value: item };
    return;
  }
  if (v !== null && typeof v === "object" && Array.isArray((v as { data?: unknown }).data)) {
    for (const item of (v as { data: unknown[] }).data) {
      yield { ...rec, text: JSON.stringify(item), value: item };
    }
    return;
  }
  yield rec;
}

async function* prepend(head: string, rest: AsyncIterable<string>): AsyncGenerator<string> {
  yield head;
  yield* rest;
}

/** Non-blank lines with their 1-based numbers; handles \r\n. */
async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<[number, string]> {
  let buf = "";
  let lineNo = 0;
  for await (const chunk of chunks) {
    buf += chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf("\n", start);
      if (nl < 0) break;
      lineNo++;
      let line = buf.slice(start, nl);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.trim() !== "") yield [lineNo, line];
      start = nl + 1;
    }
    buf = buf.slice(start);
  }
  if (buf.trim() !== "") yield [lineNo + 1, buf.endsWith("\r") ? buf.slice(0, -1) : buf];
}

/**
 * Streams the elements of a top-level JSON array without holding the array: a small scanner
 * tracks strings, escapes and nesting depth and cuts at depth-1 commas. Each element is parsed
 * on its own, so one bad element is reported with its line and the rest still read.
 */
async function* readJsonArray(
  chunks: AsyncIterable<string>,
  source: string,
): AsyncGenerator<SourceRecord> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let inElem = false;
  let elem = "";
  let elemLine = 0;
  let ended = false;
  for await (const chunk of chunks) {
    let segStart = inElem ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      if (ended) continue;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (depth === 0) {
        if (c === 91) depth = 1; // the outer '['
        continue;
      }
      const isSpace = c === 32 || c === 10 || c === 13 || c === 9;
      if (depth === 1 && !inElem && !isSpace && c !== 44 && c !== 93) {
        inElem = true;
        segStart = i;
        elemLine = line;
      }
      if (c === 34) inString = true;
      else if (c === 91 || c === 123) depth++;
      else if (c === 93 || c === 125) {
        depth--;
        if (depth === 0) {
          if (inElem) {
            elem += chunk.slice(segStart, i);
            yield parseElement(elem, elemLine, source);
          }
          inElem = false;
          elem = "";
          ended = true;
        }
      } else if (c === 44 && depth === 1) {
        if (inElem) elem += chunk.slice(segStart, i);
        yield parseElement(elem, elemLine || line, source);
        inElem = false;
        elem = "";
        segStart = -1;
      }
    }
    if (inElem && segStart >= 0) elem += chunk.slice(segStart);
  }
  if (!ended) {
    yield {
      source,
      line: elemLine || line,
      text: elem.trim().slice(0, 1000),
      parseError: "unexpected end of file inside the JSON array (truncated file?)",
    };
  }
}

function parseElement(text: string, line: number, source: string): SourceRecord {
  const t = text.trim();
  try {
    return { source, line, text: t, value: JSON.parse(t) };
  } catch (err) {
    return { source, line, text: t, parseError: (err as Error).message };
  }
}
