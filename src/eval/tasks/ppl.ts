/**
 * Perplexity of a ground-truth response given its prompt (§4 "Perplexity": the paper compares
 * the average perplexity of generating the ground-truth ad before and after training), from the
 * log-probabilities of the prompt's own tokens that an OpenAI-compatible completions server
 * returns with `echo` (OpenAIBackend.promptLogprobs). The text sent is context + " " + response;
 * the response's tokens are those that end after the context (a token straddling the boundary,
 * such as " Best" carrying the joining space, counts for the response, as lm-evaluation-harness
 * moves the context's trailing space onto the continuation). PPL = exp(−mean log-probability of
 * those tokens).
 */
import { appendFile, mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CachedBackend, cacheLineChecksum } from "../../backends/cache.js";
import type { Backend, PromptLogprobsResult, PromptToken } from "../../backends/types.js";
import { AvakitError, errorMessage } from "../../core/errors.js";
import { canonicalJson, sha256 } from "../../core/hash.js";

/** Log-probabilities of the response's tokens: those ending after `contextLength`. */
export function responseLogprobs(
  tokens: readonly PromptToken[],
  contextLength: number,
  textLength: number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const end = tokens[i + 1]?.offset ?? textLength;
    if (end <= contextLength) continue;
    if (t.logprob === null || !Number.isFinite(t.logprob)) {
      throw new AvakitError(
        `token ${i} (${JSON.stringify(t.token)}) of the response has no finite log-probability`,
      );
    }
    out.push(t.logprob);
  }
  if (out.length === 0) throw new AvakitError("the response has no tokens in the echoed prompt");
  return out;
}

/** exp(−mean log-probability). */
export function perplexity(logprobs: readonly number[]): number {
  if (logprobs.length === 0) throw new AvakitError("perplexity of no tokens");
  let s = 0;
  for (const l of logprobs) s += l;
  return Math.exp(-s / logprobs.length);
}

/** What perplexity needs from a backend. */
export interface PromptLogprobSource {
  promptLogprobs(text: string): Promise<PromptLogprobsResult>;
  /** Requests sent to the server (not answered from the cache). */
  readonly sent: number;
}

/**
 * The backend's prompt log-probabilities (cached in `cacheDir` when given, or in the
 * CachedBackend's folder), or why there are none.
 */
export function promptLogprobSource(
  backend: Backend,
  cacheDir?: string,
): PromptLogprobSource | { reason: string } {
  const inner = backend instanceof CachedBackend ? backend.inner : backend;
  const dir = cacheDir ?? (backend instanceof CachedBackend ? backend.dir : undefined);
  const spec = `${inner.name}${inner.model ? `:${inner.model}` : ""}`;
  if (!inner.capabilities.promptLogprobs || !inner.promptLogprobs) {
    const why =
      inner.name === "openai"
        ? "the chat API gives no prompt log-probabilities (use --api completions on a server with echo, e.g. vLLM)"
        : inner.name === "ollama"
          ? "Ollama returns log-probabilities of generated tokens only"
          : "this backend has no tokens";
    return { reason: `not computed: ${spec} has no prompt log-probabilities (${why})` };
  }
  return dir === undefined ? new DirectSource(inner) : new CachedSource(inner, dir);
}

class DirectSource implements PromptLogprobSource {
  sent = 0;
  constructor(readonly backend: Backend) {}
  promptLogprobs(text: string): Promise<PromptLogprobsResult> {
    this.sent++;
    return this.backend.promptLogprobs!(text);
  }
}

/**
 * A disk cache for prompt log-probabilities, in the request cache's folder and line format
 * (backends/cache.ts: `CHECKSUM ENTRY_JSON` lines in `log-*.jsonl`, key = sha256 of the canonical
 * {backend, model, baseUrl, method, request}), so CachedBackend reads past these lines and a later
 * CachedBackend.promptLogprobs could answer from them. It lives here because CachedBackend does
 * not (yet) wrap promptLogprobs.
 */
class CachedSource implements PromptLogprobSource {
  sent = 0;
  #loaded: Promise<Map<string, PromptLogprobsResult>> | null = null;
  readonly #log: string;
  constructor(
    readonly backend: Backend,
    readonly dir: string,
  ) {
    this.#log = join(dir, `log-ppl-${process.pid}-${Date.now().toString(36)}-${++counter}.jsonl`);
  }

  key(text: string): { key: string; request: unknown } {
    const call = { method: "promptLogprobs" as const, prompt: text };
    const request = this.backend.requestKey ? this.backend.requestKey(call) : call;
    const key = sha256(
      canonicalJson({
        backend: this.backend.name,
        model: this.backend.model,
        baseUrl: this.backend.baseUrl ?? null,
        method: "promptLogprobs",
        request,
      }),
    );
    return { key, request };
  }

  private load(): Promise<Map<string, PromptLogprobsResult>> {
    this.#loaded ??= loadEntries(this.dir);
    return this.#loaded;
  }

  async promptLogprobs(text: string): Promise<PromptLogprobsResult> {
    const { key, request } = this.key(text);
    const entries = await this.load();
    const hit = entries.get(key);
    if (hit) return hit;
    this.sent++;
    const value = await this.backend.promptLogprobs!(text);
    const json = JSON.stringify({
      format: 2,
      key,
      backend: this.backend.name,
      model: this.backend.model,
      baseUrl: this.backend.baseUrl ?? null,
      method: "promptLogprobs",
      request,
      response: value,
      savedAt: new Date().toISOString(),
    });
    try {
      await mkdir(this.dir, { recursive: true });
      await appendFile(this.#log, `${cacheLineChecksum(json)} ${json}\n`);
    } catch (err) {
      throw new AvakitError(`cannot write the cache log ${this.#log}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    entries.set(key, value);
    return value;
  }
}

let counter = 0;

async function loadEntries(dir: string): Promise<Map<string, PromptLogprobsResult>> {
  const out = new Map<string, PromptLogprobsResult>();
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
    if (!/^log-.*\.jsonl$/.test(name)) continue;
    const text = await readFile(join(dir, name), "utf8");
    for (const line of text.split("\n").slice(0, -1)) {
      const sp = line.indexOf(" ");
      if (sp < 0) continue;
      const json = line.slice(sp + 1);
      if (line.slice(0, sp) !== cacheLineChecksum(json)) continue;
      try {
        const e = JSON.parse(json) as { key?: unknown; method?: unknown; response?: unknown };
        const r = e.response as PromptLogprobsResult | undefined;
        if (
          e.method === "promptLogprobs" &&
          typeof e.key === "string" &&
          Array.isArray(r?.tokens)
        ) {
          out.set(e.key, r);
        }
      } catch {
        // A damaged line: asked again.
      }
    }
  }
  return out;
}

/** Perplexity of `response` after `context` from one echoed request. */
export async function responsePerplexity(
  source: PromptLogprobSource,
  context: string,
  response: string,
): Promise<{ ppl: number; tokens: number }> {
  const text = `${context} ${response}`;
  const { tokens } = await source.promptLogprobs(text);
  const lps = responseLogprobs(tokens, context.length, text.length);
  return { ppl: perplexity(lps), tokens: lps.length };
}
