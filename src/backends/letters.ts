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
 * How a letter's probability is read from the top-k tokens (`--letter-scoring`):
 * - `sum` (default, as the issue specifies for every benchmark): the sum of its variants' probabilities;
 *   a letter absent from the top k gets 0.
 * - `opinionqa`: OpinionQA's own code (`helpers.py` `get_probabilities`): the larger of the spaced
 *   (" L", and the raw "▁L"/"ĠL" spellings of it) and the bare ("L") variant; a letter absent from
 *   the top k gets min(smallest top-k probability, (1 − Σ top-k probabilities) / #absent letters).
 * Both renormalise over the offered letters. They differ only when a letter shows up in both
 * spellings or not at all.
 */
export type LetterScoring = "sum" | "opinionqa";
export const LETTER_SCORINGS: readonly LetterScoring[] = ["sum", "opinionqa"];

/**
 * Each offered letter's probability from the top tokens (see LetterScoring), renormalised over the
 * letters. `mass` is the probability the letters' tokens had among the top tokens before
 * renormalising (capped at 1 against rounding; what `opinionqa` imputes for absent letters is not
 * counted). With no letter among the top tokens, `probs` is null and `reason` says why (also under
 * `opinionqa`, whose imputed values alone would be a distribution the model never gave).
 */
export function letterDistribution(
  topTokens: readonly TokenLogprob[],
  letters: readonly string[],
  scoring: LetterScoring = "sum",
): LetterAnswer {
  checkLetters(letters);
  // Variant v of letter i: index.get(token) = [i, bare?].
  const index = new Map<string, [number, boolean]>();
  letters.forEach((l, i) => {
    for (const v of letterVariants(l)) index.set(v, [i, v === l]);
  });
  const sums = new Array<number>(letters.length).fill(0);
  const spaced = new Array<number>(letters.length).fill(-1);
  const bare = new Array<number>(letters.length).fill(-1);
  let mass = 0;
  let topMass = 0;
  let minProb = Number.POSITIVE_INFINITY;
  for (const t of topTokens) {
    if (Number.isNaN(t.logprob)) {
      throw new AvakitError(`log-probability of token ${JSON.stringify(t.token)} is not a number`);
    }
    const p = Math.exp(t.logprob);
    topMass += p;
    if (p < minProb) minProb = p;
    const hit = index.get(t.token);
    if (hit === undefined) continue;
    const [i, isBare] = hit;
    sums[i] = (sums[i] ?? 0) + p;
    const seen = isBare ? bare : spaced;
    if (p > (seen[i] ?? -1)) seen[i] = p;
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
  let unnorm = sums;
  if (scoring === "opinionqa") {
    const picked = letters.map((_, i) => Math.max(spaced[i] ?? -1, bare[i] ?? -1));
    const misses = picked.filter((p) => p < 0).length;
    const missValue = misses > 0 ? Math.min(minProb, Math.max(0, 1 - topMass) / misses) : 0;
    unnorm = picked.map((p) => (p < 0 ? missValue : p));
  }
  const z = unnorm.reduce((a, b) => a + b, 0);
  const probs = unnorm.map((s) => s / z);
  const covered = Math.min(mass, 1);
  return { probs, mass: covered, lowMass: covered < LOW_MASS_THRESHOLD };
}
