import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type FakeModelServer, startFakeModelServer } from "../../test/fake-openai-server.js";
import {
  BackendHttpError,
  displayUrl,
  postJson,
  redactSecret,
  retryAfterMs,
  serverMessage,
} from "./http.js";

let server: FakeModelServer;
before(async () => {
  server = await startFakeModelServer();
});
after(() => server.close());

test("retry-after: retry-after-ms, seconds, fractions and HTTP dates", () => {
  assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "250" })), 250);
  assert.equal(retryAfterMs(new Headers({ "retry-after": "2" })), 2000);
  assert.equal(retryAfterMs(new Headers({ "retry-after": "1.5" })), 1500);
  const now = Date.parse("2025-01-01T00:00:00Z");
  assert.equal(
    retryAfterMs(new Headers({ "retry-after": "Wed, 01 Jan 2025 00:00:30 GMT" }), now),
    30_000,
  );
  assert.equal(retryAfterMs(new Headers({ "retry-after": "soon" })), null);
  assert.equal(retryAfterMs(new Headers()), null);
});

test("redaction: the key raw and URL-encoded, bearer tokens, sk- keys", () => {
  const key = "sk-proj-AbC/123+xyz=";
  const text = `key ${key} enc ${encodeURIComponent(key)} hdr "Bearer abc.def-ghi" other sk-live0123456789abcdefXYZ.`;
  const out = redactSecret(text, key);
  assert.ok(!out.includes(key));
  assert.ok(!out.includes(encodeURIComponent(key)));
  assert.ok(!out.includes("abc.def-ghi"));
  assert.ok(!out.includes("sk-live0123456789abcdefXYZ"));
  assert.match(out, /"Bearer \[REDACTED\]"/);
  assert.match(out, /\.$/);
});

test("displayUrl drops credentials, query and trailing slash", () => {
  assert.equal(
    displayUrl("https://user:pw@host.example/v1/?api-key=SECRET"),
    "https://host.example/v1",
  );
  assert.equal(displayUrl("http://127.0.0.1:8000/v1"), "http://127.0.0.1:8000/v1");
});

test("serverMessage reads OpenAI, Ollama, vLLM and plain bodies", () => {
  assert.deepEqual(
    serverMessage('{"error":{"message":"The model `x` does not exist","code":"model_not_found"}}'),
    { message: "The model `x` does not exist", code: "model_not_found" },
  );
  assert.deepEqual(serverMessage('{"error":"model \\"x\\" not found"}'), {
    message: 'model "x" not found',
    code: null,
  });
  assert.deepEqual(serverMessage('{"object":"error","message":"boom","code":404}'), {
    message: "boom",
    code: null,
  });
  assert.deepEqual(serverMessage("Bad Gateway"), { message: "Bad Gateway", code: null });
});

test("quota exhaustion (429 insufficient_quota) is not retried", async () => {
  server.faults.push({
    kind: "status",
    status: 429,
    message: "You exceeded your quota",
    code: "insufficient_quota",
  });
  const sleeps: number[] = [];
  await assert.rejects(
    postJson(
      {
        url: `${server.openaiBaseUrl}/completions`,
        body: { model: "m", prompt: "x" },
        server: "s",
        model: "m",
      },
      { sleep: async (ms) => void sleeps.push(ms) },
    ),
    (err: Error) => err instanceof BackendHttpError && err.kind === "quota",
  );
  assert.deepEqual(sleeps, []);
});

test("retry waits are capped by maxWaitMs, retry-after included", async () => {
  server.faults.push({ kind: "rate-limit", retryAfterSeconds: 3600 });
  const sleeps: number[] = [];
  await postJson(
    {
      url: `${server.openaiBaseUrl}/completions`,
      body: { model: "m", prompt: "x" },
      server: "s",
      model: "m",
    },
    { sleep: async (ms) => void sleeps.push(ms), maxWaitMs: 5_000 },
  );
  assert.deepEqual(sleeps, [5_000]);
});

test("a caller's AbortSignal cancels the request without retrying", async () => {
  server.faults.push({ kind: "slow", ms: 2_000 });
  const ac = new AbortController();
  const n = server.requests.length;
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(
    postJson({
      url: `${server.openaiBaseUrl}/completions`,
      body: { model: "m", prompt: "x" },
      server: "s",
      model: "m",
      signal: ac.signal,
    }),
    (err: Error) => err instanceof BackendHttpError && err.kind === "cancelled",
  );
  assert.equal(server.requests.length, n + 1);
});

test("a refused connection is retried, then named with a hint", async () => {
  const gone = await startFakeModelServer();
  const url = `${gone.openaiBaseUrl}/completions`;
  await gone.close();
  const sleeps: number[] = [];
  await assert.rejects(
    postJson(
      { url, body: {}, server: "openai server X", model: "m" },
      { maxAttempts: 2, sleep: async (ms) => void sleeps.push(ms) },
    ),
    (err: Error) =>
      err instanceof BackendHttpError &&
      err.kind === "gave_up" &&
      /ECONNREFUSED.*is the server running\?/.test(err.message),
  );
  assert.equal(sleeps.length, 1);
});
