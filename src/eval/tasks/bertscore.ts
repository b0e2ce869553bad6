/**
 * BERTScore for the generation tasks (§4; Zhang et al., 2020): token embeddings from a
 * TokenEmbedder (backends/transformers-tokens.ts), greedy matching from metrics/bertscore.ts.
 * Without a working embedder the score is null with the reason, never a number.
 */
import type { TokenEmbedder } from "../../backends/transformers-tokens.js";
import { errorMessage } from "../../core/errors.js";
import { type BertScoreOptions, corpusBertScore } from "../metrics/bertscore.js";

export type BertScoreOutcome =
  | { value: number; perItem: number[]; embedder: string }
  | { value: null; reason: string };

export async function taskBertScore(
  embedder: TokenEmbedder | { unavailable: string },
  hyps: readonly string[],
  refs: readonly string[],
  options: BertScoreOptions = {},
): Promise<BertScoreOutcome> {
  if ("unavailable" in embedder)
    return { value: null, reason: `not computed: ${embedder.unavailable}` };
  if (hyps.length === 0) return { value: null, reason: "not computed: no answered items" };
  try {
    const c = await embedder.embedTokens(hyps);
    const r = await embedder.embedTokens(refs);
    const s = corpusBertScore(c, r, options);
    return { value: s.f1, perItem: s.pairs.map((p) => p.f1), embedder: embedder.id };
  } catch (err) {
    return { value: null, reason: `not computed: ${errorMessage(err)}` };
  }
}
