import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { RetryOptions } from "../backends/http.js";
import { AvakitError } from "../core/errors.js";
import { OpenAIEmbedder, parseEmbeddingsResponse } from "./openai.js";
import { runEmbedderContract } from "./test-helpers/embedder-contract.js";
import {
  FAKE_DIM,
  type FakeEmbeddingsServer,
  startFakeEmbeddingsServer,
} from "./test-helpers/fake-embeddings-server.js";

const KEY = "sk-embed-SECRET-0123456789abcdef";
const MODEL = "text-embedding-fake";

/** Fast retries: no real waiting, the waits recorded. */
function fastRetry(sleeps: number[] = [], extra: RetryOptions = {}): RetryOptions {
  return {
    timeoutMs: 2_000,
    maxAttempts: 3,
    backoffBaseMs: 100,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  };
}

let contractServer: FakeEmbeddingsServer;
before(async () => {
  contractServer = await startFakeEmbeddingsServer();
});
after(async () => {
  await contractServer.close();
});
runEmbedderContract(
  "openai (fake /v1/embeddings)",
  () =>
    new OpenAIEmbedder({
      model: MODEL,
      baseUrl: contractServer.baseUrl,
      apiKey: KEY,
      batchSize: 2,
      ...fastRetry(),
    }),
);

describe("openai embedder", () => {
  let server: FakeEmbeddingsServer;
  let sleeps: number[];
  let dir: string;
  const make = (extra: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}) =>
    new OpenAIEmbedder({
      model: MODEL,
      baseUrl: server.baseUrl,
      apiKey: KEY,
      ...fastRetry(sleeps),
      ...extra,
    });

  before(async () => {
    server = await startFakeEmbeddingsServer();
    dir = mkdtempSync(join(tmpdir(), "avakit-openai-embed-"));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    sleeps = [];
    server.requests.length = 0;
    server.faults.length = 0;
  });

  it("posts {model, input} to BASE/embeddings with the key as a bearer token", async () => {
    const e = make();
    assert.equal(e.dim, null);
    const [v] = await e.embed(["hello"]);
    assert.equal(e.dim, FAKE_DIM);
    assert.equal(server.requests.length, 1);
    const r = server.requests[0]!;
    assert.equal(r.path, "/v1/embeddings");
    assert.equal(r.model, MODEL);
    assert.deepEqual(r.input, ["hello"]);
    assert.equal(r.authorization, `Bearer ${KEY}`);
    // The server's vector, normalised.
    const raw = server.vectorOf("hello", MODEL);
    const n = Math.hypot(...raw);
    for (let i = 0; i < FAKE_DIM; i++) assert.ok(Math.abs(v![i]! - raw[i]! / n) < 1e-6);
  });

  it("has an id naming the model and the server's host, never the key", () => {
    const e = make();
    assert.equal(e.id, `openai:${MODEL}@${new URL(server.baseUrl).host}`);
    assert.ok(!e.id.includes(KEY));
    assert.ok(!JSON.stringify(e).includes(KEY));
  });

  it("splits large inputs into requests of batchSize and keeps the order", async () => {
    const texts = Array.from({ length: 7 }, (_, i) => `text ${i}`);
    const vecs = await make({ batchSize: 3 }).embed(texts);
    assert.deepEqual(
      server.requests.map((r) => r.input.length),
      [3, 3, 1],
    );
    const one = await make().embed(["text 5"]);
    assert.deepEqual([...vecs[5]!], [...one[0]!]);
  });

  it("retries 429 and 5xx with the shared backoff, then succeeds", async () => {
    server.faults.push(
      { kind: "status", status: 429, message: "Rate limit reached" },
      { kind: "status", status: 503 },
    );
    const vecs = await make().embed(["a", "b"]);
    assert.equal(vecs.length, 2);
    assert.equal(server.requests.length, 3);
    assert.deepEqual(sleeps, [75, 150]);
  });

  it("retries a request that times out", async () => {
    server.faults.push({ kind: "slow", ms: 500 });
    const vecs = await make({ timeoutMs: 100 }).embed(["a"]);
    assert.equal(vecs.length, 1);
    assert.equal(sleeps.length, 1);
  });

  it("gives up on an unreachable endpoint with a message naming the URL", async () => {
    const e = new OpenAIEmbedder({
      model: MODEL,
      baseUrl: "http://127.0.0.1:9/v1",
      apiKey: KEY,
      ...fastRetry(sleeps, { maxAttempts: 2 }),
    });
    const started = performance.now();
    await assert.rejects(e.embed(["a"]), (err: unknown) => {
      assert.ok(err instanceof AvakitError);
      assert.match(err.message, /http:\/\/127\.0\.0\.1:9\/v1/);
      assert.match(err.message, /after 2 attempts/);
      assert.ok(!err.message.includes(KEY));
      return true;
    });
    assert.ok(performance.now() - started < 5_000);
  });

  it("never shows the API key, even when the server echoes it back", async () => {
    server.faults.push({
      kind: "status",
      status: 401,
      message: "Incorrect API key",
      echoAuth: true,
    });
    await assert.rejects(make().embed(["a"]), (err: unknown) => {
      assert.ok(err instanceof AvakitError);
      assert.match(err.message, /HTTP 401/);
      assert.ok(!err.message.includes(KEY), err.message);
      assert.ok(!String((err as Error).stack).includes(KEY));
      return true;
    });
  });

  it("names an unknown model", async () => {
    const strict = await startFakeEmbeddingsServer({ models: ["other-model"] });
    try {
      const e = new OpenAIEmbedder({ model: MODEL, baseUrl: strict.baseUrl, ...fastRetry() });
      await assert.rejects(e.embed(["a"]), /unknown model "text-embedding-fake"/);
    } finally {
      await strict.close();
    }
  });

  it("explains a body that is not an embeddings answer", async () => {
    server.faults.push({ kind: "no-data" });
    await assert.rejects(make().embed(["a"]), /unexpected body: data is missing.*\/v1\/embeddings/);
  });

  it("reads the key from OPENAI_API_KEY, or from a key file", async () => {
    const base = { model: MODEL, baseUrl: server.baseUrl, ...fastRetry() };
    await new OpenAIEmbedder({ ...base, env: { OPENAI_API_KEY: ` ${KEY}\n` } }).embed(["a"]);
    assert.equal(server.requests.at(-1)!.authorization, `Bearer ${KEY}`);
    const file = join(dir, "key.txt");
    writeFileSync(file, `${KEY}-file\n`);
    await new OpenAIEmbedder({ ...base, keyFile: file, env: {} }).embed(["a"]);
    assert.equal(server.requests.at(-1)!.authorization, `Bearer ${KEY}-file`);
    await new OpenAIEmbedder({ ...base, env: {} }).embed(["a"]);
    assert.equal(server.requests.at(-1)!.authorization, null, "no key, no header");
  });

  it("fails clearly on a missing key file, an empty one, or no key for api.openai.com", () => {
    const missing = join(dir, "nope.txt");
    assert.throws(
      () => new OpenAIEmbedder({ model: MODEL, keyFile: missing }),
      (err: unknown) =>
        err instanceof AvakitError && err.message.includes(missing) && /ENOENT/.test(err.message),
    );
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "\n");
    assert.throws(() => new OpenAIEmbedder({ model: MODEL, keyFile: empty }), /is empty/);
    assert.throws(
      () => new OpenAIEmbedder({ model: MODEL, env: {} }),
      /OpenAI embeddings API needs a key: set OPENAI_API_KEY/,
    );
    assert.throws(
      () => new OpenAIEmbedder({ model: MODEL, baseUrl: "not a url" }),
      /--embedder-url/,
    );
    assert.throws(() => new OpenAIEmbedder({ model: "", env: {} }), /openai:MODEL/);
  });
});

describe("parseEmbeddingsResponse", () => {
  it("puts vectors back in input order by index", () => {
    const vecs = parseEmbeddingsResponse(
      {
        data: [
          { index: 1, embedding: [0, 2] },
          { index: 0, embedding: [3, 0] },
        ],
      },
      2,
    );
    assert.deepEqual(
      vecs.map((v) => [...v]),
      [
        [1, 0],
        [0, 1],
      ],
    );
  });

  it("rejects wrong counts, repeated or out-of-range indices, and non-numeric vectors", () => {
    assert.throws(() => parseEmbeddingsResponse({ data: [] }, 1), /0 items for 1 inputs/);
    assert.throws(
      () =>
        parseEmbeddingsResponse(
          {
            data: [
              { index: 0, embedding: [1] },
              { index: 0, embedding: [1] },
            ],
          },
          2,
        ),
      /index 0 twice/,
    );
    assert.throws(
      () => parseEmbeddingsResponse({ data: [{ index: 5, embedding: [1] }] }, 1),
      /not an input position/,
    );
    assert.throws(
      () => parseEmbeddingsResponse({ data: [{ index: 0, embedding: "AAAA" }] }, 1),
      /base64/,
    );
    assert.throws(
      () => parseEmbeddingsResponse({ data: [{ index: 0, embedding: [1, "x"] }] }, 1),
      /not a finite number/,
    );
  });
});
