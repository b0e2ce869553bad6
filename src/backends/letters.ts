import { AvakitError } from "../core/errors.js";
import type { LetterAnswer, TokenLogprob } from "./types.js";

/**
 * Answer-letter distribution from next-token log-probabilities (OpinionQA's scoring: the prompt
 * ends with "Answer:", the next token is the letter; sum each letter's token variants, renormalise
 * over the offered letters).
 *
 * A letter L counts when a top token is exactly one of:
 *   "L"    the bare letter;
 *   " L"   with a leading space (GPT-style BPE text);
 *   "▁L"   SentencePiece's word-start marker (Llama, Mistral, Gemma vocabularies shown raw);
 *   "ĠL"   byte-level BPE's encoded space (GPT-2/Llama 3 vocabularies shown raw).
 * Matching is case-sensitive: the benchmarks offer upper-case letters and a lower-case "a" is the
 * English article, not an answer. Everything else is deliberately NOT counted, so the rule stays
 * strict and auditable: "(A", " (A", "A.", "A)", "\nA", "Answer", lower case. A model that answers
 * in those forms shows up as low letter mass instead of being silently credited.
 */

/** Below this letter mass an answer is flagged (`lowMass`): the letters were not what the model meant to say. */
export const LOW_MASS_THRESHOLD = 0.5;

/** The token spellings counted as letter `letter`. */
export function letterVariants(letter: string): string[] {
  return [letter, ` ${letter}`, `▁${letter}`, `Ġ${letter}`];
}

function checkLetters(letters: readonly string[]): void {
  if (letters.length === 0) throw new AvakitError("no answer letters offered");
  const seen = new Set<string>();
  for (const l of letters) {
    if (l === "" || /\s/.test(l)) {
      throw new AvakitError(`answer letters must be non-empty and without spaces, got "${l}"`);
    }
    if (seen.has(l)) throw new AvakitError(`answer letter "${l}" is offered twice`);
    seen.add(l);
  }
}

/**
 * Sums each offered letter's probability over its variants and renormalises over the letters.
 * `mass` is the probability the letters covered before renormalising (capped at 1 against
 * rounding). With no letter among the top tokens, `probs` is null and `reason` says why.
 */
export function letterDistribution(
  topTokens: readonly TokenLogprob[],
  letters: readonly string[],
): LetterAnswer {
  checkLetters(letters);
  const index = new Map<string, number>();
  letters.forEach((l, i) => {
    for (const v of letterVariants(l)) index.set(v, i);
  });
  const sums = new Array<number>(letters.length).fill(0);
  let mass = 0;
  for (const t of topTokens) {
    if (Number.isNaN(t.logprob)) {
      throw new AvakitError(`log-probability of token ${JSON.stringify(t.token)} is not a number`);
    }
    const i = index.get(t.token);
    if (i === undefined) continue;
    const p = Math.exp(t.logprob);
    sums[i] = (sums[i] ?? 0) + p;
    mass += p;
  }
  if (!(mass > 0)) {
    const shown = topTokens
      .slice(0, 5)
      .map((t) => JSON.stringify(t.token))
      .join(", ");
    return {
      probs: null,
      mass: 0,
      lowMass: true,
      reason: `none of the letters ${letters.join(", ")} is among the ${topTokens.length} most likely next tokens${shown ? ` (they start ${shown})` : ""}`,
    };
  }
  const probs = sums.map((s) => s / mass);
  const covered = Math.min(mass, 1);
  return { probs, mass: covered, lowMass: covered < LOW_MASS_THRESHOLD };
}
