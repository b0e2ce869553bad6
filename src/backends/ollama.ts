import { AvakitError } from "../core/errors.js";
import { checkBaseUrl, postJson, type RetryOptions } from "./http.js";
import {
  isObj,
  jsonStart,
  type Obj,
  ResponseShapeError,
  tokenList,
  withServerModel,
} from "./response-shape.js";
import type {
  Backend,
  BackendCall,
  GenerateOptions,
  GenerateResult,
  Prompt,
  TokenLogprob,
  TopLogprobsOptions,
  TopLogprobsResult,
} from "./types.js";
import { generateCall } from "./types.js";

/**
 * `ollama:MODEL` through Ollama's native API (log-probabilities since Ollama 0.12.11).
 *
 * A text prompt goes to POST /api/generate with `raw: true` (no chat template: the prompt is
 * exactly what the model reads); a conversation goes to POST /api/chat (the model's template).
 * Both answer, without streaming:
 *   {"model": "llama3.2", "response"|"message": ..., "done": true,
 *    "logprobs": [{"token": " A", "logprob": -0.3, "bytes": [32, 65],
 *                  "top_logprobs": [{"token": " A", "logprob": -0.3, "bytes": [...]}, ...]}]}
 * i.e. one entry per generated token, at the top level; we read logprobs[0].top_logprobs.
 * Ollama returns at most 20 alternatives.
 */

export const OLLAMA_DEFAULT_BASE_URL = "http://127.0.0.1:11434";

export interface OllamaBackendOptions extends RetryOptions {
  model: string;
  /** Default http://127.0.0.1:11434. */
  baseUrl?: string;
  /** Bearer token for an Ollama behind an authenticating proxy (none by default). */
  apiKey?: string;
}

/** Top-k of the first generated token from an /api/generate or /api/chat response. */
export function parseOllamaTopLogprobs(json: unknown): TokenLogprob[] {
  if (!isObj(json)) throw new ResponseShapeError("the body is not a JSON object");
  const lp = json.logprobs;
  if (!Array.isArray(lp)) throw new ResponseShapeError("logprobs is missing");
  const first = lp[0];
  if (!isObj(first)) throw new ResponseShapeError("logprobs[0] is missing");
  return tokenList(first.top_logprobs, "logprobs[0].top_logprobs");
}

export function parseOllamaText(json: unknown): string {
  if (!isObj(json)) throw new ResponseShapeError("the body is not a JSON object");
  if (typeof json.response === "string") return json.response;
  const msg = json.message;
  if (isObj(msg) && typeof msg.content === "string") return msg.content;
  throw new ResponseShapeError("neither response nor message.content is there");
}

export class OllamaBackend implements Backend {
  readonly name = "ollama";
  readonly model: string;
  readonly baseUrl: string;
  readonly capabilities = { letterLogprobs: true, promptLogprobs: false, generate: true };
  readonly #apiKey: string | undefined;
  readonly #retry: RetryOptions;
  readonly #endpoint: string;

  constructor(opts: OllamaBackendOptions) {
    if (!opts.model) throw new AvakitError("ollama: give a model name (ollama:MODEL)");
    const { endpoint, display } = checkBaseUrl(opts.baseUrl ?? OLLAMA_DEFAULT_BASE_URL);
    this.#endpoint = endpoint;
    this.baseUrl = display;
    this.model = opts.model;
    this.#apiKey = opts.apiKey && opts.apiKey.trim() !== "" ? opts.apiKey.trim() : undefined;
    const { model: _m, baseUrl: _b, apiKey: _k, ...retry } = opts;
    this.#retry = retry;
  }

  requestKey(call: BackendCall): { path: string; body: Obj } {
    const chat = typeof call.prompt !== "string";
    const path = chat ? "/api/chat" : "/api/generate";
    const input: Obj = chat ? { messages: call.prompt } : { prompt: call.prompt, raw: true };
    if (call.method === "topLogprobs") {
      return {
        path,
        body: {
          model: this.model,
          ...input,
          stream: false,
          options: { temperature: 0, num_predict: 1 },
          logprobs: true,
          top_logprobs: call.k,
        },
      };
    }
    if (call.method === "promptLogprobs") {
      throw new AvakitError(
        `ollama:${this.model}: Ollama returns log-probabilities of generated tokens only, not of the prompt's (no prompt log-probabilities: perplexity needs an OpenAI-compatible completions server with echo, e.g. vLLM)`,
      );
    }
    const options: Obj = { temperature: call.temperature, num_predict: call.maxTokens };
    if (call.topP !== undefined) options.top_p = call.topP;
    if (call.stop !== undefined && call.stop.length > 0) options.stop = call.stop;
    return { path, body: { model: this.model, ...input, stream: false, options } };
  }

  private async send(call: BackendCall, signal: AbortSignal | undefined): Promise<unknown> {
    const { path, body } = this.requestKey(call);
    const headers: Record<string, string> = {};
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    const { json } = await postJson(
      {
        url: this.#endpoint + path,
        body,
        headers,
        ...(this.#apiKey !== undefined ? { secret: this.#apiKey } : {}),
        server: `Ollama server ${this.baseUrl}`,
        model: this.model,
        ...(signal ? { signal } : {}),
      },
      this.#retry,
    );
    return json;
  }

  async topLogprobs(prompt: Prompt, opts: TopLogprobsOptions): Promise<TopLogprobsResult> {
    if (!Number.isInteger(opts.k) || opts.k < 1) {
      throw new AvakitError(`top-k must be a positive integer, got ${opts.k}`);
    }
    const json = await this.send({ method: "topLogprobs", prompt, k: opts.k }, opts.signal);
    let tokens: TokenLogprob[];
    try {
      tokens = parseOllamaTopLogprobs(json);
    } catch (err) {
      if (!(err instanceof ResponseShapeError)) throw err;
      throw new AvakitError(
        `Ollama server ${this.baseUrl} (model "${this.model}") returned no log-probabilities: ${err.message} (Ollama 0.12.11 or later returns them); the response began ${jsonStart(json)}`,
      );
    }
    if (tokens.length === 0) {
      throw new AvakitError(
        `Ollama server ${this.baseUrl} (model "${this.model}") returned no log-probabilities: logprobs[0].top_logprobs is empty`,
      );
    }
    return withServerModel({ tokens }, json);
  }

  async generate(prompt: Prompt, opts: GenerateOptions): Promise<GenerateResult> {
    const call = generateCall(prompt, opts);
    const json = await this.send(call, opts.signal);
    let text: string;
    try {
      text = parseOllamaText(json);
    } catch (err) {
      if (!(err instanceof ResponseShapeError)) throw err;
      throw new AvakitError(
        `Ollama server ${this.baseUrl} (model "${this.model}") returned no text: ${err.message}; the response began ${jsonStart(json)}`,
      );
    }
    return withServerModel({ text }, json);
  }
}
