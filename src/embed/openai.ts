import { readFileSync } from "node:fs";
import { checkBaseUrl, displayUrl, postJson, type RetryOptions } from "../backends/http.js";
import { AvakitError } from "../core/errors.js";
import { batches, type Embedder, normalizeL2 } from "./types.js";

/**
 * `openai:MODEL`: OpenAI's `/v1/embeddings` and every server that speaks it (vLLM, llama.cpp
 * server, TEI, LM Studio, Ollama's /v1). Body `{model, input: [...]}`; the answer's
 * `data[i].embedding`, put back in input order by `data[i].index`. Retries (429, 5xx, timeouts,
 * network errors) are the shared policy of src/backends/http.ts. The API key is sent only as
 * `Authorization: Bearer` and never appears in a message or in the embedder id.
 */
export const OPENAI_EMBEDDINGS_DEFAULT_URL = "https://api.openai.com/v1";

export interface OpenAIEmbedderOptions extends RetryOptions {
  model: string;
  /** Base URL of the API (default https://api.openai.com/v1); requests go to BASE/embeddings. */
  baseUrl?: string;
  /** The key itself (takes precedence over keyFile and OPENAI_API_KEY). */
  apiKey?: string;
  /** A file whose content (trimmed) is the key. */
  keyFile?: string;
  /** Where OPENAI_API_KEY is read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Texts per request (default 256; OpenAI accepts up to 2048). */
  batchSize?: number;
}

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly model: string;
  /** The base URL as messages show it (no credentials, query or trailing slash). */
  readonly baseUrl: string;
  readonly #endpoint: string;
  readonly #apiKey: string | undefined;
  readonly #retry: RetryOptions;
  readonly #batchSize: number;
  #dim: number | null = null;

  constructor(opts: OpenAIEmbedderOptions) {
    if (!opts.model) throw new AvakitError("openai: give an embedding model (openai:MODEL)");
    let base: { endpoint: string; display: string };
    try {
      base = checkBaseUrl(opts.baseUrl ?? OPENAI_EMBEDDINGS_DEFAULT_URL);
    } catch {
      throw new AvakitError(`--embedder-url is not a URL: "${displayUrl(opts.baseUrl ?? "")}"`);
    }
    this.#endpoint = base.endpoint;
    this.baseUrl = base.display;
    this.model = opts.model;
    const host = new URL(base.endpoint).host;
    this.id = `openai:${opts.model}@${host}`;
    this.#apiKey = readApiKey(opts);
    if (this.#apiKey === undefined && host === "api.openai.com") {
      throw new AvakitError(
        "the OpenAI embeddings API needs a key: set OPENAI_API_KEY or give a key file (or point --embedder-url at a local OpenAI-compatible server)",
      );
    }
    const {
      model: _m,
      baseUrl: _b,
      apiKey: _k,
      keyFile: _f,
      env: _e,
      batchSize: _s,
      ...retry
    } = opts;
    this.#retry = retry;
    this.#batchSize = opts.batchSize ?? 256;
  }

  get dim(): number | null {
    return this.#dim;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of batches(texts, this.#batchSize)) {
      for (const v of await this.request(batch)) out.push(v);
    }
    return out;
  }

  async close(): Promise<void> {}

  private async request(input: string[]): Promise<Float32Array[]> {
    const headers: Record<string, string> = {};
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    const server = `openai embeddings server ${this.baseUrl}`;
    const { json } = await postJson(
      {
        url: `${this.#endpoint}/embeddings`,
        body: { model: this.model, input },
        headers,
        server,
        model: this.model,
        ...(this.#apiKey !== undefined ? { secret: this.#apiKey } : {}),
      },
      this.#retry,
    );
    let vecs: Float32Array[];
    try {
      vecs = parseEmbeddingsResponse(json, input.length);
    } catch (err) {
      throw new AvakitError(
        `${server} (model "${this.model}") answered with an unexpected body: ${(err as Error).message}; is it an OpenAI-compatible /v1/embeddings endpoint?`,
        { cause: err },
      );
    }
    const dim = vecs[0]?.length;
    if (dim !== undefined) {
      if (this.#dim !== null && dim !== this.#dim) {
        throw new AvakitError(
          `${server} (model "${this.model}") returned ${dim}-d vectors after ${this.#dim}-d ones`,
        );
      }
      this.#dim = dim;
    }
    return vecs;
  }
}

/**
 * `data[i].embedding` in input order: OpenAI documents `index` as the input's position, and
 * some servers answer out of order, so the order of `data` itself is not trusted.
 */
export function parseEmbeddingsResponse(json: unknown, expected: number): Float32Array[] {
  if (json === null || typeof json !== "object") throw new Error("not a JSON object");
  const data = (json as { data?: unknown }).data;
  if (!Array.isArray(data)) throw new Error("data is missing");
  if (data.length !== expected) {
    throw new Error(`data has ${data.length} items for ${expected} inputs`);
  }
  const out: (Float32Array | undefined)[] = new Array(expected);
  let dim: number | undefined;
  for (const [pos, item] of data.entries()) {
    if (item === null || typeof item !== "object") throw new Error(`data[${pos}] is not an object`);
    const { index, embedding } = item as { index?: unknown; embedding?: unknown };
    const i = index === undefined ? pos : index;
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= expected) {
      throw new Error(`data[${pos}].index is not an input position: ${JSON.stringify(index)}`);
    }
    if (out[i] !== undefined) throw new Error(`data has index ${i} twice`);
    if (!Array.isArray(embedding) || embedding.length === 0) {
      throw new Error(
        typeof embedding === "string"
          ? `data[${pos}].embedding is a base64 string; the server ignored the float format`
          : `data[${pos}].embedding is not a list of numbers`,
      );
    }
    dim ??= embedding.length;
    if (embedding.length !== dim) {
      throw new Error(`data[${pos}].embedding has ${embedding.length} values, others ${dim}`);
    }
    const vec = new Float32Array(embedding.length);
    for (let k = 0; k < embedding.length; k++) {
      const x = embedding[k];
      if (typeof x !== "number" || !Number.isFinite(x)) {
        throw new Error(`data[${pos}].embedding[${k}] is not a finite number`);
      }
      vec[k] = x;
    }
    out[i] = normalizeL2(vec);
  }
  return out as Float32Array[];
}

function readApiKey(opts: OpenAIEmbedderOptions): string | undefined {
  const clean = (k: string | undefined) => (k && k.trim() !== "" ? k.trim() : undefined);
  if (opts.apiKey !== undefined) return clean(opts.apiKey);
  if (opts.keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.keyFile, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
      throw new AvakitError(`cannot read the API key file ${opts.keyFile} (${code})`);
    }
    const key = clean(text);
    if (key === undefined) throw new AvakitError(`the API key file ${opts.keyFile} is empty`);
    return key;
  }
  return clean((opts.env ?? process.env).OPENAI_API_KEY);
}
