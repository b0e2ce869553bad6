import assert from "node:assert/strict";
import { test } from "node:test";
import { parseOllamaText, parseOllamaTopLogprobs } from "./ollama.js";
import {
  parseChatText,
  parseChatTopLogprobs,
  parseCompletionsText,
  parseCompletionsTopLogprobs,
} from "./openai.js";
import { ResponseShapeError, serverModelOf } from "./response-shape.js";

// Real response shapes, as the servers send them (values shortened).

/** OpenAI POST /v1/completions with logprobs: 5 (also vLLM's shape, which may add the sampled token as k+1). */
const OPENAI_COMPLETIONS = {
  id: "cmpl-9Xk2hT5fQ1uQ0Yk8L1aZ3",
  object: "text_completion",
  created: 1717000000,
  model: "gpt-3.5-turbo-instruct",
  choices: [
    {
      text: " B",
      index: 0,
      logprobs: {
        tokens: [" B"],
        token_logprobs: [-0.5108256],
        top_logprobs: [
          { " A": -1.2039728, " B": -0.5108256, B: -3.912023, " C": -2.9957323, " D": -4.6051702 },
        ],
        text_offset: [143],
      },
      finish_reason: "length",
    },
  ],
  usage: { prompt_tokens: 52, completion_tokens: 1, total_tokens: 53 },
};

/** OpenAI POST /v1/chat/completions with logprobs: true, top_logprobs: 3. */
const OPENAI_CHAT = {
  id: "chatcmpl-9Xk2k0pQ",
  object: "chat.completion",
  created: 1717000001,
  model: "gpt-4o-mini-2024-07-18",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "A", refusal: null },
      logprobs: {
        content: [
          {
            token: "A",
            logprob: -0.0110584,
            bytes: [65],
            top_logprobs: [
              { token: "A", logprob: -0.0110584, bytes: [65] },
              { token: "B", logprob: -4.6360584, bytes: [66] },
              { token: "C", logprob: -7.1360583, bytes: [67] },
            ],
          },
        ],
        refusal: null,
      },
      finish_reason: "length",
    },
  ],
  usage: { prompt_tokens: 61, completion_tokens: 1, total_tokens: 62 },
  system_fingerprint: "fp_0ba0d124f1",
};

/** llama.cpp server POST /v1/completions: the chat shape, with token ids; zero probability as a huge negative. */
const LLAMACPP_COMPLETIONS = {
  choices: [
    {
      text: " C",
      index: 0,
      logprobs: {
        content: [
          {
            id: 356,
            token: " C",
            bytes: [32, 67],
            logprob: -0.35,
            top_logprobs: [
              { id: 356, token: " C", bytes: [32, 67], logprob: -0.35 },
              { id: 362, token: " A", bytes: [32, 65], logprob: -1.5 },
              { id: 13, token: "\n", bytes: [10], logprob: -3.4028234663852886e38 },
            ],
          },
        ],
      },
      finish_reason: "length",
    },
  ],
  created: 1717000002,
  model: "qwen2.5-7b-instruct-q4_k_m.gguf",
  object: "text_completion",
  usage: { completion_tokens: 1, prompt_tokens: 40, total_tokens: 41 },
  id: "chatcmpl-L2b3",
};

/** Ollama POST /api/generate, raw, stream false, logprobs true, top_logprobs 3 (Ollama ≥ 0.12.11). */
const OLLAMA_GENERATE = {
  model: "llama3.2:3b",
  created_at: "2025-12-01T10:15:42.123456Z",
  response: " B",
  done: true,
  done_reason: "length",
  total_duration: 183_394_583,
  load_duration: 20_143_125,
  prompt_eval_count: 48,
  prompt_eval_duration: 120_000_000,
  eval_count: 1,
  eval_duration: 1_000_000,
  logprobs: [
    {
      token: " B",
      logprob: -0.4,
      bytes: [32, 66],
      top_logprobs: [
        { token: " B", logprob: -0.4, bytes: [32, 66] },
        { token: " A", logprob: -1.3, bytes: [32, 65] },
        { token: " C", logprob: -2.9, bytes: [32, 67] },
      ],
    },
  ],
};

/** Ollama POST /api/chat with logprobs. */
const OLLAMA_CHAT = {
  model: "gemma3:4b",
  created_at: "2025-12-01T10:16:00.5Z",
  message: { role: "assistant", content: "Yes" },
  done: true,
  done_reason: "length",
  logprobs: [
    {
      token: "Yes",
      logprob: -0.05,
      top_logprobs: [
        { token: "Yes", logprob: -0.05 },
        { token: "No", logprob: -3.1 },
      ],
    },
  ],
};

test("OpenAI completions: top_logprobs[0] object, sorted most likely first", () => {
  const t = parseCompletionsTopLogprobs(OPENAI_COMPLETIONS);
  assert.deepEqual(
    t.map((x) => x.token),
    [" B", " A", " C", "B", " D"],
  );
  assert.equal(t[0]?.logprob, -0.5108256);
  assert.equal(serverModelOf(OPENAI_COMPLETIONS), "gpt-3.5-turbo-instruct");
  assert.equal(parseCompletionsText(OPENAI_COMPLETIONS), " B");
});

test("OpenAI chat: logprobs.content[0].top_logprobs list", () => {
  const t = parseChatTopLogprobs(OPENAI_CHAT);
  assert.deepEqual(t, [
    { token: "A", logprob: -0.0110584 },
    { token: "B", logprob: -4.6360584 },
    { token: "C", logprob: -7.1360583 },
  ]);
  assert.equal(serverModelOf(OPENAI_CHAT), "gpt-4o-mini-2024-07-18");
  assert.equal(parseChatText(OPENAI_CHAT), "A");
});

test("llama.cpp server's completions shape is read by the completions parser", () => {
  const t = parseCompletionsTopLogprobs(LLAMACPP_COMPLETIONS);
  assert.deepEqual(
    t.map((x) => x.token),
    [" C", " A", "\n"],
  );
  assert.equal(Math.exp(t[2]?.logprob ?? 0), 0);
});

test("Ollama generate and chat: logprobs[0].top_logprobs at the top level", () => {
  const g = parseOllamaTopLogprobs(OLLAMA_GENERATE);
  assert.deepEqual(
    g.map((x) => [x.token, x.logprob]),
    [
      [" B", -0.4],
      [" A", -1.3],
      [" C", -2.9],
    ],
  );
  assert.equal(parseOllamaText(OLLAMA_GENERATE), " B");
  assert.equal(serverModelOf(OLLAMA_GENERATE), "llama3.2:3b");
  assert.equal(parseOllamaTopLogprobs(OLLAMA_CHAT)[0]?.token, "Yes");
  assert.equal(parseOllamaText(OLLAMA_CHAT), "Yes");
});

test("missing log-probabilities are shape errors naming the missing path", () => {
  const noLp = structuredClone(OPENAI_COMPLETIONS) as { choices: { logprobs: unknown }[] };
  (noLp.choices[0] as { logprobs: unknown }).logprobs = null;
  assert.throws(() => parseCompletionsTopLogprobs(noLp), /choices\[0\]\.logprobs is missing/);
  const noChat = structuredClone(OPENAI_CHAT) as { choices: { logprobs: unknown }[] };
  (noChat.choices[0] as { logprobs: unknown }).logprobs = null;
  assert.throws(() => parseChatTopLogprobs(noChat), ResponseShapeError);
  const { logprobs: _, ...noOllama } = OLLAMA_GENERATE;
  assert.throws(() => parseOllamaTopLogprobs(noOllama), /logprobs is missing/);
  assert.throws(() => parseChatTopLogprobs({ choices: [] }), /choices is missing or empty/);
  assert.throws(() => parseChatTopLogprobs("<html>"), /not a JSON object/);
});

test("null log-probabilities read as -Infinity; other non-numbers are errors", () => {
  const t = parseChatTopLogprobs({
    choices: [{ logprobs: { content: [{ top_logprobs: [{ token: "A", logprob: null }] }] } }],
  });
  assert.equal(t[0]?.logprob, Number.NEGATIVE_INFINITY);
  assert.throws(
    () =>
      parseChatTopLogprobs({
        choices: [{ logprobs: { content: [{ top_logprobs: [{ token: "A", logprob: "-1" }] }] } }],
      }),
    /not a number/,
  );
});

test("chat text: content, else the refusal", () => {
  assert.equal(
    parseChatText({
      choices: [{ message: { content: null, refusal: "I can't help with that." } }],
    }),
    "I can't help with that.",
  );
  assert.throws(
    () => parseChatText({ choices: [{ message: { content: null } }] }),
    ResponseShapeError,
  );
});
