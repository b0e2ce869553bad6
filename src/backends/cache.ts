import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
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
  TopLogprobsOptions,
  TopLogprobsResult,
} from "./types.js";

/**
 * A disk cache in front of any backend, so that a rerun, or a run resumed after a crash, sends no
 * request twice.
 *
 * Key: sha256 of canonicalJson({backend, model, baseUrl, method, request}), where `request` is the
 * backend's exact request (`requestKey`: endpoint and JSON body, no API key) or, for a backend
 * without one, the call itself. One JSON file per key in `DIR/ab/abcdef....json` (2-character
 * fan-out keeps folders small), written to a temporary name in the same folder and renamed into
 * place: rename is atomic, so a kill leaves either the whole entry or none (the temporary file
 * is never read). Only successful answers are stored; a failed request is tried again next time.
 * An entry that cannot be read or does not match its key counts as `unreadable` and is refetched
 * and replaced.
 *
 * Each fan-out folder is listed once per CachedBackend, so a miss costs no file-system call;
 * entries another process writes after that listing are not seen by this one (it asks again).
 */

export const CACHE_FORMAT = 1;

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

/** Temporary names are unique per process (pid) and per write (counter). */
let tempCounter = 0;

export class CachedBackend implements Backend {
  readonly name: string;
  readonly model: string;
  readonly baseUrl?: string;
  readonly capabilities: BackendCapabilities;
  readonly letterDistribution?: (item: LetterItem) => Promise<LetterAnswer>;
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0, unreadable: 0 };
  readonly dir: string;
  readonly #inflight = new Map<string, Promise<unknown>>();
  /** Per fan-out folder: the entry names in it (null: the folder does not exist yet). */
  readonly #folders = new Map<string, Promise<Set<string> | null>>();
  readonly #creating = new Map<string, Promise<Set<string>>>();

  constructor(
    readonly inner: Backend,
    opts: CachedBackendOptions,
  ) {
    this.name = inner.name;
    this.model = inner.model;
    if (inner.baseUrl !== undefined) this.baseUrl = inner.baseUrl;
    this.capabilities = inner.capabilities;
    this.dir = opts.dir;
    // Baselines compute their answer from the item: nothing worth caching.
    if (inner.letterDistribution) this.letterDistribution = inner.letterDistribution.bind(inner);
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
    const call: BackendCall = {
      method: "generate",
      prompt,
      maxTokens: opts.maxTokens,
      temperature: opts.temperature,
      ...(opts.topP !== undefined ? { topP: opts.topP } : {}),
      ...(opts.stop !== undefined ? { stop: opts.stop } : {}),
    };
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
    const path = this.entryPath(key);
    const found = await this.read(path, key, call.method);
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
    await this.write(path, entry);
    return value;
  }

  private folder(key: string): string {
    return join(this.dir, key.slice(0, 2));
  }

  private listing(folder: string): Promise<Set<string> | null> {
    let p = this.#folders.get(folder);
    if (!p) {
      p = readdir(folder).then(
        (names) => new Set(names),
        (err: NodeJS.ErrnoException) => {
          if (err.code === "ENOENT") return null;
          throw new AvakitError(`cannot read the cache folder ${folder}: ${errorMessage(err)}`, {
            cause: err,
          });
        },
      );
      this.#folders.set(folder, p);
    }
    return p;
  }

  /** The folder's listing, creating the folder first when it does not exist (once, however many ask). */
  private async writableFolder(folder: string): Promise<Set<string>> {
    const names = await this.listing(folder);
    if (names !== null) return names;
    let p = this.#creating.get(folder);
    if (!p) {
      p = mkdir(folder, { recursive: true }).then(() => {
        const created = new Set<string>();
        this.#folders.set(folder, Promise.resolve(created));
        return created;
      });
      this.#creating.set(folder, p);
    }
    return p;
  }

  /** The stored response, or undefined when there is no usable entry. */
  private async read(path: string, key: string, method: string): Promise<unknown> {
    const names = await this.listing(this.folder(key));
    if (names === null || !names.has(`${key}.json`)) return undefined;
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
      if (e.format === CACHE_FORMAT && e.key === key && e.method === method) return e.response;
    } catch {
      // A damaged entry (copied half, edited by hand): fetch again and replace it.
    }
    this.stats.unreadable++;
    return undefined;
  }

  private async write(path: string, entry: CacheEntry): Promise<void> {
    const folder = this.folder(entry.key);
    const tmp = `${path}.${process.pid}.${++tempCounter}.tmp`;
    try {
      const names = await this.writableFolder(folder);
      await writeFile(tmp, JSON.stringify(entry));
      await rename(tmp, path);
      names.add(`${entry.key}.json`);
      this.stats.writes++;
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw new AvakitError(`cannot write the cache entry ${path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
}
