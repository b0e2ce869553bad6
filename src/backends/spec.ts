import { UsageError } from "../core/errors.js";
import { HumanBaseline, type HumanBaselineOptions, UniformBaseline } from "./baselines.js";
import { CachedBackend } from "./cache.js";
import type { RetryOptions } from "./http.js";
import { LlamaCppBackend, type LlamaCppBackendOptions } from "./llamacpp.js";
import { OllamaBackend } from "./ollama.js";
import { type OpenAIApi, OpenAIBackend } from "./openai.js";
import type { Backend } from "./types.js";

/**
 * `--model SPEC`: which backend answers. The part after the first colon is kept whole, so model
 * names with colons (`ollama:llama3:8b`), paths (`llamacpp:C:/m.gguf`) and groups
 * (`human:CREGION:Northeast`) pass through.
 */
export type ModelSpec =
  | { kind: "openai"; model: string }
  | { kind: "ollama"; model: string }
  | { kind: "llamacpp"; path: string }
  | { kind: "uniform" }
  | { kind: "human"; group: string };

const SPEC_HELP =
  "openai:MODEL, ollama:MODEL, llamacpp:PATH.gguf, uniform or human:GROUP (e.g. human:CREGION:Northeast)";

export function parseModelSpec(text: string): ModelSpec {
  const s = text.trim();
  if (s === "uniform") return { kind: "uniform" };
  const colon = s.indexOf(":");
  const prefix = colon < 0 ? s : s.slice(0, colon);
  const rest = colon < 0 ? "" : s.slice(colon + 1).trim();
  const need = (what: string) => {
    if (rest === "")
      throw new UsageError(
        `--model ${prefix}: needs ${what} after the colon (${prefix}:${what.toUpperCase()})`,
      );
    return rest;
  };
  switch (prefix) {
    case "openai":
      return { kind: "openai", model: need("model") };
    case "ollama":
      return { kind: "ollama", model: need("model") };
    case "llamacpp":
      return { kind: "llamacpp", path: need("path") };
    case "human":
      return { kind: "human", group: need("group") };
    default:
      throw new UsageError(`unknown model spec "${text}": use ${SPEC_HELP}`);
  }
}

export function formatModelSpec(spec: ModelSpec): string {
  switch (spec.kind) {
    case "openai":
    case "ollama":
      return `${spec.kind}:${spec.model}`;
    case "llamacpp":
      return `llamacpp:${spec.path}`;
    case "uniform":
      return "uniform";
    case "human":
      return `human:${spec.group}`;
  }
}

export interface CreateBackendOptions extends RetryOptions {
  /** openai: and ollama: only (others ignore it). */
  baseUrl?: string;
  /** openai: only. */
  api?: OpenAIApi;
  /** openai: (default OPENAI_API_KEY) and ollama: (a bearer token for a proxy). */
  apiKey?: string;
  env?: Record<string, string | undefined>;
  /** human:GROUP only: where the group's distribution comes from (default item.human). */
  humanLookup?: HumanBaselineOptions["lookup"];
  /** Wrap the backend in a CachedBackend on this folder. */
  cacheDir?: string;
  /** llamacpp: only: context size, parallel sequences, GPU, threads, seed. */
  llamacpp?: Omit<LlamaCppBackendOptions, "path">;
}

export function createBackend(spec: ModelSpec | string, opts: CreateBackendOptions = {}): Backend {
  const s = typeof spec === "string" ? parseModelSpec(spec) : spec;
  const { baseUrl, api, apiKey, env, humanLookup, cacheDir, llamacpp, ...retry } = opts;
  let backend: Backend;
  switch (s.kind) {
    case "openai":
      backend = new OpenAIBackend({
        model: s.model,
        ...retry,
        ...(baseUrl !== undefined ? { baseUrl } : {}),
        ...(api !== undefined ? { api } : {}),
        ...(apiKey !== undefined ? { apiKey } : {}),
        ...(env !== undefined ? { env } : {}),
      });
      break;
    case "ollama":
      backend = new OllamaBackend({
        model: s.model,
        ...retry,
        ...(baseUrl !== undefined ? { baseUrl } : {}),
        ...(apiKey !== undefined ? { apiKey } : {}),
      });
      break;
    case "llamacpp":
      backend = new LlamaCppBackend({ ...llamacpp, path: s.path });
      break;
    case "uniform":
      return new UniformBaseline();
    case "human":
      return new HumanBaseline(s.group, humanLookup ? { lookup: humanLookup } : {});
  }
  return cacheDir !== undefined ? new CachedBackend(backend, { dir: cacheDir }) : backend;
}
