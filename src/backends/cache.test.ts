import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { CachedBackend } from "./cache.js";
import type { Backend, BackendCall, GenerateResult, Prompt, TopLogprobsResult } from "./types.js";

const root = mkdtempSync(join(tmpdir(), "avakit-cache-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `c${n++}`);

/** An in-memory backend that counts what reaches it. */
class CountingBackend implements Backend {
  readonly name = "stub";
  readonly capabilities = { letterLogprobs: true, promptLogprobs: false, generate: true };
  calls = 0;
  failNext = 0;
  constructor(
    readonly model = "m",
    readonly baseUrl = "http://stub.local/v1",
    readonly delayMs = 0,
  ) {}
  requestKey(call: BackendCall): unknown {
    return { path: "/stub", body: call };
  }
  async topLogprobs(prompt: Prompt, opts: { k: number }): Promise<TopLogprobsResult> {
    this.calls++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("boom");
    }
    const p = typeof prompt === "string" ? prompt : JSON.stringify(prompt);
    return {
      tokens: [
        { token: " A", logprob: -0.1 - p.length / 1000 },
        { token: " B", logprob: -2 - opts.k },
        { token: "\n", logprob: Number.NEGATIVE_INFINITY },
      ],
      serverModel: `${this.model}-snap`,
    };
  }
  async generate(prompt: Prompt): Promise<GenerateResult> {
    this.calls++;
    return { text: `gen:${String(prompt)}` };
  }
}

const PROMPTS = ["q1 Answer:", "q2 Answer:", [{ role: "user" as const, content: "q3" }]];

test("a second run answers everything from disk and sends nothing", async () => {
  const dir = freshDir();
  const a = new CountingBackend();
  const c1 = new CachedBackend(a, { dir });
  const first = await Promise.all(PROMPTS.map((p) => c1.topLogprobs(p, { k: 5 })));
  const g1 = await c1.generate("tell", { maxTokens: 10, temperature: 0.7, topP: 0.95 });
  assert.equal(a.calls, 4);
  assert.deepEqual(c1.stats, { hits: 0, misses: 4, writes: 4, unreadable: 0 });

  const b = new CountingBackend();
  const c2 = new CachedBackend(b, { dir });
  const second = await Promise.all(PROMPTS.map((p) => c2.topLogprobs(p, { k: 5 })));
  const g2 = await c2.generate("tell", { maxTokens: 10, temperature: 0.7, topP: 0.95 });
  assert.equal(b.calls, 0);
  assert.deepEqual(second, first, "-Infinity and serverModel survive the disk");
  assert.equal(second[0]?.tokens[2]?.logprob, Number.NEGATIVE_INFINITY);
  assert.deepEqual(g2, g1);
  assert.deepEqual(c2.stats, { hits: 4, misses: 0, writes: 0, unreadable: 0 });

  // Different settings are different requests.
  await c2.generate("tell", { maxTokens: 10, temperature: 0.7 });
  await c2.topLogprobs("q1 Answer:", { k: 6 });
  assert.equal(b.calls, 2);
});

test("entries are one JSON file per key under a 2-character fan-out, without secrets", async () => {
  const dir = freshDir();
  const c = new CachedBackend(new CountingBackend(), { dir });
  await c.topLogprobs("q1 Answer:", { k: 5 });
  const key = c.key({ method: "topLogprobs", prompt: "q1 Answer:", k: 5 });
  assert.match(key, /^[0-9a-f]{64}$/);
  const path = c.entryPath(key);
  assert.equal(path, join(dir, key.slice(0, 2), `${key}.json`));
  const entry = JSON.parse(readFileSync(path, "utf8"));
  assert.equal(entry.key, key);
  assert.equal(entry.backend, "stub");
  assert.equal(entry.model, "m");
  assert.equal(entry.baseUrl, "http://stub.local/v1");
  assert.equal(entry.method, "topLogprobs");
  assert.deepEqual(entry.request, {
    path: "/stub",
    body: { method: "topLogprobs", prompt: "q1 Answer:", k: 5 },
  });
  assert.deepEqual(readdirSync(dirname(path)), [`${key}.json`], "no temporary file left");
});

test("the key covers backend, model and base URL", () => {
  const call: BackendCall = { method: "topLogprobs", prompt: "x", k: 5 };
  const keys = new Set([
    new CachedBackend(new CountingBackend("m", "http://a/v1"), { dir: root }).key(call),
    new CachedBackend(new CountingBackend("m", "http://b/v1"), { dir: root }).key(call),
    new CachedBackend(new CountingBackend("m2", "http://a/v1"), { dir: root }).key(call),
  ]);
  assert.equal(keys.size, 3);
});

test("a kill before the rename leaves a temp file that is ignored, not a corrupt entry", async () => {
  const dir = freshDir();
  const probe = new CachedBackend(new CountingBackend(), { dir });
  const key = probe.key({ method: "topLogprobs", prompt: "q1 Answer:", k: 5 });
  const path = probe.entryPath(key);
  // What a kill between writeFile and rename leaves: a half-written temporary file.
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.4242.deadbeef.tmp`;
  writeFileSync(tmp, `{"format":1,"key":"${key}","response":{"tok`);
  const inner = new CountingBackend();
  const c = new CachedBackend(inner, { dir });
  const r = await c.topLogprobs("q1 Answer:", { k: 5 });
  assert.equal(inner.calls, 1, "fetched again");
  assert.equal(r.tokens[0]?.token, " A");
  assert.equal(c.stats.unreadable, 0, "the temp file is never read");
  assert.ok(existsSync(path));
  assert.equal(JSON.parse(readFileSync(path, "utf8")).key, key);
  // And the next run reads the good entry.
  const again = new CachedBackend(new CountingBackend(), { dir });
  assert.deepEqual(await again.topLogprobs("q1 Answer:", { k: 5 }), r);
  assert.equal(again.stats.hits, 1);
});

test("a damaged or foreign entry is refetched and replaced", async () => {
  const dir = freshDir();
  const probe = new CachedBackend(new CountingBackend(), { dir });
  const k1 = probe.key({ method: "topLogprobs", prompt: "q1 Answer:", k: 5 });
  const k2 = probe.key({ method: "topLogprobs", prompt: "q2 Answer:", k: 5 });
  mkdirSync(dirname(probe.entryPath(k1)), { recursive: true });
  mkdirSync(dirname(probe.entryPath(k2)), { recursive: true });
  writeFileSync(probe.entryPath(k1), `{"format":1,"key":"${k1}","resp`);
  writeFileSync(
    probe.entryPath(k2),
    JSON.stringify({ format: 1, key: k1, method: "topLogprobs", response: { tokens: [] } }),
  );
  const inner = new CountingBackend();
  const c = new CachedBackend(inner, { dir });
  await c.topLogprobs("q1 Answer:", { k: 5 });
  await c.topLogprobs("q2 Answer:", { k: 5 });
  assert.equal(inner.calls, 2);
  assert.equal(c.stats.unreadable, 2);
  assert.equal(JSON.parse(readFileSync(probe.entryPath(k1), "utf8")).response.tokens.length, 3);
});

test("identical calls in flight share one request; failures are not cached", async () => {
  const dir = freshDir();
  const inner = new CountingBackend("m", "http://stub.local/v1", 20);
  const c = new CachedBackend(inner, { dir });
  const rs = await Promise.all([1, 2, 3].map(() => c.topLogprobs("same", { k: 5 })));
  assert.equal(inner.calls, 1);
  assert.deepEqual(rs[0], rs[2]);
  inner.failNext = 1;
  await assert.rejects(c.topLogprobs("other", { k: 5 }), /boom/);
  await c.topLogprobs("other", { k: 5 });
  assert.equal(inner.calls, 3);
});
