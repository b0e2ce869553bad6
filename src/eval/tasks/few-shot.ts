/**
 * K-shot prompts (§4: the paper compares trained models with 5-shot inference of untrained ones).
 * Each test prompt gets K examples of the same task from the train split, chosen by a seeded
 * shuffle keyed on (seed, test record id), so a rerun asks exactly the same prompts.
 *
 * Text format (completions APIs, the default): examples and the test prompt separated by a line
 * holding only "###", each example its prompt (which ends "\n\nAnswer:") a space and its answer:
 *
 *   <example 1 prompt> <example 1 response>
 *
 *   ###
 *
 *   <example 2 prompt> <example 2 response>
 *
 *   ###
 *
 *   <test prompt>
 *
 * Generation stops at "\n\n###" (the model starting another example) or "\n\nAnswer:" (a new
 * prompt's answer cue), the `GENERATION_STOP` list; the text is also cut there afterwards, for
 * servers that ignore `stop`. Chat format (`--api chat`): one user turn per example prompt and
 * one assistant turn per example answer, then the test prompt as the last user turn.
 */
import type { ChatMessage, Prompt } from "../../backends/types.js";
import { sha256 } from "../../core/hash.js";
import { mulberry32 } from "../metrics/bootstrap.js";

export const FEW_SHOT_SEPARATOR = "\n\n###\n\n";
export const GENERATION_STOP: readonly string[] = ["\n\n###", "\n\nAnswer:"];

export type PromptFormat = "text" | "chat";

export interface ShotExample {
  id: string;
  prompt: string;
  response: string;
}

/** K examples for one test record: a seeded choice without repeats from `pool` (never the record itself). */
export function chooseShots(
  pool: readonly ShotExample[],
  k: number,
  seed: number,
  recordId: string,
): ShotExample[] {
  const candidates = pool.filter((e) => e.id !== recordId);
  const random = mulberry32(Number.parseInt(sha256(`${seed}\u0000${recordId}`).slice(0, 8), 16));
  const a = [...candidates];
  // Partial Fisher–Yates: the first k places.
  for (let i = 0; i < Math.min(k, a.length); i++) {
    const j = i + Math.floor(random() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, Math.min(k, a.length));
}

/** The prompt with its examples, in the chosen format. */
export function fewShotPrompt(
  prompt: string,
  shots: readonly ShotExample[],
  format: PromptFormat,
): Prompt {
  if (format === "chat") {
    const messages: ChatMessage[] = [];
    for (const s of shots) {
      messages.push({ role: "user", content: s.prompt });
      messages.push({ role: "assistant", content: s.response });
    }
    messages.push({ role: "user", content: prompt });
    return messages;
  }
  return [...shots.map((s) => `${s.prompt} ${s.response}`), prompt].join(FEW_SHOT_SEPARATOR);
}

/** The generated text cut at the first stop sequence, trimmed. */
export function cutAtStop(text: string, stop: readonly string[] = GENERATION_STOP): string {
  let end = text.length;
  for (const s of stop) {
    const i = text.indexOf(s);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end).trim();
}
