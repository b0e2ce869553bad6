import { AvakitError } from "../core/errors.js";
import { type LetterScoring, letterDistribution } from "./letters.js";
import { type Backend, DEFAULT_TOP_K, type LetterAnswer, type LetterItem } from "./types.js";

export interface AnswerLettersOptions {
  /** Top-k to ask for (default 20, the most OpenAI's chat API and Ollama return). */
  k?: number;
  signal?: AbortSignal;
  /** How the letters' probabilities are read from the top-k (default `sum`). */
  scoring?: LetterScoring;
}

/**
 * The one way benchmarks ask any backend a multiple-choice question: baselines answer directly,
 * models through their next-token top-k log-probabilities and `letterDistribution`.
 */
export async function answerLetters(
  backend: Backend,
  item: LetterItem,
  opts: AnswerLettersOptions = {},
): Promise<LetterAnswer> {
  if (backend.letterDistribution) return backend.letterDistribution(item);
  if (!backend.capabilities.letterLogprobs) {
    throw new AvakitError(
      `${backend.name}${backend.model ? `:${backend.model}` : ""} gives no next-token log-probabilities, so it cannot answer letter questions`,
    );
  }
  const r = await backend.topLogprobs(item.prompt, {
    k: opts.k ?? DEFAULT_TOP_K,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const d = letterDistribution(r.tokens, item.letters, opts.scoring);
  return r.serverModel === undefined ? d : { ...d, serverModel: r.serverModel };
}
