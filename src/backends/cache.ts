import { close, open, write } from "node:fs";
import {
  mkdir,
  open as openFile,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { AvakitError, errorMessage } from "../core/errors.js";
import { canonicalJson, sha256 } from "../core/hash.js";
import { isObj } from "./response-shape.js";
import type {
  Backend,
  BackendCall,
  BackendCapabilities,
  GenerateOptions,
  GenerateResult,
  LetterAnswer,
  LetterItem,
  Prompt,
  PromptLogprobsOptions,
  PromptLogprobsResult,
  TopLogprobsOptions,
  TopLogprobsResult,
} from "./types.js";
import { generateCall } from "./types.js";

/**
 * A disk cache in front of any backend, so that a rerun, or a run resumed after a crash, sends no
 * request twice.
 *
 * Key: sha256 of canonicalJson({backend, model, baseUrl, method, request}), where `request` is the
 * backend's exact request (`requestKey`: endpoint and JSON body, no API key) or, for a backend
 * without one, the call itself.
 *
 * Layout (format 2): append-only logs `DIR/log-*.jsonl`, one per CachedBackend that wrote (so two
 * processes never append to the same file). Each line is `CHECKSUM ENTRY_JSON\n` with CHECKSUM
 * the first 16 hex digits of sha256(ENTRY_JSON). All logs are read once, when the first call
 * needs them; a line that is cut short (a kill in the middle of a write leaves at most the last
 * line of a log without its newline), fails its checksum or does not match its key is not used
 * (counted `unreadable`) and its request is sent again. A call returns only after its entry's
 * write has completed, and writes are batched (one write(2) for all entries finished meanwhile),
 * so at --concurrency 32 the cache costs about one system call per batch instead of four per
 * entry. Only successful answers are stored; a failed request is tried again next time.
 *
 * Format 1 (one JSON file per key in `DIR/ab/abcdef....json`, written to a temporary name and
 * renamed into place) is still read, so older caches keep answering; new entries go to the log.
 * Entries another process writes after this one read the logs are not seen by this one.
 */

export const CACHE_FORMAT = 2;
/** The per-file layout of earlier versions, still read. */
const FILE_FORMAT = 1;
const CHECKSUM_HEX = 16;

/** The checksum of a log line's entry JSON. */
export function cacheLineChecksum(entryJson: string): string {
  return sha256(entryJson).slice(0, CHECKSUM_HEX);
}

export interface CacheStats {
  /** Calls answered from disk (or from an identical call in flight). */
  hits: number;
  /** Calls sent to the backend. */
  misses: number;
  writes: number;
  /** Entries present but unreadable (refetched and replaced). */
  unreadable: number;
}

export interface CachedBackendOptions {
  /** The cache folder (created when needed). */
  dir: string;
}

interface CacheEntry {
  format: number;
  key: string;
  backend: string;
  model: string;
  baseUrl: string | null;
  method: BackendCall["method"];
  request: unknown;
  response: unknown;
  savedAt: string;
}

const isTop = (v: unknown): v is TopLogprobsResult =>
  isObj(v) &&
  Array.isArray(v.tokens) &&
  v.tokens.every((t) => isObj(t) && typeof t.token === "string" && typeof t.logprob === "number");

const isGen = (v: unknown): v is GenerateResult => isObj(v) && typeof v.text === "string";

const isPromptLp = (v: unknown): v is PromptLogprobsResult =>
  isObj(v) &&
  Array.isArray(v.tokens) &&
  v.tokens.every(
    (t) =>
      isObj(t) &&
      typeof t.token === "string" &&
      typeof t.offset === "number" &&
      (t.logprob === null || typeof t.logprob === "number"),
  );

/** A prompt token's null means "first token, no context"; −Infinity is stored as "-inf". */
function promptForDisk(r: PromptLogprobsResult): unknown {
  return {
    ...r,
    tokens: r.tokens.map((t) => ({
      ...t,
      logprob: t.logprob !== null && !Number.isFinite(t.logprob) ? "-inf" : t.logprob,
    })),
  };
}

function promptFromDisk(v: unknown): unknown {
  if (!isObj(v) || !Array.isArray(v.tokens)) return v;
  return {
    ...v,
    tokens: v.tokens.map((t: unknown) =>
      isObj(t) && t.logprob === "-inf" ? { ...t, logprob: Number.NEGATIVE_INFINITY } : t,
    ),
  };
}

/** -Infinity does not survive JSON; store it as null and read it back. */
function topForDisk(r: TopLogprobsResult): unknown {
  return {
    ...r,
    tokens: r.tokens.map((t) => ({
      token: t.token,
      logprob: Number.isFinite(t.logprob) ? t.logprob : null,
    })),
  };
}

function topFromDisk(v: unknown): unknown {
  if (!isObj(v) || !Array.isArray(v.tokens)) return v;
  return {
    ...v,
    tokens: v.tokens.map((t: unknown) =>
      isObj(t) && t.logprob === null ? { ...t, logprob: Number.NEGATIVE_INFINITY } : t,
    ),
  };
}

export class CachedBackend implements Backend {
  readonly name: string;
  readonly model: string;
  readonly baseUrl?: string;
  readonly capabilities: BackendCapabilities;
  readonly letterDistribution?: (item: LetterItem) => Promise<LetterAnswer>;
  /** Present (and cached) when the backend behind it has prompt log-probabilities. */
  readonly promptLogprobs?: (
    text: string,
    opts?: PromptLogprobsOptions,
  ) => Promise<PromptLogprobsResult>;
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0, unreadable: 0 };
  readonly dir: string;
  /** Where this instance's entries go (unique per process and instance). */
  readonly logPath: string;
  readonly #inflight = new Map<string, Promise<unknown>>();
  /** Everything the logs held when first read (and what this instance wrote since), by key. */
  #loaded: Promise<LoadedCache> | null = null;
  /** This instance's log: opened on the first write. */
  #log: Promise<number> | null = null;
  #queue: Array<{ line: string; done: (err: Error | null) => void }> = [];
  #writing = false;

  constructor(
    readonly inner: Backend,
    opts: CachedBackendOptions,
  ) {
    this.name = inner.name;
    this.model = inner.model;
    if (inner.baseUrl !== undefined) this.baseUrl = inner.baseUrl;
    this.capabilities = inner.capabilities;
    this.dir = opts.dir;
    this.logPath = join(
      this.dir,
      `log-${process.pid}-${Date.now().toString(36)}-${++logCounter}.jsonl`,
    );
    // Baselines compute their answer from the item: nothing worth caching.
    if (inner.letterDistribution) this.letterDistribution = inner.letterDistribution.bind(inner);
    const promptLp = inner.promptLogprobs?.bind(inner);
    if (promptLp) {
      this.promptLogprobs = (text, o) =>
        this.cached(
          { method: "promptLogprobs", prompt: text },
          () => promptLp(text, o),
          isPromptLp,
          promptForDisk,
          promptFromDisk,
        );
    }
  }

  requestKey(call: BackendCall): unknown {
    return this.inner.requestKey ? this.inner.requestKey(call) : call;
  }

  /** The cache key of a call. */
  key(call: BackendCall, request: unknown = this.requestKey(call)): string {
    return sha256(
      canonicalJson({
        backend: this.inner.name,
        model: this.inner.model,
        baseUrl: this.inner.baseUrl ?? null,
        method: call.method,
        request,
      }),
    );
  }

  /** Where a key's entry lives. */
  entryPath(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  topLogprobs(prompt: Prompt, opts: TopLogprobsOptions): Promise<TopLogprobsResult> {
    return this.cached(
      { method: "topLogprobs", prompt, k: opts.k },
      () => this.inner.topLogprobs(prompt, opts),
      isTop,
      topForDisk,
      topFromDisk,
    );
  }

  generate(prompt: Prompt, opts: GenerateOptions): Promise<GenerateResult> {
    const call = generateCall(prompt, opts);
    return this.cached(call, () => this.inner.generate(prompt, opts), isGen);
  }

  private async cached<T>(
    call: BackendCall,
    fetchFn: () => Promise<T>,
    valid: (v: unknown) => v is T,
    toDisk: (v: T) => unknown = (v) => v,
    fromDisk: (v: unknown) => unknown = (v) => v,
  ): Promise<T> {
    const request = this.requestKey(call);
    const key = this.key(call, request);
    const pending = this.#inflight.get(key);
    if (pending) {
      this.stats.hits++;
      return pending as Promise<T>;
    }
    const p = this.lookupOrFetch(call, request, key, fetchFn, valid, toDisk, fromDisk);
    this.#inflight.set(key, p);
    try {
      return await p;
    } finally {
      this.#inflight.delete(key);
    }
  }

  private async lookupOrFetch<T>(
    call: BackendCall,
    request: unknown,
    key: string,
    fetchFn: () => Promise<T>,
    valid: (v: unknown) => v is T,
    toDisk: (v: T) => unknown,
    fromDisk: (v: unknown) => unknown,
  ): Promise<T> {
    const found = await this.read(key, call.method);
    if (found !== undefined) {
      const value = fromDisk(found);
      if (valid(value)) {
        this.stats.hits++;
        return value;
      }
      this.stats.unreadable++;
    }
    this.stats.misses++;
    const value = await fetchFn();
    const entry: CacheEntry = {
      format: CACHE_FORMAT,
      key,
      backend: this.inner.name,
      model: this.inner.model,
      baseUrl: this.inner.baseUrl ?? null,
      method: call.method,
      request,
      response: toDisk(value),
      savedAt: new Date().toISOString(),
    };
    await this.append(entry);
    return value;
  }

  /** Reads every log (and notes which format-1 fan-out folders exist), once. */
  private load(): Promise<LoadedCache> {
    if (!this.#loaded) this.#loaded = loadCache(this.dir);
    return this.#loaded;
  }

  /** The stored response, or undefined when there is no usable entry. */
  private async read(key: string, method: string): Promise<unknown> {
    const loaded = await this.load();
    const e = loaded.entries.get(key);
    if (e !== undefined) {
      if (e.method === method) return e.response;
      this.stats.unreadable++;
      return undefined;
    }
    if (loaded.bad.has(key)) {
      loaded.bad.delete(key);
      this.stats.unreadable++;
    }
    if (!loaded.folders.has(key.slice(0, 2))) return undefined;
    return this.readFileEntry(key, method);
  }

  /** A format-1 entry file. */
  private async readFileEntry(key: string, method: string): Promise<unknown> {
    const path = this.entryPath(key);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new AvakitError(`cannot read the cache entry ${path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    try {
      const e = JSON.parse(text) as Partial<CacheEntry>;
      if (e.format === FILE_FORMAT && e.key === key && e.method === method) return e.response;
    } catch {
      // A damaged entry (copied half, edited by hand): fetch again; the log's entry wins next time.
    }
    this.stats.unreadable++;
    return undefined;
  }

  /** Appends the entry to this instance's log; resolves once its write has completed. */
  private async append(entry: CacheEntry): Promise<void> {
    const json = JSON.stringify(entry);
    const line = `${cacheLineChecksum(json)} ${json}\n`;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#queue.push({ line, done: (err) => (err ? reject(err) : resolve()) });
        void this.flush();
      });
    } catch (err) {
      throw new AvakitError(`cannot write the cache log ${this.logPath}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    const loaded = await this.load();
    loaded.entries.set(entry.key, { method: entry.method, response: entry.response });
    this.stats.writes++;
  }

  /** Writes everything queued in one write(2), again while more arrived meanwhile. */
  private async flush(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        try {
          const fd = await this.openLog();
          await writeAll(fd, Buffer.from(batch.map((b) => b.line).join(""), "utf8"));
          for (const b of batch) b.done(null);
        } catch (err) {
          for (const b of batch) b.done(err as Error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  private openLog(): Promise<number> {
    if (!this.#log) {
      const p = mkdir(this.dir, { recursive: true }).then(
        () =>
          new Promise<number>((resolve, reject) =>
            open(this.logPath, "a", (err, fd) => (err ? reject(err) : resolve(fd))),
          ),
      );
      p.catch(() => {
        this.#log = null;
      });
      this.#log = p;
    }
    return this.#log;
  }

  /**
   * Closes this instance's log (entries are on disk already; later writes reopen it) and frees
   * what the backend behind it holds.
   */
  async close(): Promise<void> {
    const log = this.#log;
    this.#log = null;
    if (log) {
      const fd = await log.catch(() => null);
      if (fd !== null) await new Promise<void>((resolve) => close(fd, () => resolve()));
    }
    await this.inner.close?.();
  }
}

let logCounter = 0;

interface LoadedCache {
  entries: Map<string, { method: string; response: unknown }>;
  /** Keys of log lines that were present but unusable (counted once when asked for). */
  bad: Set<string>;
  /** Format-1 fan-out folders present ("ab"). */
  folders: Set<string>;
}

const LOG_FILE = /^log-.*\.jsonl$/;
const FANOUT = /^[0-9a-f]{2}$/;

async function loadCache(dir: string): Promise<LoadedCache> {
  const out: LoadedCache = { entries: new Map(), bad: new Set(), folders: new Set() };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw new AvakitError(`cannot read the cache folder ${dir}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  for (const name of names.sort()) {
    if (FANOUT.test(name)) {
      out.folders.add(name);
      continue;
    }
    if (!LOG_FILE.test(name)) continue;
    const path = join(dir, name);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      throw new AvakitError(`cannot read the cache log ${path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    for (const line of logLines(text)) {
      const e = parseLogLine(line);
      if (e.ok) {
        out.entries.set(e.key, { method: e.method, response: e.entry.response });
        out.bad.delete(e.key);
      } else if (e.key !== null && !out.entries.has(e.key)) {
        out.bad.add(e.key);
      }
    }
  }
  return out;
}

/** A log's complete lines (the last one without its newline, a write cut short by a kill, is not). */
function* logLines(text: string): Generator<string> {
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return;
    const line = text.slice(start, nl);
    start = nl + 1;
    if (line !== "") yield line;
  }
}

type ParsedLine =
  | { ok: true; key: string; method: string; entry: Partial<CacheEntry> }
  | { ok: false; key: string | null };

/** A log line checked: checksum, format, key and method. */
function parseLogLine(line: string): ParsedLine {
  const sp = line.indexOf(" ");
  const json = sp < 0 ? "" : line.slice(sp + 1);
  let e: Partial<CacheEntry> | null = null;
  try {
    e = JSON.parse(json) as Partial<CacheEntry>;
  } catch {
    e = null;
  }
  const key = typeof e?.key === "string" ? e.key : null;
  if (
    e !== null &&
    key !== null &&
    line.slice(0, sp) === cacheLineChecksum(json) &&
    e.format === CACHE_FORMAT &&
    typeof e.method === "string" &&
    key.length === 64
  ) {
    return { ok: true, key, method: e.method, entry: e };
  }
  return { ok: false, key };
}

export interface CompactStats {
  /** Log files read (and replaced by one). */
  logsBefore: number;
  /** Entries in the compacted log (one per key). */
  entries: number;
  /** Lines dropped because a later line had the same key. */
  duplicates: number;
  /** Lines dropped because they were cut short or failed their checksum. */
  unreadable: number;
  bytesBefore: number;
  bytesAfter: number;
  /** The compacted log (null when there was nothing to compact). */
  path: string | null;
}

/** Logs written to less than this long ago may belong to a running eval: compact refuses them. */
export const COMPACT_QUIET_MS = 60_000;

/**
 * Rewrites a cache folder's logs as one: every usable entry once (the last line of a key wins,
 * as when the logs are read), cut and damaged lines dropped. The new log is written under a
 * temporary name, flushed and renamed into place before the old logs are removed, so a kill at
 * any moment leaves either the old logs or the new one (or both, which read the same). Format-1
 * entry files are left as they are. Another process appending to a log while it is compacted
 * would lose what it appends afterwards, so logs modified within the last minute make it refuse
 * unless `force`.
 */
export async function compactCache(
  dir: string,
  opts: { force?: boolean; now?: number } = {},
): Promise<CompactStats> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => LOG_FILE.test(n)).sort();
  } catch (err) {
    throw new AvakitError(`cannot read the cache folder ${dir}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const stats: CompactStats = {
    logsBefore: names.length,
    entries: 0,
    duplicates: 0,
    unreadable: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    path: null,
  };
  if (names.length === 0) return stats;
  const now = opts.now ?? Date.now();
  const lines = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    const st = await stat(path);
    if (!opts.force && now - st.mtimeMs < COMPACT_QUIET_MS) {
      throw new AvakitError(
        `the cache log ${path} was written ${Math.round((now - st.mtimeMs) / 1000)} s ago: an eval may still be using ${dir} (stop it, or pass --force)`,
      );
    }
    stats.bytesBefore += st.size;
    const text = await readFile(path, "utf8");
    const complete = text.endsWith("\n") || text === "" ? 0 : 1;
    stats.unreadable += complete;
    for (const line of logLines(text)) {
      const e = parseLogLine(line);
      if (!e.ok) {
        stats.unreadable++;
        continue;
      }
      if (lines.has(e.key)) {
        stats.duplicates++;
        lines.delete(e.key); // re-insert: the kept line takes the position of the last one
      }
      lines.set(e.key, line);
    }
  }
  stats.entries = lines.size;
  const body = lines.size === 0 ? "" : `${[...lines.values()].join("\n")}\n`;
  const final = join(dir, `log-compact-${process.pid}-${now.toString(36)}.jsonl`);
  const tmp = `${final}.tmp`;
  await writeFile(tmp, body, "utf8");
  const fh = await openFile(tmp, "r");
  await fh.sync();
  await fh.close();
  await rename(tmp, final);
  for (const name of names) {
    const path = join(dir, name);
    if (path !== final) await unlink(path);
  }
  stats.bytesAfter = Buffer.byteLength(body, "utf8");
  stats.path = final;
  return stats;
}

function writeAll(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (offset: number) => {
      write(fd, buf, offset, buf.length - offset, null, (err, n) => {
        if (err) return reject(err);
        if (offset + n < buf.length) step(offset + n);
        else resolve();
      });
    };
    step(0);
  });
}
