import assert from "node:assert/strict";
import { test } from "node:test";
import { OpenAIBackend, parseEchoLogprobs } from "../../backends/openai.js";
import type { Backend, PromptToken } from "../../backends/types.js";
import { perplexity, promptLogprobSource, responseLogprobs } from "./ppl.js";

test("parseEchoLogprobs: prompt tokens with offsets; the generated token dropped; first token has no context", () => {
  const json = {
    choices: [
      {
        text: "Hi there. Yes!",
        logprobs: {
          tokens: ["Hi", " there", ".", " Yes", "!"],
          token_logprobs: [null, -1, -0.5, -2, -0.1],
          text_offset: [0, 2, 8, 9, 13],
        },
      },
    ],
  };
  assert.deepEqual(parseEchoLogprobs(json, 13), [
    { token: "Hi", offset: 0, logprob: null },
    { token: " there", offset: 2, logprob: -1 },
    { token: ".", offset: 8, logprob: -0.5 },
    { token: " Yes", offset: 9, logprob: -2 },
  ]);
  assert.throws(
    () => parseEchoLogprobs({ choices: [{ text: "x", logprobs: {} }] }, 1),
    /ignored echo/,
  );
  assert.throws(
    () =>
      parseEchoLogprobs(
        { choices: [{ logprobs: { tokens: ["a"], token_logprobs: [], text_offset: [0] } }] },
        1,
      ),
    /differ in length/,
  );
});

test("responseLogprobs: the tokens ending after the context, a straddling token included", () => {
  const context = "Q:";
  const text = `${context} Best answer`;
  const tokens: PromptToken[] = [
    { token: "Q", offset: 0, logprob: null },
    { token: ":", offset: 1, logprob: -3 },
    { token: " Best", offset: 2, logprob: -1 },
    { token: " answer", offset: 7, logprob: -2 },
  ];
  assert.deepEqual(responseLogprobs(tokens, context.length, text.length), [-1, -2]);
  // A token "r: B" spanning the boundary counts for the response.
  const straddle: PromptToken[] = [
    { token: "Q", offset: 0, logprob: null },
    { token: ": B", offset: 1, logprob: -4 },
    { token: "est", offset: 4, logprob: -1 },
  ];
  assert.deepEqual(responseLogprobs(straddle, 2, 7), [-4, -1]);
  assert.throws(
    () => responseLogprobs([{ token: "x", offset: 0, logprob: null }], 0, 1),
    /no finite log-probability/,
  );
  assert.ok(Math.abs(perplexity([-1, -2]) - Math.exp(1.5)) < 1e-12);
});

test("promptLogprobSource: chat API and backends without the capability say why", () => {
  const chat = new OpenAIBackend({ model: "m", baseUrl: "http://127.0.0.1:9/v1", api: "chat" });
  assert.equal(chat.capabilities.promptLogprobs, false);
  const s = promptLogprobSource(chat);
  assert.ok("reason" in s);
  assert.match(s.reason, /^not computed: .*chat API/);
  const completions = new OpenAIBackend({
    model: "m",
    baseUrl: "http://127.0.0.1:9/v1",
    api: "completions",
  });
  assert.equal(completions.capabilities.promptLogprobs, true);
  assert.deepEqual(completions.requestKey({ method: "promptLogprobs", prompt: "abc" }), {
    path: "/completions",
    body: { model: "m", prompt: "abc", max_tokens: 1, temperature: 0, logprobs: 1, echo: true },
  });
  const none = {
    name: "uniform",
    model: "",
    capabilities: { letterLogprobs: false, promptLogprobs: false, generate: false },
  } as unknown as Backend;
  const u = promptLogprobSource(none);
  assert.ok("reason" in u && /no prompt log-probabilities/.test(u.reason));
});
