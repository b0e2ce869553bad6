/**
 * The model-backend contract: one interface for every way avakit asks a model something.
 *
 * A backend declares what it can do (`capabilities`) instead of failing at random: a chat API
 * gives next-token log-probabilities but no prompt log-probabilities, a baseline gives neither.
 * Callers check the flags before they ask (lm-evaluation-harness does the same).
 *
 * Design note, baselines: `uniform` and `human:GROUP` have no tokens to give. Rather than a second
 * interface that every caller would have to switch on, they are Backends with all three flags
 * false that implement the optional `letterDistribution(item)`: they answer a multiple-choice item
 * with a distribution over its letters directly. Benchmarks never call `topLogprobs` themselves
 * for letter questions; they call `answerLetters(backend, item)` (letters.ts), which uses
 * `letterDistribution` when a backend has it and the top-k log-probabilities otherwise. So one
 * model spec (`--model uniform`, `--model openai:...`) flows through one code path.
 */

/** One chat turn, as OpenAI-style chat APIs take them. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A raw text prompt (sent as is) or a conversation (the server applies its chat template). */
export type Prompt = string | ChatMessage[];

export interface BackendCapabilities {
  /** Next-token top-k log-probabilities (`topLogprobs`), enough for an answer-letter distribution. */
  letterLogprobs: boolean;
  /**
   * Log-probabilities of the prompt's own tokens (`promptLogprobs`): an OpenAI-compatible
   * completions API that honours `echo` (vLLM, OpenAI's legacy completions models); never a chat
   * API, never Ollama (it returns log-probabilities of generated tokens only).
   */
  promptLogprobs: boolean;
  /** Text generation (`generate`). */
  generate: boolean;
}

export interface TokenLogprob {
  /** The token as the server shows it (may carry a leading space, "▁" or "Ġ"). */
  token: string;
  /** Natural-log probability, ≤ 0. */
  logprob: number;
}

export interface TopLogprobsOptions {
  /** How many of the most likely next tokens to ask for. */
  k: number;
  /** Cancels the request (and its retries). */
  signal?: AbortSignal;
}

export interface TopLogprobsResult {
  /** The next token's most likely candidates, most likely first (at most k, some servers k+1). */
  tokens: TokenLogprob[];
  /** The model name the server reports answering with (e.g. a dated snapshot), when it says. */
  serverModel?: string;
}

export interface GenerateOptions {
  maxTokens: number;
  temperature: number;
  topP?: number;
  stop?: string[];
  signal?: AbortSignal;
}

export interface GenerateResult {
  text: string;
  serverModel?: string;
}

/** One echoed prompt token: its text, where it starts in the prompt, its log-probability. */
export interface PromptToken {
  token: string;
  /** Character offset of the token's start in the prompt text. */
  offset: number;
  /** Natural-log probability given the tokens before it; null for the first token (no context). */
  logprob: number | null;
}

export interface PromptLogprobsOptions {
  signal?: AbortSignal;
}

export interface PromptLogprobsResult {
  /** The prompt's tokens in order, as the server tokenised it. */
  tokens: PromptToken[];
  serverModel?: string;
}

/** What a call asks, without transport details: the cache hashes this with the backend identity. */
export type BackendCall =
  | { method: "topLogprobs"; prompt: Prompt; k: number }
  | { method: "promptLogprobs"; prompt: string }
  | {
      method: "generate";
      prompt: Prompt;
      maxTokens: number;
      temperature: number;
      topP?: number;
      stop?: string[];
    };

/** The call a `generate` request is, for the request body and the cache key alike. */
export function generateCall(prompt: Prompt, opts: GenerateOptions): BackendCall {
  return {
    method: "generate",
    prompt,
    maxTokens: opts.maxTokens,
    temperature: opts.temperature,
    ...(opts.topP !== undefined ? { topP: opts.topP } : {}),
    ...(opts.stop !== undefined ? { stop: opts.stop } : {}),
  };
}

/** A multiple-choice question as a backend sees it. */
export interface LetterItem {
  /** Stable id of the item (question key, with group/context when it matters); named in errors. */
  id: string;
  /** The prompt, ending so that the next token is the answer letter. */
  prompt: Prompt;
  /** The offered answer letters, in option order ("A", "B", ...). */
  letters: string[];
  /**
   * Human answer distributions for this question by group ("Overall", "CREGION:Northeast", ...),
   * each in the order of `letters`. Only the `human:GROUP` baseline reads it.
   */
  human?: Record<string, number[]>;
}

/** A distribution over the offered letters, or why there is none. */
export type LetterAnswer =
  | {
      /** Probabilities over `letters`, renormalised to sum to 1. */
      probs: number[];
      /** Probability the offered letters had before renormalising (1 for baselines). */
      mass: number;
      /** mass < LOW_MASS_THRESHOLD: the model mostly wanted to say something else. */
      lowMass: boolean;
      serverModel?: string;
    }
  | { probs: null; mass: 0; lowMass: true; reason: string; serverModel?: string };

export interface Backend {
  /** The backend kind: "openai", "ollama", "uniform", "human". */
  readonly name: string;
  /** The model as the user named it (after the "kind:" prefix); "" for `uniform`. */
  readonly model: string;
  /** The server the requests go to (no credentials), when there is one. */
  readonly baseUrl?: string;
  readonly capabilities: BackendCapabilities;

  /** Next-token top-k log-probabilities. Throws AvakitError when the capability is missing. */
  topLogprobs(prompt: Prompt, opts: TopLogprobsOptions): Promise<TopLogprobsResult>;

  /** Generated text. Throws AvakitError when the capability is missing. */
  generate(prompt: Prompt, opts: GenerateOptions): Promise<GenerateResult>;

  /**
   * Log-probabilities of the text's own tokens (capability `promptLogprobs`); backends without
   * it leave it out.
   */
  promptLogprobs?(text: string, opts?: PromptLogprobsOptions): Promise<PromptLogprobsResult>;

  /**
   * The exact request `call` makes (endpoint and JSON body, no credentials): what the cache key
   * hashes, so that anything that changes the request (API flavour, k, temperature) changes it.
   */
  requestKey?(call: BackendCall): unknown;

  /** Baselines: answer a letter question directly, without tokens. */
  letterDistribution?(item: LetterItem): Promise<LetterAnswer>;

  /** Frees what the backend holds in this process (an in-process model); HTTP backends have none. */
  close?(): Promise<void>;
}

/** The default k for letter questions: the most the OpenAI chat API returns. */
export const DEFAULT_TOP_K = 20;
