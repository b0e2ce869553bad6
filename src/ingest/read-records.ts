import { AvakitError } from "../core/errors.js";
import { openInput } from "./open-input.js";

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

/**
 * Reads Ad Library records from a file, streaming: JSONL (one record or one saved API page
 * `{"data":[...],"paging":...}` per line), a JSON array of records, or one JSON document (a
 * pretty-printed saved page or a single record); gzip is detected by its magic bytes.
 * A line or element that is not valid JSON is yielded with `parseError`, never thrown.
 */
export async function* readRecords(path: string): AsyncGenerator<SourceRecord> {
  const { stream } = await openInput(path);
  stream.setEncoding("utf8");
  try {
    yield* readText(stream, path);
  } catch (err) {
    if (err instanceof AvakitError) throw err;
    throw new AvakitError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    stream.destroy();
  }
}

/** Above this, a file that is not JSONL is refused rather than read into memory as one document. */
const MAX_DOCUMENT = 256 * 1024 * 1024;

/**
 * The format detection and parsing of `readRecords`, on any stream of text chunks (exported so
 * tests can feed it chunks of any size).
 */
export async function* readText(
  chunks: AsyncIterable<string>,
  source: string,
): AsyncGenerator<SourceRecord> {
  // Peek at the first non-blank character to choose the format.
  const iter = chunks[Symbol.asyncIterator]();
  let head = "";
  for (;;) {
    const { value, done } = await iter.next();
    if (done) break;
    head += value;
    if (/\S/.test(head)) break;
  }
  // A UTF-8 byte order mark (files saved on Windows) is not part of the JSON.
  if (head.charCodeAt(0) === 0xfeff) head = head.slice(1);
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
  let error0: string | null = null;
  try {
    parsed0 = JSON.parse(text0);
  } catch (err) {
    error0 = (err as Error).message;
  }
  if (error0 !== null) {
    const all: [number, string][] = [[lineNo0, text0]];
    let size = text0.length;
    for await (const l of { [Symbol.asyncIterator]: () => lines }) {
      all.push(l);
      size += l[1].length + 1;
      if (size > MAX_DOCUMENT) {
        throw new AvakitError(
          `${source}: not JSONL (line ${lineNo0} is not a complete JSON value) and too large to read as one JSON document; write one record per line`,
        );
      }
    }
    const doc = all.map((l) => l[1]).join("\n");
    let value: unknown;
    try {
      value = JSON.parse(doc);
    } catch (err) {
      // Not one document. JSONL with a bad first line when most other lines are JSON objects or
      // arrays: report each line on its own. Otherwise one broken (e.g. truncated) document.
      const parsed = all.slice(1).map(([n, t]) => parseLine(n, t, source));
      const good = parsed.filter((r) => r.value !== null && typeof r.value === "object").length;
      if (parsed.length > 0 && good * 2 >= parsed.length) {
        yield { source, line: lineNo0, text: text0, parseError: error0 };
        for (const r of parsed) yield* expand(r);
      } else {
        yield { source, line: lineNo0, text: doc, parseError: (err as Error).message };
      }
      return;
    }
    yield* expand({ source, line: lineNo0, text: doc, value });
    return;
  }
  yield* expand({ source, line: lineNo0, text: text0, value: parsed0 });
  for await (const [lineNo, text] of { [Symbol.asyncIterator]: () => lines }) {
    yield* expand(parseLine(lineNo, text, source));
  }
}

function parseLine(line: number, text: string, source: string): SourceRecord {
  try {
    return { source, line, text, value: JSON.parse(text) };
  } catch (err) {
    return { source, line, text, parseError: (err as Error).message };
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
 * on its own, so one bad element is reported with its line and the rest still read. Several
 * arrays one after the other (e.g. JSONL whose lines are arrays) are read in turn; anything else
 * outside an array is reported as malformed, one record per line.
 */
export async function* readJsonArray(
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
  // Text outside any array: collected up to the end of its line, then reported.
  let junk: string | null = null;
  let junkLine = 0;
  const junkRecord = (): SourceRecord => {
    const rec: SourceRecord = {
      source,
      line: junkLine,
      text: (junk ?? "").trim(),
      parseError: "unexpected text outside the JSON array",
    };
    junk = null;
    return rec;
  };
  for await (const chunk of chunks) {
    let segStart = inElem ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) {
        line++;
        if (junk !== null) yield junkRecord();
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      const isSpace = c === 32 || c === 10 || c === 13 || c === 9;
      if (depth === 0) {
        if (junk !== null) {
          if (c !== 10 && junk.length < 1000) junk += chunk[i];
        } else if (c === 91) {
          depth = 1; // an outer '['
        } else if (!isSpace && c !== 0xfeff) {
          junk = chunk[i]!;
          junkLine = line;
        }
        continue;
      }
      if (depth === 1 && !inElem && !isSpace && c !== 44 && c !== 93) {
        inElem = true;
        segStart = i;
        elemLine = line;
      }
      if (c === 34) inString = true;
      else if (c === 91 || c === 123) depth++;
      else if (c === 125 && depth === 1) {
        // A stray '}' between elements: part of a malformed element, not the end of the array.
      } else if (c === 93 || c === 125) {
        depth--;
        if (depth === 0) {
          if (inElem) {
            elem += chunk.slice(segStart, i);
            yield parseElement(elem, elemLine, source);
          }
          inElem = false;
          elem = "";
          elemLine = 0;
        }
      } else if (c === 44 && depth === 1) {
        if (inElem) elem += chunk.slice(segStart, i);
        yield parseElement(elem, elemLine || line, source);
        inElem = false;
        elem = "";
        elemLine = 0;
        segStart = -1;
      }
    }
    if (inElem && segStart >= 0) elem += chunk.slice(segStart);
  }
  if (junk !== null) yield junkRecord();
  if (depth > 0) {
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
