import assert from "node:assert/strict";
import { test } from "node:test";
import { ADJUSTMENTS, SKIP_REASONS, trainableConversation } from "./conversation.js";

const u = (content: string) => ({ role: "user", content });
const a = (content: string) => ({ role: "assistant", content });
const s = (content: string) => ({ role: "system", content });

test("trainableConversation: an AVA record and a system-led multi-turn chat pass unchanged", () => {
  for (const messages of [
    [u("prompt"), a("answer")],
    [s("sys"), u("q1"), a("a1"), u("q2"), a("a2")],
  ]) {
    const r = trainableConversation(messages);
    assert.deepEqual(r, { ok: true, messages, adjusted: [] });
  }
});

test("trainableConversation: leading assistant turns and a trailing user turn are dropped", () => {
  assert.deepEqual(trainableConversation([a("hi"), a("there"), u("q"), a("r"), u("dangling")]), {
    ok: true,
    messages: [u("q"), a("r")],
    adjusted: [ADJUSTMENTS.leadingAssistant, ADJUSTMENTS.trailingUser],
  });
  assert.deepEqual(trainableConversation([s("sys"), a("greeting"), u("q"), a("r")]), {
    ok: true,
    messages: [s("sys"), u("q"), a("r")],
    adjusted: [ADJUSTMENTS.leadingAssistant],
  });
});

test("trainableConversation: non-alternating, misplaced system, empty or role-less chats are left out", () => {
  const cases: [{ role: string; content: string }[], string][] = [
    [[u("a"), u("b"), a("c")], SKIP_REASONS.repeatedRole],
    [[u("a"), a("b"), a("c")], SKIP_REASONS.repeatedRole],
    [[u("a"), s("b"), a("c")], SKIP_REASONS.systemNotFirst],
    [[s("a"), s("b"), u("c"), a("d")], SKIP_REASONS.systemNotFirst],
    [[u("alone")], SKIP_REASONS.noExchange],
    [[s("only system")], SKIP_REASONS.noExchange],
    [[a("only assistant")], SKIP_REASONS.noExchange],
    [[], SKIP_REASONS.noExchange],
    [[{ role: "tool", content: "x" }, u("q"), a("r")], SKIP_REASONS.unknownRole],
  ];
  for (const [messages, reason] of cases)
    assert.deepEqual(
      trainableConversation(messages),
      { ok: false, reason },
      JSON.stringify(messages),
    );
});
