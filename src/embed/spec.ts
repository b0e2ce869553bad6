import type { RetryOptions } from "../backends/http.js";
import { UsageError } from "../core/errors.js";
import { HashingEmbedder } from "./hashing.js";
import { OPENAI_EMBEDDINGS_DEFAULT_URL, OpenAIEmbedder } from "./openai.js";
import { TransformersEmbedder } from "./transformers.js";
import type { Embedder } from "./types.js";
import { UseEmbedder } from "./use.js";

/**
 * `--embedder SPEC`: which embedder computes sentence vectors. A spec is plain JSON (no key, no
 * functions), so it is saved with a build's outputs; the part after the first colon is kept
 * whole, so model names and paths with colons pass through.
 */
export type EmbedderSpec =
  | { kind: "use" }
  | { kind: "hashing" }
  | { kind: "openai"; model: string; url: string; keyFile?: string }
  | { kind: "transformers"; path: string; allowDownload: boolean };

export const DEFAULT_EMBEDDER = "use";

const SPEC_HELP =
  "use (default, offline), hashing (lexical, fast), openai:MODEL or transformers:PATH";

export interface EmbedderSpecOptions {
  /** openai:MODEL only: the API's base URL (default https://api.openai.com/v1). */
  url?: string;
  /** openai:MODEL only: a file holding the API key (default: OPENAI_API_KEY). */
  keyFile?: string;
  /** transformers:PATH only: let transformers.js download missing model files. */
  allowDownload?: boolean;
}

export function parseEmbedderSpec(spec: string, opts: EmbedderSpecOptions = {}): EmbedderSpec {
  const s = spec.trim();
  const colon = s.indexOf(":");
  const prefix = colon < 0 ? s : s.slice(0, colon);
  const rest = colon < 0 ? "" : s.slice(colon + 1).trim();
  const only = (option: string, given: unknown, forKind: string) => {
    if (given !== undefined && given !== false) {
      throw new UsageError(`--embedder ${s}: ${option} applies to ${forKind} only`);
    }
  };
  const need = (what: string) => {
    if (rest === "") {
      throw new UsageError(
        `--embedder ${prefix}: needs ${what} after the colon (${prefix}:${what})`,
      );
    }
    return rest;
  };
  if (!["use", "hashing", "openai", "transformers"].includes(prefix)) {
    throw new UsageError(`unknown embedder "${spec}": use ${SPEC_HELP}`);
  }
  if (prefix !== "openai") {
    only("--embedder-url", opts.url, "openai:MODEL");
    only("a key file", opts.keyFile, "openai:MODEL");
  }
  if (prefix !== "transformers")
    only("allowing downloads", opts.allowDownload, "transformers:PATH");
  switch (prefix) {
    case "use":
    case "hashing":
      if (colon >= 0) throw new UsageError(`--embedder ${s}: ${prefix} takes no argument`);
      return { kind: prefix };
    case "openai":
      return {
        kind: "openai",
        model: need("MODEL"),
        url: opts.url ?? OPENAI_EMBEDDINGS_DEFAULT_URL,
        ...(opts.keyFile !== undefined ? { keyFile: opts.keyFile } : {}),
      };
    case "transformers":
      return {
        kind: "transformers",
        path: need("PATH"),
        allowDownload: opts.allowDownload ?? false,
      };
    default:
      throw new UsageError(`unknown embedder "${spec}": use ${SPEC_HELP}`);
  }
}

export function formatEmbedderSpec(spec: EmbedderSpec): string {
  switch (spec.kind) {
    case "use":
    case "hashing":
      return spec.kind;
    case "openai":
      return `openai:${spec.model}`;
    case "transformers":
      return `transformers:${spec.path}`;
  }
}

/** What a spec does not say: how to retry, where the key comes from, batch sizes. */
export interface CreateEmbedderOptions extends RetryOptions {
  /** openai: the key itself (default: the spec's key file, else OPENAI_API_KEY). */
  apiKey?: string;
  /** openai: where OPENAI_API_KEY is read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Texts per model call or request (each embedder has its own default). */
  batchSize?: number;
}

export function createEmbedder(
  spec: EmbedderSpec | string,
  opts: CreateEmbedderOptions = {},
): Embedder {
  const s = typeof spec === "string" ? parseEmbedderSpec(spec) : spec;
  const { apiKey, env, batchSize, ...retry } = opts;
  const batch = batchSize !== undefined ? { batchSize } : {};
  switch (s.kind) {
    case "use":
      return new UseEmbedder(batch);
    case "hashing":
      return new HashingEmbedder();
    case "openai":
      return new OpenAIEmbedder({
        ...retry,
        ...batch,
        model: s.model,
        baseUrl: s.url,
        ...(s.keyFile !== undefined ? { keyFile: s.keyFile } : {}),
        ...(apiKey !== undefined ? { apiKey } : {}),
        ...(env !== undefined ? { env } : {}),
      });
    case "transformers":
      return new TransformersEmbedder({ ...batch, path: s.path, allowDownload: s.allowDownload });
  }
}
