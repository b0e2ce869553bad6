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
import { CachedBackend } from "../../backends/cache.js";
import type { Backend, PromptLogprobsResult, PromptToken } from "../../backends/types.js";
import { AvakitError } from "../../core/errors.js";

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
}

/**
 * The backend's prompt log-probabilities (cached when the backend is a CachedBackend, in its
 * request cache like every other call), or why there are none.
 */
export function promptLogprobSource(backend: Backend): PromptLogprobSource | { reason: string } {
  const inner = backend instanceof CachedBackend ? backend.inner : backend;
  const spec = `${inner.name}${inner.model ? `:${inner.model}` : ""}`;
  const fn = backend.promptLogprobs;
  if (!inner.capabilities.promptLogprobs || !fn) {
    const why =
      inner.name === "openai"
        ? "the chat API gives no prompt log-probabilities (use --api completions on a server with echo, e.g. vLLM)"
        : inner.name === "ollama"
          ? "Ollama returns log-probabilities of generated tokens only"
          : "this backend has no tokens";
    return { reason: `not computed: ${spec} has no prompt log-probabilities (${why})` };
  }
  return { promptLogprobs: (text) => fn.call(backend, text) };
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
