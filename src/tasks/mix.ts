import { StringDecoder } from "node:string_decoder";
import { AvakitError, UsageError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { openInput } from "../ingest/open-input.js";

/**
 * Mixing general chat data into the AVA instructions (§4.1: "To maintain conversational
 * capabilities, we incorporated data from ShareGPT"). A mix is `FILE:RATIO`; its conversations
 * are read in ShareGPT or OpenAI form, mapped to chat roles, and a seeded sample of them is
 * added to the training set.
 *
 * Design notes.
 * - RATIO is relative by default (`0.25`: a quarter as many mixed records as AVA records), as
 *   mixes are usually stated; `5000n` asks for an absolute count, and `all` for every usable
 *   conversation of the file. Asking for more than the file holds is an error, never a silent
 *   upsample.
 * - A malformed line is an error naming FILE:LINE by default (a truncated download should stop a
 *   build); `skipBad` skips and counts such lines instead. Conversations with no text at all
 *   are skipped and counted, never an error.
 * - The sample's priority is sha256(seed, line), so the same file and seed give the same sample
 *   whatever order the records arrive in, and sampling keeps only n records in memory.
 */

export type MixRatio =
  | { kind: "fraction"; fraction: number }
  | { kind: "count"; count: number }
  | { kind: "all" };

export interface MixSpec {
  file: string;
  ratio: MixRatio;
  /** The spec as written (for messages and the build's saved config). */
  text: string;
}

/**
 * Parses `FILE:RATIO`, splitting at the last colon (so `C:\data\sg.json:0.25` works):
 * `0.25` (a positive decimal: that fraction of the AVA records; above 1 allowed), `5000n` (an
 * absolute count) or `all`.
 */
export function parseMixSpec(text: string): MixSpec {
  const bad = (why: string) =>
    new UsageError(
      `bad mix spec "${text}": ${why}; use FILE:FRACTION (e.g. sharegpt.json:0.25, a quarter as many records as the AVA records), FILE:COUNTn (e.g. sharegpt.json:5000n) or FILE:all`,
    );
  const colon = text.lastIndexOf(":");
  if (colon < 0) throw bad("no ratio");
  const file = text.slice(0, colon);
  const r = text.slice(colon + 1).trim();
  if (file.trim() === "") throw bad("no file");
  if (r === "") throw bad("no ratio after the colon");
  if (r.toLowerCase() === "all") return { file, ratio: { kind: "all" }, text };
  const count = /^(\d+)n$/i.exec(r);
  if (count) {
    const n = Number(count[1]);
    if (!Number.isSafeInteger(n) || n < 1) throw bad(`the count must be a whole number ≥ 1`);
    return { file, ratio: { kind: "count", count: n }, text };
  }
  if (!/^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(r)) {
    throw bad(`"${r}" is not a fraction, a count with an n suffix, or all`);
  }
  const fraction = Number(r);
  if (!Number.isFinite(fraction) || fraction <= 0) throw bad("the fraction must be above 0");
  return { file, ratio: { kind: "fraction", fraction }, text };
}

/**
 * How many mixed records a spec asks for next to `avaRecords` AVA records: round(fraction ×
 * avaRecords) (at least 1 when the fraction and the AVA records are above 0), the count, or
 * null for `all`.
 */
export function mixCount(spec: MixSpec, avaRecords: number): number | null {
  switch (spec.ratio.kind) {
    case "all":
      return null;
    case "count":
      return spec.ratio.count;
    case "fraction":
      return avaRecords > 0 ? Math.max(1, Math.round(spec.ratio.fraction * avaRecords)) : 0;
  }
}

export type ChatRole = "system" | "user" | "assistant";

export interface ChatRecord {
  messages: { role: ChatRole; content: string }[];
  /** The file it was read from, as given. */
  source: string;
  /** 1-based line where the record starts (JSONL: its line; a JSON array: its element's first line). */
  line: number;
}

export interface ChatReadCounts {
  /** Conversations yielded. */
  records: number;
  /** Conversations without any text, skipped. */
  empty: number;
  /** Malformed records skipped (only with `skipBad`; otherwise the first one is an error). */
  bad: number;
  /** The first few skipped bad records, as FILE:LINE: why. */
  badExamples: string[];
}

export interface ReadChatOptions {
  /** Skip malformed records and count them instead of failing (default false). */
  skipBad?: boolean;
}

/** The records of a chat file, with counts filled in as it is read. */
export interface ChatRecordStream extends AsyncIterable<ChatRecord> {
  readonly counts: ChatReadCounts;
}

/** ShareGPT's speaker names → chat roles (`chatgpt`, `user`, `assistant` occur in some dumps). */
const SHAREGPT_ROLES: Readonly<Record<string, ChatRole>> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  chatgpt: "assistant",
  assistant: "assistant",
  system: "system",
};
const OPENAI_ROLES: ReadonlySet<string> = new Set(["system", "user", "assistant"]);
const BAD_EXAMPLES = 5;

class BadRecord extends Error {}

/**
 * Reads a chat file: ShareGPT as a JSON array (`[{"conversations": [{"from", "value"}]}]`, the
 * form ShareGPT dumps come in, read element by element so a file larger than a JS string is
 * fine) or as JSONL, and OpenAI's `{"messages": [{"role", "content"}]}` JSONL (a JSON array of
 * those too). The form is decided per record. Gzip is detected by its magic bytes. Blank lines
 * are skipped.
 */
export function readChatRecords(file: string, opts: ReadChatOptions = {}): ChatRecordStream {
  const counts: ChatReadCounts = { records: 0, empty: 0, bad: 0, badExamples: [] };
  return {
    counts,
    async *[Symbol.asyncIterator]() {
      for await (const { text, line } of jsonRecords(file)) {
        let messages: ChatRecord["messages"];
        try {
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (err) {
            throw new BadRecord(`not JSON (${(err as Error).message})`);
          }
          messages = chatMessages(value);
        } catch (err) {
          if (!(err instanceof BadRecord)) throw err;
          const where = `${file}:${line}: ${err.message}`;
          if (!opts.skipBad) {
            throw new AvakitError(
              `${where} (expected {"conversations":[{"from","value"}]} or {"messages":[{"role","content"}]})`,
            );
          }
          counts.bad++;
          if (counts.badExamples.length < BAD_EXAMPLES) counts.badExamples.push(where);
          continue;
        }
        if (!messages.some((m) => m.content.trim() !== "")) {
          counts.empty++;
          continue;
        }
        counts.records++;
        yield { messages, source: file, line };
      }
    },
  };
}

/** One record's messages, in ShareGPT or OpenAI form; BadRecord says what is wrong. */
function chatMessages(value: unknown): ChatRecord["messages"] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BadRecord("a record must be a JSON object");
  }
  const o = value as Record<string, unknown>;
  if (o.conversations !== undefined) {
    if (!Array.isArray(o.conversations)) throw new BadRecord('"conversations" is not a list');
    return o.conversations.map((t: unknown, i) => {
      const turn = t as Record<string, unknown> | null;
      if (turn === null || typeof turn !== "object") {
        throw new BadRecord(`conversations[${i}] is not an object`);
      }
      const from = typeof turn.from === "string" ? turn.from : undefined;
      const role = from === undefined ? undefined : SHAREGPT_ROLES[from.toLowerCase()];
      if (role === undefined) {
        throw new BadRecord(
          `conversations[${i}].from is ${JSON.stringify(turn.from)}, not human, gpt or system`,
        );
      }
      if (typeof turn.value !== "string") {
        throw new BadRecord(`conversations[${i}].value is not a string`);
      }
      return { role, content: turn.value };
    });
  }
  if (o.messages !== undefined) {
    if (!Array.isArray(o.messages)) throw new BadRecord('"messages" is not a list');
    return o.messages.map((t: unknown, i) => {
      const m = t as Record<string, unknown> | null;
      if (m === null || typeof m !== "object") {
        throw new BadRecord(`messages[${i}] is not an object`);
      }
      if (typeof m.role !== "string" || !OPENAI_ROLES.has(m.role)) {
        throw new BadRecord(
          `messages[${i}].role is ${JSON.stringify(m.role)}, not system, user or assistant`,
        );
      }
      return { role: m.role as ChatRole, content: textContent(m.content, `messages[${i}]`) };
    });
  }
  throw new BadRecord('no "conversations" or "messages" list');
}

/** A message's content: a string, or OpenAI's list of text parts (joined). */
function textContent(content: unknown, where: string): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p: unknown, j) => {
        const part = p as Record<string, unknown> | null;
        if (part !== null && typeof part === "object" && typeof part.text === "string") {
          return part.text;
        }
        throw new BadRecord(`${where}.content[${j}] is not a text part`);
      })
      .join("");
  }
  throw new BadRecord(`${where}.content is not a string`);
}

/**
 * The raw JSON text of each record of a file with the line it starts on: the lines of a JSONL
 * file, or the elements of a top-level JSON array (when the first non-blank character is `[`).
 */
async function* jsonRecords(file: string): AsyncGenerator<{ text: string; line: number }> {
  const input = await openInput(file);
  const decoder = new StringDecoder("utf8");
  let mode: "unknown" | "jsonl" | "array" = "unknown";
  let line = 1;
  // JSONL: the current line so far.
  let partial = "";
  // Array: the element being collected and the scanner's state.
  let elem: string[] = [];
  let elemStart = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let arrayDone = false;

  const scanArray = function* (
    chunk: string,
  ): Generator<{ text: string; line: number }, void, undefined> {
    let from = -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (depth === 0) {
        // Between elements: whitespace, commas, the closing bracket.
        if (c === 32 || c === 9 || c === 10 || c === 13 || c === 44) continue;
        if (c === 93) {
          arrayDone = true;
          continue;
        }
        if (arrayDone) throw new AvakitError(`${file}:${line}: text after the closing ]`);
        if (c !== 123 && c !== 91) {
          throw new AvakitError(
            `${file}:${line}: an element of the top-level JSON array is not an object (found ${JSON.stringify(chunk[i])})`,
          );
        }
        from = i;
        elemStart = line;
        depth = 1;
        continue;
      }
      if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        depth--;
        if (depth === 0) {
          elem.push(chunk.slice(Math.max(from, 0), i + 1));
          from = -1;
          yield { text: elem.join(""), line: elemStart };
          elem = [];
        }
      }
    }
    if (depth > 0 || inString) elem.push(chunk.slice(Math.max(from, 0)));
  };

  try {
    for await (const buf of input.stream) {
      let chunk = decoder.write(buf as Buffer);
      if (mode === "unknown") {
        const first = chunk.replace(/^\uFEFF/, "").search(/\S/);
        if (first < 0) {
          line += countNewlines(chunk);
          continue;
        }
        chunk = chunk.replace(/^\uFEFF/, "");
        if (chunk[first] === "[") {
          mode = "array";
          line += countNewlines(chunk.slice(0, first));
          chunk = chunk.slice(first + 1);
          depth = 0;
        } else {
          mode = "jsonl";
        }
      }
      if (mode === "array") {
        yield* scanArray(chunk);
        continue;
      }
      partial += chunk;
      let start = 0;
      for (;;) {
        const nl = partial.indexOf("\n", start);
        if (nl < 0) break;
        const text = partial.slice(start, nl);
        if (text.trim() !== "") yield { text, line };
        line++;
        start = nl + 1;
      }
      partial = partial.slice(start);
    }
    const rest = decoder.end();
    if (mode === "array") {
      yield* scanArray(rest);
      if (depth > 0 || inString || !arrayDone) {
        throw new AvakitError(
          `${file}:${depth > 0 || inString ? elemStart : line}: the JSON array ends early (a truncated file?)`,
        );
      }
    } else {
      partial += rest;
      if (partial.trim() !== "") yield { text: partial, line };
    }
  } finally {
    input.stream.destroy();
    input.raw.destroy();
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/** A record's sampling priority: smaller is picked first. Depends on the seed and line only. */
export function mixPriority(seed: number | string, line: number): string {
  return sha256(`avakit-mix\n${seed}\n${line}`);
}

/**
 * Picks exactly `n` records: those with the smallest priority sha256(seed, line), the same
 * whatever order they come in (ties, records of several files on one line, break on source).
 * Keeps only n records in memory. Returned in file order (source, line). Fewer than n records
 * is an error naming the file.
 */
export async function sampleMix(
  records: Iterable<ChatRecord> | AsyncIterable<ChatRecord>,
  n: number,
  seed: number | string,
): Promise<ChatRecord[]> {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new AvakitError(`a mix sample size must be a whole number ≥ 0, got ${n}`);
  }
  // A max-heap of the n smallest priorities seen so far.
  const heap: { key: string; rec: ChatRecord }[] = [];
  const before = (a: { key: string; rec: ChatRecord }, b: { key: string; rec: ChatRecord }) =>
    a.key < b.key || (a.key === b.key && a.rec.source < b.rec.source);
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(heap[p]!, heap[i]!)) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[m]!, heap[l]!)) m = l;
      if (r < heap.length && before(heap[m]!, heap[r]!)) m = r;
      if (m === i) return;
      [heap[m], heap[i]] = [heap[i]!, heap[m]!];
      i = m;
    }
  };
  let seen = 0;
  let source: string | undefined;
  for await (const rec of records) {
    seen++;
    source ??= rec.source;
    if (n === 0) continue;
    const e = { key: mixPriority(seed, rec.line), rec };
    if (heap.length < n) {
      heap.push(e);
      up(heap.length - 1);
    } else if (before(e, heap[0]!)) {
      heap[0] = e;
      down(0);
    }
  }
  if (seen < n) {
    throw new AvakitError(
      `the mix asks for ${n} records but ${source ?? "its file"} has only ${seen} usable conversations; lower the ratio, or use FILE:all`,
    );
  }
  return heap
    .map((e) => e.rec)
    .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : a.line - b.line));
}
