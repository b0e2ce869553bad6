/**
 * Which conversations a chat trainer can learn from. All three trainers need the same shape: an
 * optional system turn first, then user and assistant turns alternating, ending with the
 * assistant. LLaMA-Factory's ShareGPT converter silently skips any other conversation ("Invalid
 * role tag", "Invalid message count"), and Llama-2-chat's chat template raises on
 * non-alternating roles, which would stop TRL and axolotl mid-run. So the exporter checks every
 * conversation here and reports what it dropped, instead of a trainer doing it unseen. Pure.
 *
 * Two repairs are made, both as FastChat did when it trained Vicuna on ShareGPT: a conversation
 * that opens with assistant turns loses them, and a trailing user turn (nothing to learn from)
 * is dropped. Anything else that does not alternate is skipped, with its reason.
 */
import type { ChatRole } from "../tasks/mix.js";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export const ADJUSTMENTS = {
  leadingAssistant: "leading assistant turn dropped",
  trailingUser: "trailing user turn dropped",
} as const;

export const SKIP_REASONS = {
  unknownRole: "a turn has a role other than system, user or assistant",
  systemNotFirst: "a system turn after the first turn",
  repeatedRole: "two user or two assistant turns in a row",
  noExchange: "no user turn followed by an assistant turn",
} as const;

export type ConversationCheck =
  | { ok: true; messages: ChatMessage[]; adjusted: string[] }
  | { ok: false; reason: string };

const ROLES: ReadonlySet<string> = new Set(["system", "user", "assistant"]);

/** The conversation as a trainer can take it (see the module comment), or why it cannot. */
export function trainableConversation(
  messages: readonly { role: string; content: string }[],
): ConversationCheck {
  if (messages.some((m) => !ROLES.has(m.role)))
    return { ok: false, reason: SKIP_REASONS.unknownRole };
  const adjusted: string[] = [];
  const system = messages[0]?.role === "system" ? [messages[0] as ChatMessage] : [];
  let turns = messages.slice(system.length) as ChatMessage[];
  if (turns.some((m) => m.role === "system"))
    return { ok: false, reason: SKIP_REASONS.systemNotFirst };
  let lead = 0;
  while (turns[lead]?.role === "assistant") lead++;
  if (lead > 0) {
    turns = turns.slice(lead);
    adjusted.push(ADJUSTMENTS.leadingAssistant);
  }
  for (let i = 1; i < turns.length; i++) {
    if (turns[i]!.role === turns[i - 1]!.role)
      return { ok: false, reason: SKIP_REASONS.repeatedRole };
  }
  if (turns.length > 0 && turns[turns.length - 1]!.role === "user") {
    turns = turns.slice(0, -1);
    adjusted.push(ADJUSTMENTS.trailingUser);
  }
  if (turns.length === 0) return { ok: false, reason: SKIP_REASONS.noExchange };
  return {
    ok: true,
    messages: [...system, ...turns].map((m) => ({ role: m.role, content: m.content })),
    adjusted,
  };
}
