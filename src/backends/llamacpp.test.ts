import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseCommandArgs } from "../cli/command.js";
import { evalCommand, evalRun } from "../cli/eval.js";
import type { ResultsFile } from "../eval/results.js";
import { responseLogprobs } from "../eval/tasks/ppl.js";
import { answerLetters } from "./answer.js";
import { CachedBackend } from "./cache.js";
import { LlamaCppBackend } from "./llamacpp.js";
import { createBackend } from "./spec.js";
import { EMBD, OUT_SCALE, type TinyVocab, writeTinyGguf } from "./test-helpers/tiny-gguf.js";

// node-llama-cpp is an optional dependency; without it (or without a prebuilt llama.cpp binary
// for this machine) the in-process backend cannot run, and these tests say so.
let skip: string | false = false;
try {
  const nlc = await import("node-llama-cpp");
  const llama = await nlc.getLlama({
    gpu: false,
    build: "never",
    progressLogs: false,
    logLevel: nlc.LlamaLogLevel.error,
  });
  await llama.dispose();
} catch (err) {
  skip = `node-llama-cpp (optional dependency) cannot run here: ${String(err).slice(0, 200)}`;
}
if (skip) console.log(`# SKIP llamacpp backend tests: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), "avakit-llamacpp-"));
const modelPath = join(dir, "tiny.gguf");

// The design: the distribution after a token depends only on its slot (see tiny-gguf.ts).
let vocab!: TinyVocab;
let out!: Float32Array[];
let slotOf!: (t: number) => number;
/** P(next = v | last token t), computed here from the design, in float64. */
function nextProbs(t: number): number[] {
  const row = out[slotOf(t)]!;
  const logits = Array.from(row, (x) => x * OUT_SCALE);
  const m = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

before(() => {
  vocab = writeTinyGguf(modelPath, (v) => {
    const n = v.tokens.length;
    const colon = v.byte(":");
    const spacedA = v.spaced("A");
    const dot = v.byte(".");
    const nl = v.byte("\n");
    slotOf = (t) =>
      t === colon ? 0 : t === spacedA ? 1 : t === dot ? 2 : t === nl ? 3 : 4 + (t % 12);
    const rows: Float32Array[] = [];
    for (let s = 0; s < EMBD; s++) {
      const r = new Float32Array(n);
      for (let t = 0; t < n; t++) r[t] = Math.sin(t * 7.1 + s * 3.3);
      rows.push(r);
    }
    // After ":": " A" 0.30, "A" 0.10, " B" 0.20, "B" 0.05, " C" 0.05, the rest shares 0.30.
    const probs = new Float64Array(n).fill(0.3 / (n - 5));
    probs[v.spaced("A")] = 0.3;
    probs[v.byte("A")] = 0.1;
    probs[v.spaced("B")] = 0.2;
    probs[v.byte("B")] = 0.05;
    probs[v.spaced("C")] = 0.05;
    rows[0] = Float32Array.from(probs, (p) => Math.log(p) / OUT_SCALE);
    // " A" → "." → end of sequence (greedy generation reads " A.").
    rows[1] = new Float32Array(n).fill(-2);
    rows[1][dot] = 3;
    rows[2] = new Float32Array(n).fill(-2);
    rows[2][v.eos] = 3;
    // After "\n" (the end of ChatML's "<|im_start|>assistant\n"): "B" is most likely.
    rows[3] = new Float32Array(n).fill(-1);
    rows[3][v.byte("B")] = 4;
    rows[3][v.spaced("D")] = 3;
    out = rows;
    return { slotOf, out };
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("llamacpp: backend", { skip }, () => {
  let backend!: LlamaCppBackend;
  before(() => {
    backend = new LlamaCppBackend({
      path: modelPath,
      gpu: false,
      contextSize: 512,
      sequences: 2,
      threads: 1,
    });
  });
  after(() => backend.close());

  test("next-token top-k: the model's untruncated softmax, token texts as the vocabulary spells them", async () => {
    const prompt = "Question: Is it? Answer:";
    const r = await backend.topLogprobs(prompt, { k: 5 });
    assert.equal(r.serverModel, "avakit-tiny-test");
    const got = new Map(r.tokens.map((t) => [t.token, Math.exp(t.logprob)]));
    assert.deepEqual([...got.keys()].sort(), [" A", " B", " C", "A", "B"]);
    const want = nextProbs(vocab.byte(":"));
    assert.ok(Math.abs(got.get(" A")! - want[vocab.spaced("A")]!) < 1e-5);
    assert.ok(Math.abs(got.get(" A")! - 0.3) < 1e-4);
    assert.ok(Math.abs(got.get("A")! - 0.1) < 1e-4);
    assert.ok(Math.abs(got.get(" B")! - 0.2) < 1e-4);
    // The whole vocabulary: probabilities sum to 1 (not renormalised over a truncated top-k).
    const all = await backend.topLogprobs(prompt, { k: 10_000 });
    assert.equal(all.tokens.length, vocab.tokens.length);
    const sum = all.tokens.reduce((a, t) => a + Math.exp(t.logprob), 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `sum ${sum}`);
    const rest = all.tokens.find((t) => t.token === "Q")!;
    assert.ok(Math.abs(Math.exp(rest.logprob) - want[vocab.byte("Q")]!) < 1e-6);
  });

  test("answer letters: variants summed, renormalised over the offered letters, mass reported", async () => {
    const a = await answerLetters(backend, {
      id: "q1",
      prompt: "Question: Is it?\nA. Yes\nB. No\nAnswer:",
      letters: ["A", "B"],
    });
    assert.ok(a.probs);
    const mass = 0.3 + 0.1 + 0.2 + 0.05;
    assert.ok(Math.abs(a.mass - mass) < 1e-4);
    assert.ok(Math.abs(a.probs[0]! - 0.4 / mass) < 1e-4);
    assert.ok(Math.abs(a.probs[1]! - 0.25 / mass) < 1e-4);
  });

  test("a conversation goes through the model's chat template", async () => {
    // The rendered chat ends "<|im_start|>assistant\n", after which this model prefers "B" and " D".
    const r = await backend.topLogprobs(
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Pick one. Answer:" },
      ],
      { k: 2 },
    );
    assert.deepEqual(
      r.tokens.map((t) => t.token),
      ["B", " D"],
    );
    const want = nextProbs(vocab.byte("\n"));
    assert.ok(Math.abs(Math.exp(r.tokens[0]!.logprob) - want[vocab.byte("B")]!) < 1e-5);
  });

  test("prompt log-probabilities: every token given the ones before it, with character offsets", async () => {
    const text = "Ad: Vote A. Now";
    const r = await backend.promptLogprobs(text);
    assert.equal(r.tokens.map((t) => t.token).join(""), text);
    assert.equal(r.tokens[0]!.logprob, null);
    let offset = 0;
    const ids: number[] = [];
    for (const t of r.tokens) {
      assert.equal(t.offset, offset);
      offset += t.token.length;
      // " V" is one token ("ĠV", merged), as " A" is; everything else is a byte token.
      ids.push(/^ [A-Z]$/.test(t.token) ? vocab.spaced(t.token[1]!) : vocab.byte(t.token));
    }
    for (let i = 1; i < ids.length; i++) {
      const want = Math.log(nextProbs(ids[i - 1]!)[ids[i]!]!);
      assert.ok(
        Math.abs(r.tokens[i]!.logprob! - want) < 1e-4,
        `token ${i}: ${r.tokens[i]!.logprob} vs ${want}`,
      );
    }
    // The perplexity code reads the response's tokens from them.
    const lp = responseLogprobs(r.tokens, "Ad: Vote".length, text.length);
    // The tokens ending after the context "Ad: Vote": " A", ".", " N", "o", "w".
    assert.deepEqual(
      lp,
      r.tokens.slice(-5).map((t) => t.logprob),
    );
  });

  test("generation: greedy at temperature 0, stop sequences, end of sequence", async () => {
    const g = await backend.generate("Answer:", { maxTokens: 10, temperature: 0 });
    assert.equal(g.text, " A.");
    const s = await backend.generate("Answer:", { maxTokens: 10, temperature: 0, stop: ["."] });
    assert.equal(s.text, " A");
    const one = await backend.generate("Answer:", { maxTokens: 1, temperature: 0 });
    assert.equal(one.text, " A");
    // Sampling is seeded by the request: the same request gives the same text.
    const a = await backend.generate("Q", { maxTokens: 8, temperature: 0.7, topP: 0.95 });
    const b = await backend.generate("Q", { maxTokens: 8, temperature: 0.7, topP: 0.95 });
    assert.equal(a.text, b.text);
  });

  test("concurrent calls share the context's sequences and get the same answers", async () => {
    const prompts = Array.from({ length: 8 }, (_, i) => `Item ${i}. Answer:`);
    const rs = await Promise.all(prompts.map((p) => backend.topLogprobs(p, { k: 3 })));
    for (const r of rs) assert.equal(r.tokens[0]!.token, " A");
  });

  test("a prompt longer than the context is a clear error", async () => {
    await assert.rejects(
      backend.topLogprobs("x".repeat(5000), { k: 1 }),
      /more than the context of \d+ \(raise --ctx-size\)/,
    );
  });

  test("cached: a second run answers from disk, keyed by the model file's content", async () => {
    const cacheDir = join(dir, "cache");
    const c1 = new CachedBackend(backend, { dir: cacheDir });
    const r1 = await c1.topLogprobs("Answer:", { k: 3 });
    assert.equal(c1.stats.misses, 1);
    const c2 = new CachedBackend(backend, { dir: cacheDir });
    const r2 = await c2.topLogprobs("Answer:", { k: 3 });
    assert.equal(c2.stats.hits, 1);
    assert.deepEqual(r2.tokens, r1.tokens);
  });
});

describe("llamacpp: spec and bad input", { skip }, () => {
  test("createBackend(llamacpp:PATH) makes the in-process backend", async () => {
    const b = createBackend(`llamacpp:${modelPath}`);
    assert.ok(b instanceof LlamaCppBackend);
    assert.equal(b.name, "llamacpp");
    assert.equal(b.model, modelPath);
    assert.deepEqual(b.capabilities, {
      letterLogprobs: true,
      promptLogprobs: true,
      generate: true,
    });
  });

  test("a missing file, a file that is not GGUF, a file llama.cpp cannot load", async () => {
    assert.throws(
      () => new LlamaCppBackend({ path: join(dir, "nope.gguf") }),
      /llamacpp:.*nope\.gguf: no such model file/,
    );
    const notGguf = join(dir, "model.bin");
    writeFileSync(notGguf, "PK\u0003\u0004 not a model");
    assert.throws(() => new LlamaCppBackend({ path: notGguf }), /not a GGUF model file/);
    const broken = join(dir, "broken.gguf");
    writeFileSync(broken, Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(60, 0xff)]));
    const b = new LlamaCppBackend({ path: broken, gpu: false });
    await assert.rejects(
      b.topLogprobs("x", { k: 1 }),
      /llamacpp:.*broken\.gguf: llama\.cpp could not load the model/,
    );
    await b.close();
  });
});

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const CB_FIXTURE = fileURLToPath(new URL("../../test/fixtures/culturebank/", import.meta.url));

async function evalCli(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const code = await evalRun(
    parseCommandArgs(evalCommand, argv),
    { write: (t: string) => (stdout += t) },
    { write: () => {} },
  );
  return { code, stdout };
}

describe("llamacpp: avakit eval end to end", { skip }, () => {
  const local = ["--gpu", "none", "--threads", "1", "--concurrency", "2", "--quiet"];

  test("culturebank: the model answers in its chat template, the same model judges", async () => {
    const out = join(dir, "cb.json");
    const { code, stdout } = await evalCli([
      "culturebank",
      "--model",
      `llamacpp:${modelPath}`,
      "--judge",
      `llamacpp:${modelPath}`,
      "--data",
      join(CB_FIXTURE, "reddit/culturebank_reddit.csv"),
      // The judge reads the 512 generated tokens, which this byte-level vocabulary spells long.
      "--ctx-size",
      "2048",
      "--out",
      out,
      ...local,
    ]);
    assert.equal(code, 0, stdout);
    const r = JSON.parse(readFileSync(out, "utf8")) as ResultsFile;
    assert.equal(r.model.spec, `llamacpp:${modelPath}`);
    assert.equal(r.model.backend, "llamacpp");
    assert.equal(r.model.server_model, "avakit-tiny-test");
    assert.equal(r.items.failed, 0);
    // The tiny model never says "Yes": every item scores 0 and is counted as neither.
    const row = r.results.find((x) => x.metric === "entailment_reddit");
    assert.ok(row);
    assert.equal(row.value, 0);
  });

  test("opinionqa on real W26 questions: letters from the untruncated distribution", {
    skip:
      existsSync(join(DATA, "opinionqa")) && existsSync(join(DATA, "pew-atp"))
        ? false
        : `real benchmark data absent under ${DATA}`,
  }, async () => {
    const { writeOpinionsFile } = await import("../opinions/write.js");
    const opinions = join(dir, "w26.jsonl");
    await writeOpinionsFile(
      {
        savFiles: [join(DATA, "pew-atp/ATP W26.sav")],
        infoDir: join(DATA, "opinionqa/human_resp"),
        weighted: true,
      },
      opinions,
    );
    const out = join(dir, "oqa.json");
    const { code, stdout } = await evalCli([
      "opinionqa",
      "--model",
      `llamacpp:${modelPath}`,
      "--data",
      join(DATA, "opinionqa"),
      "--opinions",
      opinions,
      "--surveys",
      "W26",
      "--limit",
      "5",
      "--ctx-size",
      "1024",
      "--out",
      out,
      ...local,
    ]);
    assert.equal(code, 0, stdout);
    const r = JSON.parse(readFileSync(out, "utf8")) as ResultsFile;
    assert.equal(r.items.failed, 0);
    assert.equal(r.items.answered, 5);
    // The prompts end "Answer:", after which this model puts 0.3 + 0.1 on A, 0.2 + 0.05 on B
    // and 0.05 on " C" (and about 0.3/284 on each bare letter further on).
    assert.ok(
      r.letter_mass.mean !== null && r.letter_mass.mean > 0.69 && r.letter_mass.mean < 0.72,
    );
    const rep = r.results.find((x) => x.metric === "representativeness" && x.group === null);
    assert.ok(rep && rep.n === 5);
  });
});
