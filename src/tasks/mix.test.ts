import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { AvakitError, UsageError } from "../core/errors.js";
import { type ChatRecord, mixCount, parseMixSpec, readChatRecords, sampleMix } from "./mix.js";

const FIX = new URL("../../test/fixtures/mix/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "avakit-mix-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function all(file: string, opts = {}) {
  const stream = readChatRecords(file, opts);
  const out: ChatRecord[] = [];
  for await (const r of stream) out.push(r);
  return { records: out, counts: stream.counts };
}

test("parseMixSpec: fractions, counts with n, all; the last colon splits", () => {
  assert.deepEqual(parseMixSpec("sg.json:0.25").ratio, { kind: "fraction", fraction: 0.25 });
  assert.deepEqual(parseMixSpec("sg.json:1.5").ratio, { kind: "fraction", fraction: 1.5 });
  assert.deepEqual(parseMixSpec("sg.json:.5").ratio, { kind: "fraction", fraction: 0.5 });
  assert.deepEqual(parseMixSpec("sg.json:5000n").ratio, { kind: "count", count: 5000 });
  assert.deepEqual(parseMixSpec("sg.json:all").ratio, { kind: "all" });
  const win = parseMixSpec("C:\\data\\sg.json:0.1");
  assert.equal(win.file, "C:\\data\\sg.json");
  assert.equal(win.text, "C:\\data\\sg.json:0.1");
  assert.equal(mixCount(parseMixSpec("x:0.25"), 1000), 250);
  assert.equal(mixCount(parseMixSpec("x:0.0001"), 1000), 1);
  assert.equal(mixCount(parseMixSpec("x:0.5"), 0), 0);
  assert.equal(mixCount(parseMixSpec("x:7n"), 1000), 7);
  assert.equal(mixCount(parseMixSpec("x:all"), 1000), null);
});

test("parseMixSpec: a bad spec is a usage error that names it", () => {
  for (const bad of [
    "sg.json",
    "sg.json:",
    ":0.5",
    "sg.json:abc",
    "sg.json:0",
    "sg.json:-1",
    "sg.json:0n",
    "sg.json:1.5n",
    "sg.json:25%",
  ]) {
    assert.throws(
      () => parseMixSpec(bad),
      (e: unknown) => e instanceof UsageError && e.message.includes(`"${bad}"`),
      bad,
    );
  }
});

test("ShareGPT JSON array: roles mapped, lines of each element, empty conversations counted", async () => {
  const { records, counts } = await all(join(FIX, "sharegpt.json"));
  assert.deepEqual(
    records.map((r) => r.line),
    [2, 11],
  );
  assert.deepEqual(records[0]!.messages, [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: 'What is a "brace" like { or [?' },
    { role: "assistant", content: "A bracket: { opens an object, [ opens a list." },
  ]);
  assert.equal(records[1]!.messages[1]!.content, "Hi!\nHow can I help?");
  assert.equal(records[0]!.source, join(FIX, "sharegpt.json"));
  assert.deepEqual(counts, { records: 2, empty: 1, bad: 0, badExamples: [] });
});

test("ShareGPT JSONL (also gzipped) and OpenAI messages JSONL", async () => {
  const jsonl = await all(join(FIX, "sharegpt.jsonl"));
  assert.deepEqual(
    jsonl.records.map((r) => [r.line, r.messages.map((m) => m.role)]),
    [
      [1, ["user", "assistant"]],
      [4, ["user", "assistant"]],
    ],
  );
  assert.equal(jsonl.counts.empty, 1);

  const gz = join(dir, "sharegpt.data");
  writeFileSync(gz, gzipSync(readFileSync(join(FIX, "sharegpt.jsonl"))));
  const fromGz = await all(gz);
  assert.deepEqual(
    fromGz.records.map((r) => r.messages),
    jsonl.records.map((r) => r.messages),
  );

  const gzArray = join(dir, "sharegpt.json.gz");
  writeFileSync(gzArray, gzipSync(readFileSync(join(FIX, "sharegpt.json"))));
  assert.deepEqual(
    (await all(gzArray)).records.map((r) => r.line),
    [2, 11],
  );

  const openai = await all(join(FIX, "openai.jsonl"));
  assert.deepEqual(openai.records[0]!.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Capital of France?" },
    { role: "assistant", content: "Paris." },
  ]);
  assert.equal(openai.records[1]!.messages[0]!.content, "Hello, world");
});

test("a malformed line is an error naming FILE:LINE; with skipBad it is skipped and counted", async () => {
  const file = join(FIX, "bad.jsonl");
  await assert.rejects(
    all(file),
    (e: unknown) => e instanceof AvakitError && e.message.startsWith(`${file}:2: not JSON`),
  );
  const { records, counts } = await all(file, { skipBad: true });
  assert.deepEqual(
    records.map((r) => r.line),
    [1, 4],
  );
  assert.equal(counts.bad, 2);
  assert.match(counts.badExamples[0]!, /bad\.jsonl:2: not JSON/);
  assert.match(counts.badExamples[1]!, /bad\.jsonl:3: conversations\[0\]\.from is "narrator"/);
});

test("a truncated JSON array, a non-object element, a missing file: clear errors", async () => {
  const cut = join(dir, "cut.json");
  writeFileSync(
    cut,
    '[\n  {"conversations": [{"from": "human", "value": "a"}]},\n  {"conversations": [',
  );
  await assert.rejects(all(cut), /cut\.json:3: the JSON array ends early/);
  const nums = join(dir, "nums.json");
  writeFileSync(nums, "[\n1, 2]");
  await assert.rejects(
    all(nums),
    /nums\.json:2: an element of the top-level JSON array is not an object/,
  );
  await assert.rejects(all(join(dir, "nope.jsonl")), /cannot read .*nope\.jsonl/);
});

function records(n: number, source = "f.jsonl"): ChatRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    messages: [{ role: "user" as const, content: `q${i}` }],
    source,
    line: i + 1,
  }));
}

test("sampleMix picks exactly n, the same set whatever the order, and depends on the seed", async () => {
  const recs = records(200);
  const a = await sampleMix(recs, 30, 7);
  assert.equal(a.length, 30);
  const shuffled = [...recs].reverse();
  const b = await sampleMix(
    (async function* () {
      yield* shuffled;
    })(),
    30,
    7,
  );
  assert.deepEqual(
    b.map((r) => r.line),
    a.map((r) => r.line),
  );
  // Returned in file order.
  const lines = a.map((r) => r.line);
  assert.deepEqual(
    lines,
    [...lines].sort((x, y) => x - y),
  );
  const c = await sampleMix(recs, 30, 8);
  assert.notDeepEqual(
    c.map((r) => r.line),
    lines,
  );
  // A larger sample contains the smaller one (priorities are fixed per line).
  const big = new Set((await sampleMix(recs, 60, 7)).map((r) => r.line));
  for (const l of lines) assert.ok(big.has(l));
  assert.equal((await sampleMix(recs, 0, 7)).length, 0);
  assert.equal((await sampleMix(recs, 200, 7)).length, 200);
});

test("sampleMix: asking for more records than there are is an error naming the file", async () => {
  await assert.rejects(
    sampleMix(records(5, "small.jsonl"), 6, 0),
    (e: unknown) =>
      e instanceof AvakitError && /asks for 6 records but small\.jsonl has only 5/.test(e.message),
  );
});

test("a JSON array read in many chunks gives what JSON.parse of the whole file gives", async () => {
  const convs = Array.from({ length: 300 }, (_, i) => ({
    id: `c${i}`,
    conversations: [
      { from: "human", value: `q${i} ${'say "{[" and \\ then ]}" '.repeat(i % 50)}é中` },
      { from: "gpt", value: `a${i}\n`.repeat(1 + (i % 7)) + "x".repeat(5000) },
    ],
  }));
  const text = JSON.stringify(convs, null, 1);
  const plain = join(dir, "big.json");
  writeFileSync(plain, text);
  const gz = join(dir, "big.json.gz");
  writeFileSync(gz, gzipSync(text));
  const want = convs.map((c) => c.conversations.map((t) => t.value));
  for (const file of [plain, gz]) {
    const { records } = await all(file);
    assert.deepEqual(
      records.map((r) => r.messages.map((m) => m.content)),
      want,
      file,
    );
    const lines = text.split("\n");
    for (const r of records.slice(0, 5)) assert.equal(lines[r.line - 1]!.trim(), "{");
  }
});
