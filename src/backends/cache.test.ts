import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { CACHE_FORMAT, CachedBackend, cacheLineChecksum } from "./cache.js";
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

/** The entries of every log in `dir`, parsed (checksums verified). */
function logEntries(dir: string): Array<Record<string, unknown>> {
  return readdirSync(dir)
    .filter((f) => /^log-.*\.jsonl$/.test(f))
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
    .map((line) => {
      const sp = line.indexOf(" ");
      const json = line.slice(sp + 1);
      assert.equal(line.slice(0, sp), cacheLineChecksum(json), "checksum");
      return JSON.parse(json) as Record<string, unknown>;
    });
}

test("entries are checksummed lines of an append-only log, without secrets", async () => {
  const dir = freshDir();
  const c = new CachedBackend(new CountingBackend(), { dir });
  await c.topLogprobs("q1 Answer:", { k: 5 });
  await c.topLogprobs("q2 Answer:", { k: 5 });
  const key = c.key({ method: "topLogprobs", prompt: "q1 Answer:", k: 5 });
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(dirname(c.logPath), dir);
  assert.deepEqual(readdirSync(dir), [basename(c.logPath)], "one log, nothing else");
  const entries = logEntries(dir);
  assert.equal(entries.length, 2);
  const entry = entries.find((e) => e.key === key);
  assert.ok(entry);
  assert.equal(entry.format, CACHE_FORMAT);
  assert.equal(entry.backend, "stub");
  assert.equal(entry.model, "m");
  assert.equal(entry.baseUrl, "http://stub.local/v1");
  assert.equal(entry.method, "topLogprobs");
  assert.deepEqual(entry.request, {
    path: "/stub",
    body: { method: "topLogprobs", prompt: "q1 Answer:", k: 5 },
  });
  await c.close();
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

test("a kill in the middle of a write leaves a cut last line that is never used", async () => {
  const dir = freshDir();
  const first = new CachedBackend(new CountingBackend(), { dir });
  const r = await first.topLogprobs("q1 Answer:", { k: 5 });
  await first.topLogprobs("q2 Answer:", { k: 5 });
  await first.close();
  // What a kill during the last write leaves: the line cut short, no newline.
  const text = readFileSync(first.logPath, "utf8");
  writeFileSync(first.logPath, text.slice(0, text.length - 40));
  const inner = new CountingBackend();
  const c = new CachedBackend(inner, { dir });
  assert.deepEqual(await c.topLogprobs("q1 Answer:", { k: 5 }), r, "the whole line is used");
  assert.equal(inner.calls, 0);
  await c.topLogprobs("q2 Answer:", { k: 5 });
  assert.equal(inner.calls, 1, "the cut entry is fetched again");
  assert.equal(c.stats.unreadable, 0, "a cut line has no key to count");
  await c.close();
  // And the next run reads both from the logs.
  const again = new CachedBackend(new CountingBackend(), { dir });
  await again.topLogprobs("q1 Answer:", { k: 5 });
  await again.topLogprobs("q2 Answer:", { k: 5 });
  assert.equal(again.stats.hits, 2);
});

test("a line that fails its checksum is refetched; format-1 entry files are still read", async () => {
  const dir = freshDir();
  const first = new CachedBackend(new CountingBackend(), { dir });
  await first.topLogprobs("q1 Answer:", { k: 5 });
  await first.close();
  writeFileSync(first.logPath, readFileSync(first.logPath, "utf8").replace('" A"', '" Z"'));
  // A cache written by an earlier version: one file per key.
  const k2 = first.key({ method: "topLogprobs", prompt: "q2 Answer:", k: 5 });
  mkdirSync(dirname(first.entryPath(k2)), { recursive: true });
  writeFileSync(
    first.entryPath(k2),
    JSON.stringify({
      format: 1,
      key: k2,
      method: "topLogprobs",
      response: { tokens: [{ token: " B", logprob: -0.5 }] },
    }),
  );
  const inner = new CountingBackend();
  const c = new CachedBackend(inner, { dir });
  const r1 = await c.topLogprobs("q1 Answer:", { k: 5 });
  assert.equal(r1.tokens[0]?.token, " A", "not the tampered answer");
  const r2 = await c.topLogprobs("q2 Answer:", { k: 5 });
  assert.deepEqual(r2.tokens, [{ token: " B", logprob: -0.5 }]);
  assert.equal(inner.calls, 1);
  assert.equal(c.stats.unreadable, 1);
  await c.close();
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

test("a process killed with SIGKILL mid-run: the rerun re-asks only what was not answered", async () => {
  const dir = freshDir();
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(new URL("./test-helpers/cache-kill-child.ts", import.meta.url)),
      dir,
      "3000",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      if (out.split("\n").length > 300) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.on("exit", () => resolve());
  });
  await new Promise((r) => child.once("close", r));
  const answered = out.split("\n").slice(0, -1);
  assert.ok(
    answered.length >= 300 && answered.length < 3000,
    `${answered.length} answered before the kill`,
  );
  const inner = new CountingBackend();
  const c = new CachedBackend(inner, { dir });
  for (const p of answered) await c.topLogprobs(p, { k: 5 });
  assert.equal(inner.calls, 0, "every answer returned before the kill is on disk");
  assert.equal(c.stats.unreadable, 0);
  await c.close();
});

test("compact: several logs with duplicates and a cut line become one log that answers the same", async () => {
  const dir = freshDir();
  const a = new CountingBackend();
  // Three runs, each its own log; the second and third repeat some calls of the first.
  for (const prompts of [PROMPTS, PROMPTS.slice(0, 2), ["q4 Answer:"]]) {
    const c = new CachedBackend(a, { dir });
    await Promise.all(prompts.map((p) => c.topLogprobs(p, { k: 5 })));
    await c.close();
  }
  // A duplicate line for q1 (as two processes that both missed it would write) and a cut line.
  const logs = readdirSync(dir).filter((f) => f.startsWith("log-"));
  assert.equal(logs.length, 2, "the second run answered from disk and wrote nothing");
  const first = join(dir, logs[0]!);
  const firstLine = readFileSync(first, "utf8").split("\n")[0]!;
  writeFileSync(join(dir, "log-zz-dup.jsonl"), `${firstLine}\n${firstLine.slice(0, 40)}`);
  const { compactCache } = await import("./cache.js");
  await assert.rejects(compactCache(dir), /was written \d+ s ago: an eval may still be using/);
  const s = await compactCache(dir, { force: true });
  assert.equal(s.logsBefore, 3);
  assert.equal(s.entries, 4);
  assert.equal(s.duplicates, 1);
  assert.equal(s.unreadable, 1);
  assert.ok(s.bytesAfter < s.bytesBefore);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith("log-")),
    [basename(s.path!)],
  );
  // Everything is still answered from disk.
  const b = new CountingBackend();
  const c = new CachedBackend(b, { dir });
  await Promise.all([...PROMPTS, "q4 Answer:"].map((p) => c.topLogprobs(p, { k: 5 })));
  assert.equal(b.calls, 0);
  assert.equal(c.stats.hits, 4);
  // Compacting a compacted cache changes nothing but the file name.
  const again = await compactCache(dir, { force: true });
  assert.equal(again.entries, 4);
  assert.equal(again.duplicates + again.unreadable, 0);
});

test("compact: an empty or missing folder", async () => {
  const { compactCache } = await import("./cache.js");
  const dir = freshDir();
  await assert.rejects(compactCache(dir), /cannot read the cache folder/);
  mkdirSync(dir);
  assert.equal((await compactCache(dir)).path, null);
});

test("prompt log-probabilities are cached too, −∞ and the first token's null kept apart", async () => {
  const dir = freshDir();
  let calls = 0;
  const inner = Object.assign(new CountingBackend(), {
    capabilities: { letterLogprobs: true, promptLogprobs: true, generate: true },
    async promptLogprobs(text: string) {
      calls++;
      return {
        tokens: [
          { token: text.slice(0, 1), offset: 0, logprob: null },
          { token: text.slice(1), offset: 1, logprob: Number.NEGATIVE_INFINITY },
        ],
      };
    },
  });
  const c1 = new CachedBackend(inner, { dir });
  const r1 = await c1.promptLogprobs!("ab");
  await c1.close();
  const c2 = new CachedBackend(inner, { dir });
  const r2 = await c2.promptLogprobs!("ab");
  assert.equal(calls, 1);
  assert.equal(c2.stats.hits, 1);
  assert.deepEqual(r2, r1);
  assert.equal(r2.tokens[0]!.logprob, null);
  assert.equal(r2.tokens[1]!.logprob, Number.NEGATIVE_INFINITY);
  // A backend without them gives a CachedBackend without them.
  assert.equal(new CachedBackend(new CountingBackend(), { dir }).promptLogprobs, undefined);
});
