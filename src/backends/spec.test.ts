import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type FakeModelServer, startFakeModelServer } from "../../test/fake-openai-server.js";
import { AvakitError, UsageError } from "../core/errors.js";
import { answerLetters } from "./answer.js";
import { HumanBaseline, UniformBaseline } from "./baselines.js";
import { CachedBackend } from "./cache.js";
import { OllamaBackend } from "./ollama.js";
import { defaultOpenAIApi, OpenAIBackend } from "./openai.js";
import { createBackend, formatModelSpec, parseModelSpec } from "./spec.js";
import type { LetterItem } from "./types.js";

let server: FakeModelServer;
before(async () => {
  server = await startFakeModelServer();
});
after(() => server.close());

test("parseModelSpec: every kind, colons kept after the first", () => {
  assert.deepEqual(parseModelSpec("openai:gpt-4o-mini"), { kind: "openai", model: "gpt-4o-mini" });
  assert.deepEqual(parseModelSpec("ollama:llama3:8b"), { kind: "ollama", model: "llama3:8b" });
  assert.deepEqual(parseModelSpec("llamacpp:/models/x.gguf"), {
    kind: "llamacpp",
    path: "/models/x.gguf",
  });
  assert.deepEqual(parseModelSpec("uniform"), { kind: "uniform" });
  assert.deepEqual(parseModelSpec("human:CREGION:Northeast"), {
    kind: "human",
    group: "CREGION:Northeast",
  });
  for (const s of ["openai:gpt-4o-mini", "ollama:llama3:8b", "uniform", "human:Overall"]) {
    assert.equal(formatModelSpec(parseModelSpec(s)), s);
  }
});

test("parseModelSpec: unknown kinds and missing names are usage errors", () => {
  assert.throws(() => parseModelSpec("gpt-4o"), UsageError);
  assert.throws(() => parseModelSpec("anthropic:claude"), /unknown model spec/);
  assert.throws(() => parseModelSpec("openai:"), /needs model/);
  assert.throws(() => parseModelSpec("human:"), /needs group/);
});

test("createBackend builds each kind; a missing GGUF file is a clear error", () => {
  const o = createBackend("openai:m", { baseUrl: server.openaiBaseUrl, env: {} });
  assert.ok(o instanceof OpenAIBackend);
  assert.equal(o.api, "completions");
  assert.equal(o.baseUrl, server.openaiBaseUrl);
  assert.ok(createBackend("ollama:llama3", { baseUrl: server.url }) instanceof OllamaBackend);
  assert.equal(new OllamaBackend({ model: "x" }).baseUrl, "http://127.0.0.1:11434");
  assert.ok(createBackend("uniform") instanceof UniformBaseline);
  const h = createBackend("human:CREGION:Northeast");
  assert.ok(h instanceof HumanBaseline);
  assert.equal(h.model, "CREGION:Northeast");
  assert.throws(
    () => createBackend("llamacpp:/m/x.gguf"),
    (err: Error) =>
      err instanceof AvakitError && /llamacpp:\/m\/x\.gguf: no such model file/.test(err.message),
  );
  const dir = mkdtempSync(join(tmpdir(), "avakit-spec-"));
  try {
    const c = createBackend("ollama:llama3", { baseUrl: server.url, cacheDir: dir });
    assert.ok(c instanceof CachedBackend);
    assert.equal(c.name, "ollama");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("OpenAI itself needs a key; the default API is chat there, completions elsewhere", () => {
  assert.throws(() => createBackend("openai:gpt-4o-mini", { env: {} }), /OPENAI_API_KEY/);
  const b = createBackend("openai:gpt-4o-mini", {
    env: { OPENAI_API_KEY: "sk-test-0123456789abcdef" },
  });
  assert.ok(b instanceof OpenAIBackend);
  assert.equal(b.api, "chat");
  assert.equal(b.baseUrl, "https://api.openai.com/v1");
  assert.ok(!JSON.stringify(b).includes("sk-test"));
  assert.equal(defaultOpenAIApi("http://localhost:8000/v1"), "completions");
  assert.throws(() => createBackend("openai:m", { baseUrl: "not a url" }), /not a URL/);
});

test("the exact request bodies", () => {
  const comp = new OpenAIBackend({ model: "m", baseUrl: "http://h/v1", api: "completions" });
  assert.deepEqual(comp.requestKey({ method: "topLogprobs", prompt: "P", k: 7 }), {
    path: "/completions",
    body: { model: "m", prompt: "P", max_tokens: 1, temperature: 0, logprobs: 7 },
  });
  const chat = new OpenAIBackend({ model: "m", baseUrl: "http://h/v1", api: "chat" });
  assert.deepEqual(chat.requestKey({ method: "topLogprobs", prompt: "P", k: 7 }), {
    path: "/chat/completions",
    body: {
      model: "m",
      messages: [{ role: "user", content: "P" }],
      max_tokens: 1,
      temperature: 0,
      logprobs: true,
      top_logprobs: 7,
    },
  });
  assert.deepEqual(
    chat.requestKey({
      method: "generate",
      prompt: "P",
      maxTokens: 512,
      temperature: 0.7,
      topP: 0.95,
    }),
    {
      path: "/chat/completions",
      body: {
        model: "m",
        messages: [{ role: "user", content: "P" }],
        max_tokens: 512,
        temperature: 0.7,
        top_p: 0.95,
      },
    },
  );
  const ol = new OllamaBackend({ model: "llama3" });
  assert.deepEqual(ol.requestKey({ method: "topLogprobs", prompt: "P", k: 5 }), {
    path: "/api/generate",
    body: {
      model: "llama3",
      prompt: "P",
      raw: true,
      stream: false,
      options: { temperature: 0, num_predict: 1 },
      logprobs: true,
      top_logprobs: 5,
    },
  });
  assert.deepEqual(
    ol.requestKey({
      method: "generate",
      prompt: "P",
      maxTokens: 9,
      temperature: 0.7,
      stop: ["\n"],
    }),
    {
      path: "/api/generate",
      body: {
        model: "llama3",
        prompt: "P",
        raw: true,
        stream: false,
        options: { temperature: 0.7, num_predict: 9, stop: ["\n"] },
      },
    },
  );
  assert.throws(
    () =>
      comp.requestKey({ method: "topLogprobs", prompt: [{ role: "user", content: "x" }], k: 1 }),
    /use --api chat/,
  );
});

test("Ollama sends a conversation to /api/chat", async () => {
  const ol = new OllamaBackend({ model: "gemma3", baseUrl: server.url });
  const msgs = [
    { role: "system" as const, content: "Answer with a letter." },
    { role: "user" as const, content: "Q? Answer:" },
  ];
  const n = server.requests.length;
  const r = await ol.topLogprobs(msgs, { k: 4 });
  assert.equal(r.tokens.length, 4);
  const g = await ol.generate(msgs, { maxTokens: 20, temperature: 0 });
  assert.match(g.text, /^fake answer: Q\? Answer:/);
  const sent = server.requests.slice(n);
  assert.deepEqual(
    sent.map((q) => q.path),
    ["/api/chat", "/api/chat"],
  );
  assert.deepEqual((sent[0]?.body as { messages?: unknown } | undefined)?.messages, msgs);
});

const ITEM: LetterItem = {
  id: "W26:GUNCONTRL",
  prompt: "Q? Answer:",
  letters: ["A", "B", "C", "D"],
  human: { Overall: [0.1, 0.2, 0.3, 0.4], "CREGION:Northeast": [2, 2, 4, 0] },
};

test("uniform and human baselines answer letter questions directly", async () => {
  const u = await answerLetters(new UniformBaseline(), ITEM);
  assert.deepEqual(u, { probs: [0.25, 0.25, 0.25, 0.25], mass: 1, lowMass: false });
  const h = await answerLetters(createBackend("human:CREGION:Northeast"), ITEM);
  assert.deepEqual(h, { probs: [0.25, 0.25, 0.5, 0], mass: 1, lowMass: false });
  const looked = new HumanBaseline("Overall", { lookup: () => [1, 1, 1, 1] });
  assert.deepEqual((await looked.letterDistribution(ITEM)).probs, [0.25, 0.25, 0.25, 0.25]);
  for (const b of [new UniformBaseline(), new HumanBaseline("Overall")]) {
    assert.deepEqual(b.capabilities, {
      letterLogprobs: false,
      promptLogprobs: false,
      generate: false,
    });
    await assert.rejects(b.topLogprobs(), /is a baseline/);
    await assert.rejects(b.generate(), /is a baseline/);
  }
});

test("human baseline errors name the group and the item", async () => {
  await assert.rejects(
    answerLetters(new HumanBaseline("RACE:Asian"), ITEM),
    /no human distribution for group "RACE:Asian" on item W26:GUNCONTRL \(it has Overall, CREGION:Northeast\)/,
  );
  await assert.rejects(
    new HumanBaseline("Overall").letterDistribution({ ...ITEM, letters: ["A", "B"] }),
    /has 4 values for 2 options/,
  );
  await assert.rejects(
    new HumanBaseline("X").letterDistribution({ ...ITEM, human: { X: [0, 0, 0, 0] } }),
    /all zero/,
  );
});

test("answerLetters through a model reports the server's model name", async () => {
  const b = new OpenAIBackend({ model: "m", baseUrl: server.openaiBaseUrl, api: "chat" });
  const a = await answerLetters(b, { id: "q", prompt: "Q? Answer:", letters: ["A", "B"] });
  assert.equal(a.serverModel, "m-fake-0001");
  assert.ok(a.probs !== null && Math.abs((a.probs[0] ?? 0) + (a.probs[1] ?? 0) - 1) < 1e-12);
});
