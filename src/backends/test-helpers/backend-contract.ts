/**
 * The backend contract, written once and run against every implementation (hono's
 * `runTest({ newRouter })`): `runBackendContract("openai completions", (ctx) => new ...)`.
 *
 * It starts the fake model server (test/fake-openai-server.ts), builds the backend against it
 * with a recording `sleep`, and checks the behaviour every backend owes its callers: parsed
 * top-k log-probabilities in order, the letter distribution they give, generation, the server's
 * model name, retries (429 with retry-after, 5xx, timeouts, cut connections), clear errors for an
 * unknown model, missing log-probabilities and a non-JSON body, the API key never in a message,
 * and a cache that makes a rerun send nothing.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type FakeModelServer,
  type FakeModelServerOptions,
  startFakeModelServer,
} from "../../../test/fake-openai-server.js";
import { AvakitError } from "../../core/errors.js";
import { answerLetters } from "../answer.js";
import { CachedBackend } from "../cache.js";
import type { RetryOptions } from "../http.js";
import type { Backend } from "../types.js";

export const CONTRACT_MODEL = "test-model-7b";
export const CONTRACT_KEY = "sk-contract-SECRET-0123456789abcdef";

export interface ContractContext {
  server: FakeModelServer;
  model: string;
  apiKey: string;
  /** Fast retries with a recording sleep; pass them to the backend. */
  retry: RetryOptions;
}

export interface ContractOptions {
  /** Extra fake-server options (e.g. llama.cpp's completions shape). */
  server?: FakeModelServerOptions;
  /** The server path the backend posts text prompts to, e.g. "/v1/completions". */
  path: string;
  /** Whether the backend sends the API key as a bearer token. */
  sendsKey: boolean;
}

const P_LETTERS = "Question: Which?\nA. yes\nB. no\nC. maybe\nAnswer:";
const P_OTHER = "Question: Other?\nA. x\nB. y\nAnswer:";
const P_TEXT = "Write one sentence about rivers.";

export function runBackendContract(
  name: string,
  makeBackend: (ctx: ContractContext) => Backend,
  opts: ContractOptions,
): void {
  describe(`backend contract: ${name}`, () => {
    let server: FakeModelServer;
    let sleeps: number[] = [];
    let backend: Backend;
    let dir: string;
    const make = (extra: RetryOptions = {}) =>
      makeBackend({
        server,
        model: CONTRACT_MODEL,
        apiKey: CONTRACT_KEY,
        retry: {
          timeoutMs: 2_000,
          maxAttempts: 4,
          backoffBaseMs: 1_000,
          random: () => 0.5,
          sleep: async (ms) => {
            sleeps.push(ms);
          },
          ...extra,
        },
      });

    before(async () => {
      server = await startFakeModelServer({
        prompts: {
          [P_LETTERS]: [
            { token: " A", logprob: Math.log(0.5) },
            { token: "B", logprob: Math.log(0.2) },
            { token: "▁C", logprob: Math.log(0.1) },
            { token: "\n", logprob: Math.log(0.15) },
            { token: "(A", logprob: Math.log(0.05) },
          ],
        },
        generateText: (prompt) => `Rivers carry water (${prompt.length} chars asked).`,
        ...opts.server,
      });
      dir = mkdtempSync(join(tmpdir(), "avakit-contract-"));
    });
    after(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      sleeps = [];
      server.faults.length = 0;
      server.requests.length = 0;
      backend = make();
    });

    it("declares its name, model and capabilities", () => {
      assert.ok(backend.name.length > 0);
      assert.equal(backend.model, CONTRACT_MODEL);
      assert.equal(backend.capabilities.letterLogprobs, true);
      assert.equal(backend.capabilities.generate, true);
      assert.equal(typeof backend.capabilities.promptLogprobs, "boolean");
      assert.ok(backend.baseUrl?.startsWith(server.url), "reports the server it talks to");
    });

    it("returns the top-k next tokens, most likely first, with the server's model name", async () => {
      const r = await backend.topLogprobs(P_LETTERS, { k: 3 });
      assert.deepEqual(
        r.tokens.map((t) => t.token),
        [" A", "B", "\n"],
      );
      assert.ok(Math.abs((r.tokens[0]?.logprob ?? 0) - Math.log(0.5)) < 1e-9);
      assert.equal(r.serverModel, `${CONTRACT_MODEL}-fake-0001`);
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0]?.path, opts.path);
      assert.equal(server.requests[0]?.model, CONTRACT_MODEL);
    });

    it("gives the letter distribution of the hand-computed example", async () => {
      const a = await answerLetters(
        backend,
        { id: "q1", prompt: P_LETTERS, letters: ["A", "B", "C"] },
        { k: 5 },
      );
      assert.ok(a.probs !== null);
      // A: 0.5, B: 0.2, C ("▁C"): 0.1; "\n" and "(A" are not letters. Mass 0.8.
      assert.ok(Math.abs(a.mass - 0.8) < 1e-9);
      const want = [0.625, 0.25, 0.125];
      for (const [i, p] of a.probs.entries()) {
        assert.ok(Math.abs(p - (want[i] ?? 0)) < 1e-9, `p[${i}] = ${p}`);
      }
      assert.equal(a.lowMass, false);
    });

    it("is deterministic: the same prompt gives the same answer", async () => {
      const x = await backend.topLogprobs(P_OTHER, { k: 5 });
      const y = await backend.topLogprobs(P_OTHER, { k: 5 });
      assert.deepEqual(x, y);
      assert.equal(x.tokens.length, 5);
    });

    it("generates text", async () => {
      const g = await backend.generate(P_TEXT, { maxTokens: 64, temperature: 0.7, topP: 0.95 });
      assert.equal(g.text, `Rivers carry water (${P_TEXT.length} chars asked).`);
      assert.equal(g.serverModel, `${CONTRACT_MODEL}-fake-0001`);
    });

    it("sends the API key only as a bearer token", async () => {
      await backend.topLogprobs(P_OTHER, { k: 2 });
      const auth = server.requests[0]?.authorization ?? null;
      if (opts.sendsKey) assert.equal(auth, `Bearer ${CONTRACT_KEY}`);
      assert.ok(!JSON.stringify(server.requests[0]?.body).includes(CONTRACT_KEY));
      assert.ok(!JSON.stringify(backend).includes(CONTRACT_KEY), "the key is not a visible field");
    });

    it("retries a 500 and succeeds, after a jittered backoff", async () => {
      server.faults.push({ kind: "status", status: 500, message: "internal error" });
      const r = await backend.topLogprobs(P_OTHER, { k: 2 });
      assert.equal(r.tokens.length, 2);
      assert.equal(server.requests.length, 2);
      assert.deepEqual(sleeps, [750]); // 1000 ms halved plus half of the rest (random 0.5)
    });

    it("honours retry-after on a 429", async () => {
      server.faults.push({ kind: "rate-limit", retryAfterSeconds: 7 });
      await backend.topLogprobs(P_OTHER, { k: 2 });
      assert.deepEqual(sleeps, [7_000]);
      assert.equal(server.requests.length, 2);
    });

    it("retries a timeout and a cut connection", async () => {
      const quick = make({ timeoutMs: 150 });
      server.faults.push({ kind: "slow", ms: 600 }, { kind: "cut-connection" });
      const r = await quick.topLogprobs(P_OTHER, { k: 2 });
      assert.equal(r.tokens.length, 2);
      assert.equal(server.requests.length, 3);
      assert.equal(sleeps.length, 2);
    });

    it("gives up after the last attempt, naming the server and the model", async () => {
      for (let i = 0; i < 4; i++) server.faults.push({ kind: "status", status: 503 });
      await assert.rejects(backend.topLogprobs(P_OTHER, { k: 2 }), (err: Error) => {
        assert.ok(err instanceof AvakitError);
        assert.match(err.message, /after 4 attempts/);
        assert.ok(err.message.includes(server.url), err.message);
        assert.ok(err.message.includes(CONTRACT_MODEL), err.message);
        return true;
      });
      assert.equal(server.requests.length, 4);
      assert.equal(sleeps.length, 3);
    });

    it("an unknown model is a clear error naming server and model, not retried", async () => {
      server.faults.push({ kind: "unknown-model" });
      await assert.rejects(backend.topLogprobs(P_OTHER, { k: 2 }), (err: Error) => {
        assert.ok(err instanceof AvakitError);
        assert.match(err.message, /unknown model/);
        assert.ok(err.message.includes(server.url), err.message);
        assert.ok(err.message.includes(CONTRACT_MODEL), err.message);
        return true;
      });
      assert.equal(server.requests.length, 1);
    });

    it("a server that returns no logprobs is a clear error naming server and model", async () => {
      server.faults.push({ kind: "no-logprobs" });
      await assert.rejects(backend.topLogprobs(P_OTHER, { k: 2 }), (err: Error) => {
        assert.ok(err instanceof AvakitError);
        assert.match(err.message, /no log-probabilities/);
        assert.ok(err.message.includes(server.url), err.message);
        assert.ok(err.message.includes(CONTRACT_MODEL), err.message);
        return true;
      });
    });

    it("a body that is not JSON is a clear error", async () => {
      server.faults.push({ kind: "not-json", status: 200 });
      await assert.rejects(backend.topLogprobs(P_OTHER, { k: 2 }), (err: Error) => {
        assert.match(err.message, /not JSON/);
        assert.ok(err.message.includes(server.url), err.message);
        return true;
      });
    });

    it("never puts the API key in an error", async () => {
      server.faults.push({ kind: "status", status: 401, message: "bad key", echoAuth: true });
      await assert.rejects(backend.topLogprobs(P_OTHER, { k: 2 }), (err: Error) => {
        assert.ok(!err.message.includes(CONTRACT_KEY), err.message);
        assert.ok(!String(err.stack).includes(CONTRACT_KEY));
        return true;
      });
      for (let i = 0; i < 4; i++) {
        server.faults.push({ kind: "status", status: 502, message: "upstream", echoAuth: true });
      }
      const seen: string[] = [];
      const watched = make({ onRetry: (r) => seen.push(r.problem) });
      await assert.rejects(watched.topLogprobs(P_OTHER, { k: 2 }), (err: Error) => {
        assert.ok(!err.message.includes(CONTRACT_KEY), err.message);
        return true;
      });
      assert.equal(seen.length, 3);
      for (const s of seen) assert.ok(!s.includes(CONTRACT_KEY), s);
    });

    it("behind the cache, a rerun sends no request", async () => {
      const cacheDir = join(dir, name.replace(/\W+/g, "-"));
      const prompts = [P_LETTERS, P_OTHER, "Question: third?\nAnswer:"];
      const first = new CachedBackend(make(), { dir: cacheDir });
      const a = await Promise.all(prompts.map((p) => first.topLogprobs(p, { k: 4 })));
      const g = await first.generate(P_TEXT, { maxTokens: 32, temperature: 0 });
      assert.equal(server.requests.length, 4);
      assert.deepEqual(first.stats, { hits: 0, misses: 4, writes: 4, unreadable: 0 });
      const second = new CachedBackend(make(), { dir: cacheDir });
      const b = await Promise.all(prompts.map((p) => second.topLogprobs(p, { k: 4 })));
      const g2 = await second.generate(P_TEXT, { maxTokens: 32, temperature: 0 });
      assert.equal(server.requests.length, 4, "no request the second time");
      assert.deepEqual(b, a);
      assert.deepEqual(g2, g);
      assert.equal(second.stats.hits, 4);
      // A different k is a different request.
      await second.topLogprobs(P_OTHER, { k: 3 });
      assert.equal(server.requests.length, 5);
    });
  });
}
