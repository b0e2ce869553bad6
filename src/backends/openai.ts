import { AvakitError } from "../core/errors.js";
import { checkBaseUrl, postJson, type RetryOptions } from "./http.js";
import {
  isObj,
  jsonStart,
  logprobOf,
  type Obj,
  ResponseShapeError,
  sortTokens,
  tokenList,
  withServerModel,
} from "./response-shape.js";
import type {
  Backend,
  BackendCall,
  ChatMessage,
  GenerateOptions,
  GenerateResult,
  Prompt,
  PromptLogprobsOptions,
  PromptLogprobsResult,
  PromptToken,
  TokenLogprob,
  TopLogprobsOptions,
  TopLogprobsResult,
} from "./types.js";
import { generateCall } from "./types.js";

/**
 * `openai:MODEL`: OpenAI and every OpenAI-compatible server (vLLM, llama.cpp server, LM Studio,
 * TGI) through `/completions` or `/chat/completions`.
 *
 * Letter probabilities ask for ONE token at temperature 0 with the top-k alternatives:
 *   completions: `logprobs: k`            → choices[0].logprobs.top_logprobs[0]  ({token: logprob})
 *   chat:        `logprobs: true, top_logprobs: k` → choices[0].logprobs.content[0].top_logprobs
 * llama.cpp's server answers /completions in the chat shape (`logprobs.content`), so the
 * completions parser accepts both.
 */

export type OpenAIApi = "completions" | "chat";

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

export interface OpenAIBackendOptions extends RetryOptions {
  model: string;
  /** Default https://api.openai.com/v1. */
  baseUrl?: string;
  /** Default: `chat` for api.openai.com (its chat models have no completions), else `completions`. */
  api?: OpenAIApi;
  /** Default: `OPENAI_API_KEY` from `env`. Sent only as `Authorization: Bearer`. */
  apiKey?: string;
  /** Where OPENAI_API_KEY is read (default process.env). */
  env?: Record<string, string | undefined>;
}

/**
 * The API flavour when none is given. OpenAI itself serves its current models only on chat;
 * local servers usually host base models, where /completions sends the prompt exactly as written.
 */
export function defaultOpenAIApi(baseUrl: string): OpenAIApi {
  return isOpenAIHost(baseUrl) ? "chat" : "completions";
}

function isOpenAIHost(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === "api.openai.com";
  } catch {
    return false;
  }
}

function firstChoice(json: unknown): Obj {
  if (!isObj(json)) throw new ResponseShapeError("the body is not a JSON object");
  const choices = json.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new ResponseShapeError("choices is missing or empty");
  }
  const c = choices[0];
  if (!isObj(c)) throw new ResponseShapeError("choices[0] is not an object");
  return c;
}

/** Top-k of the first generated token from a /completions response. */
export function parseCompletionsTopLogprobs(json: unknown): TokenLogprob[] {
  const lp = firstChoice(json).logprobs;
  if (!isObj(lp)) throw new ResponseShapeError("choices[0].logprobs is missing");
  const top = lp.top_logprobs;
  if (Array.isArray(top)) {
    const first = top[0];
    if (!isObj(first))
      throw new ResponseShapeError("choices[0].logprobs.top_logprobs[0] is missing");
    return sortTokens(
      Object.entries(first).map(([token, v]) => ({
        token,
        logprob: logprobOf(v, `top_logprobs[0][${JSON.stringify(token)}]`),
      })),
    );
  }
  // llama.cpp's server: the chat shape on /completions.
  if (Array.isArray(lp.content)) return parseContentTop(lp.content, "choices[0].logprobs.content");
  throw new ResponseShapeError("choices[0].logprobs.top_logprobs is missing");
}

function parseContentTop(content: unknown[], where: string): TokenLogprob[] {
  const first = content[0];
  if (!isObj(first)) throw new ResponseShapeError(`${where}[0] is missing`);
  return tokenList(first.top_logprobs, `${where}[0].top_logprobs`);
}

/** Top-k of the first generated token from a /chat/completions response. */
export function parseChatTopLogprobs(json: unknown): TokenLogprob[] {
  const lp = firstChoice(json).logprobs;
  if (!isObj(lp)) throw new ResponseShapeError("choices[0].logprobs is missing");
  if (!Array.isArray(lp.content)) {
    throw new ResponseShapeError("choices[0].logprobs.content is missing");
  }
  return parseContentTop(lp.content, "choices[0].logprobs.content");
}

export function parseCompletionsText(json: unknown): string {
  const text = firstChoice(json).text;
  if (typeof text !== "string") throw new ResponseShapeError("choices[0].text is missing");
  return text;
}

export function parseChatText(json: unknown): string {
  const msg = firstChoice(json).message;
  if (!isObj(msg)) throw new ResponseShapeError("choices[0].message is missing");
  if (typeof msg.content === "string") return msg.content;
  if (typeof msg.refusal === "string") return msg.refusal;
  throw new ResponseShapeError("choices[0].message.content is missing");
}

/**
 * The echoed prompt's tokens from a /completions response with `echo: true, logprobs: 1,
 * max_tokens: 1` (lm-evaluation-harness's request): choices[0].logprobs.{tokens,
 * token_logprobs, text_offset}. The echo covers the prompt, then the one generated token; tokens
 * at or past `promptLength` (the generated one) are dropped. The first token has no context, so
 * its log-probability is null.
 */
export function parseEchoLogprobs(json: unknown, promptLength: number): PromptToken[] {
  const lp = firstChoice(json).logprobs;
  if (!isObj(lp)) throw new ResponseShapeError("choices[0].logprobs is missing");
  const { tokens, token_logprobs: logprobs, text_offset: offsets } = lp;
  if (!Array.isArray(tokens) || !Array.isArray(logprobs) || !Array.isArray(offsets)) {
    throw new ResponseShapeError(
      "choices[0].logprobs has no tokens/token_logprobs/text_offset lists (the server ignored echo?)",
    );
  }
  if (tokens.length !== logprobs.length || tokens.length !== offsets.length) {
    throw new ResponseShapeError(
      `choices[0].logprobs lists differ in length (${tokens.length} tokens, ${logprobs.length} token_logprobs, ${offsets.length} text_offset)`,
    );
  }
  const out: PromptToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const offset = offsets[i];
    const logprob = logprobs[i];
    if (typeof token !== "string" || typeof offset !== "number") {
      throw new ResponseShapeError(`choices[0].logprobs token ${i} has no text or offset`);
    }
    if (offset >= promptLength) break;
    if (logprob !== null && typeof logprob !== "number") {
      throw new ResponseShapeError(`choices[0].logprobs.token_logprobs[${i}] is not a number`);
    }
    out.push({ token, offset, logprob: i === 0 ? null : (logprob as number | null) });
  }
  if (out.length === 0 && promptLength > 0) {
    throw new ResponseShapeError(
      "the echoed tokens do not cover the prompt (the server ignored echo?)",
    );
  }
  return out;
}

export class OpenAIBackend implements Backend {
  readonly name = "openai";
  readonly model: string;
  readonly baseUrl: string;
  readonly api: OpenAIApi;
  readonly capabilities: { letterLogprobs: boolean; promptLogprobs: boolean; generate: boolean };
  readonly #apiKey: string | undefined;
  readonly #retry: RetryOptions;
  readonly #endpoint: string;

  constructor(opts: OpenAIBackendOptions) {
    if (!opts.model) throw new AvakitError("openai: give a model name (openai:MODEL)");
    const { endpoint, display } = checkBaseUrl(opts.baseUrl ?? OPENAI_DEFAULT_BASE_URL);
    this.#endpoint = endpoint;
    this.baseUrl = display;
    this.model = opts.model;
    this.api = opts.api ?? defaultOpenAIApi(endpoint);
    // Prompt log-probabilities need `echo`, which only /completions has.
    this.capabilities = {
      letterLogprobs: true,
      promptLogprobs: this.api === "completions",
      generate: true,
    };
    const key = opts.apiKey ?? (opts.env ?? process.env).OPENAI_API_KEY;
    this.#apiKey = key && key.trim() !== "" ? key.trim() : undefined;
    if (this.#apiKey === undefined && isOpenAIHost(endpoint)) {
      throw new AvakitError(
        "the OpenAI API needs a key: set OPENAI_API_KEY (or point --base-url at a local OpenAI-compatible server)",
      );
    }
    const { model: _m, baseUrl: _b, api: _a, apiKey: _k, env: _e, ...retry } = opts;
    this.#retry = retry;
  }

  private messages(prompt: Prompt): ChatMessage[] {
    return typeof prompt === "string" ? [{ role: "user", content: prompt }] : prompt;
  }

  private textPrompt(prompt: Prompt): string {
    if (typeof prompt === "string") return prompt;
    throw new AvakitError(
      `openai:${this.model} at ${this.baseUrl} uses the completions API, which takes a text prompt, but this prompt is a chat conversation: use --api chat`,
    );
  }

  requestKey(call: BackendCall): { path: string; body: Obj } {
    const chat = this.api === "chat";
    if (call.method === "promptLogprobs") {
      if (chat) throw this.noPromptLogprobs();
      return {
        path: "/completions",
        body: {
          model: this.model,
          prompt: call.prompt,
          max_tokens: 1,
          temperature: 0,
          logprobs: 1,
          echo: true,
        },
      };
    }
    const path = chat ? "/chat/completions" : "/completions";
    const input: Obj = chat
      ? { messages: this.messages(call.prompt) }
      : { prompt: this.textPrompt(call.prompt) };
    if (call.method === "topLogprobs") {
      const lp: Obj = chat ? { logprobs: true, top_logprobs: call.k } : { logprobs: call.k };
      return { path, body: { model: this.model, ...input, max_tokens: 1, temperature: 0, ...lp } };
    }
    const body: Obj = {
      model: this.model,
      ...input,
      max_tokens: call.maxTokens,
      temperature: call.temperature,
    };
    if (call.topP !== undefined) body.top_p = call.topP;
    if (call.stop !== undefined && call.stop.length > 0) body.stop = call.stop;
    return { path, body };
  }

  private async send(call: BackendCall, signal: AbortSignal | undefined): Promise<unknown> {
    const { path, body } = this.requestKey(call);
    const headers: Record<string, string> = {};
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    const api = this.api;
    const { json } = await postJson(
      {
        url: this.#endpoint + path,
        body,
        headers,
        ...(this.#apiKey !== undefined ? { secret: this.#apiKey } : {}),
        server: `openai server ${this.baseUrl}`,
        model: this.model,
        ...(signal ? { signal } : {}),
        hint: (_status, message) => {
          if (api === "completions" && /chat model|chat\/completions/i.test(message)) {
            return "this is a chat model: use --api chat";
          }
          if (api === "chat" && /v1\/completions|not a chat model/i.test(message)) {
            return "this model has no chat template: use --api completions";
          }
          if (/logprob/i.test(message)) {
            return `the server does not accept the log-probability request as sent (k = ${call.method === "topLogprobs" ? call.k : "-"})`;
          }
          return undefined;
        },
      },
      this.#retry,
    );
    return json;
  }

  private shapeError(what: string, err: unknown, json: unknown): AvakitError {
    const detail = err instanceof Error ? err.message : String(err);
    const seen = jsonStart(json);
    return new AvakitError(
      `openai server ${this.baseUrl} (model "${this.model}", ${this.api} API) returned no ${what}: ${detail}; the response began ${seen}`,
    );
  }

  async topLogprobs(prompt: Prompt, opts: TopLogprobsOptions): Promise<TopLogprobsResult> {
    if (!Number.isInteger(opts.k) || opts.k < 1) {
      throw new AvakitError(`top-k must be a positive integer, got ${opts.k}`);
    }
    const json = await this.send({ method: "topLogprobs", prompt, k: opts.k }, opts.signal);
    let tokens: TokenLogprob[];
    try {
      tokens = this.api === "chat" ? parseChatTopLogprobs(json) : parseCompletionsTopLogprobs(json);
    } catch (err) {
      if (!(err instanceof ResponseShapeError)) throw err;
      throw this.shapeError(
        "log-probabilities (the server or this model does not support them on this API; try the other --api, or a server with logprobs support)",
        err,
        json,
      );
    }
    if (tokens.length === 0) {
      throw this.shapeError("log-probabilities", new Error("the top_logprobs list is empty"), json);
    }
    return withServerModel({ tokens }, json);
  }

  private noPromptLogprobs(): AvakitError {
    return new AvakitError(
      `openai:${this.model} at ${this.baseUrl} uses the chat API, which gives no log-probabilities of the prompt's tokens: use --api completions on a server that supports echo (vLLM)`,
    );
  }

  async promptLogprobs(
    text: string,
    opts: PromptLogprobsOptions = {},
  ): Promise<PromptLogprobsResult> {
    if (this.api === "chat") throw this.noPromptLogprobs();
    const json = await this.send({ method: "promptLogprobs", prompt: text }, opts.signal);
    let tokens: PromptToken[];
    try {
      tokens = parseEchoLogprobs(json, text.length);
    } catch (err) {
      if (!(err instanceof ResponseShapeError)) throw err;
      throw this.shapeError(
        "prompt log-probabilities (the server needs to support `echo: true` with `logprobs` on /completions, as vLLM does)",
        err,
        json,
      );
    }
    return withServerModel({ tokens }, json);
  }

  async generate(prompt: Prompt, opts: GenerateOptions): Promise<GenerateResult> {
    const call = generateCall(prompt, opts);
    const json = await this.send(call, opts.signal);
    let text: string;
    try {
      text = this.api === "chat" ? parseChatText(json) : parseCompletionsText(json);
    } catch (err) {
      if (!(err instanceof ResponseShapeError)) throw err;
      throw this.shapeError("text", err, json);
    }
    return withServerModel({ text }, json);
  }
}
