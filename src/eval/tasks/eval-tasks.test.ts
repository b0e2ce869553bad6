import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackend } from "../../backends/spec.js";
import type { TokenEmbedder } from "../../backends/transformers-tokens.js";
import { parseCommandArgs } from "../../cli/command.js";
import { evalCommand, evalRun } from "../../cli/eval.js";
import { leaderboardCommand, leaderboardRun } from "../../cli/leaderboard.js";
import { ingestFiles } from "../../ingest/ingest.js";
import { Store } from "../../store/store.js";
import { writeSynthFile } from "../../synth/write.js";
import { buildDataset } from "../../tasks/build.js";
import { type BuildConfig, DEFAULT_BUILD_CONFIG } from "../../tasks/config.js";
import { corpusBertScore, type TokenEmbeddings } from "../metrics/bertscore.js";
import { bleuN } from "../metrics/bleu.js";
import { corpusRougeL } from "../metrics/rouge.js";
import type { ResultsFile, TaskSummary } from "../results.js";
import { readSplitRecords, type TaskRecord } from "./dataset-reader.js";
import { FEW_SHOT_SEPARATOR } from "./few-shot.js";
import { runAvaTasks } from "./run.js";

/** A toy contextual embedder: one 26-dim letter-count vector per word, [CLS]/[SEP] around. */
const letterEmbedder: TokenEmbedder = {
  id: "letters",
  async embedTokens(texts) {
    return texts.map((t): TokenEmbeddings => {
      const words = t.trim().split(/\s+/).filter(Boolean);
      const vec = (w: string) => {
        const v = new Array<number>(27).fill(0);
        for (const ch of w.toLowerCase()) {
          const k = ch.charCodeAt(0) - 97;
          v[k >= 0 && k < 26 ? k : 26]! += 1;
        }
        return v;
      };
      const cls = new Array<number>(27).fill(0.1);
      return {
        ids: ["[CLS]", ...words, "[SEP]"],
        vectors: [cls, ...words.map(vec), cls],
        special: [true, ...words.map(() => false), true],
      };
    });
  },
};

/**
 * End to end: a tiny dataset built here (synthetic ads, hashing embedder), `avakit eval tasks`
 * against a small fake OpenAI-compatible completions server on 127.0.0.1 that answers each task
 * by a fixed rule and echoes prompt log-probabilities (−0.5 per token for model "tuned", −1 for
 * "base"), then the leaderboard.
 */

const CFG: BuildConfig = {
  ...DEFAULT_BUILD_CONFIG,
  embedder: "hashing",
  similarityThreshold: 0.5,
  testAdvertisers: 0.25,
  timeCutoff: "2024-01-01",
  shardAds: 200,
};

/** The fake's answer to a prompt (its last example, when few-shot). */
function fakeAnswer(sent: string): string {
  const prompt = sent.split(FEW_SHOT_SEPARATOR).at(-1) ?? sent;
  if (/for which gender/.test(prompt)) return " Female.\n\nThe ad talks about care.";
  if (/for which age group/.test(prompt)) return " Best target age group: 25 to 34";
  if (/find (top \d states|the top state)/.test(prompt)) return " Texas, California and NY.";
  if (/how much money was spent/.test(prompt)) return " Roughly $100-$199.";
  if (/how many impressions/.test(prompt)) return " Hard to say.";
  const words = prompt.split(/\s+/).slice(4, 30).join(" ");
  return ` Content of the advertisement is ${words}\n\n###\n\nGiven an advertisement`;
}

/** What the fake's generation becomes after the stop sequences. */
function expectedText(prompt: string): string {
  const a = fakeAnswer(prompt);
  const cut = Math.min(
    ...["\n\n###", "\n\nAnswer:"].map((s) => (a.indexOf(s) < 0 ? a.length : a.indexOf(s))),
  );
  return a.slice(0, cut).trim();
}

interface Fake {
  url: string;
  requests: { path: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

async function startFake(): Promise<Fake> {
  const requests: Fake["requests"] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      requests.push({ path: req.url ?? "", body });
      const prompt = String(body.prompt);
      const model = String(body.model);
      res.setHeader("content-type", "application/json");
      if (req.url !== "/v1/completions") {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { message: "not here" } }));
        return;
      }
      if (body.echo === true) {
        const text = `${prompt} X`;
        const tokens: string[] = [];
        const offsets: number[] = [];
        for (const m of text.matchAll(/\s*\S+/g)) {
          tokens.push(m[0]);
          offsets.push(m.index);
        }
        const lp = model === "base" ? -1 : -0.5;
        res.end(
          JSON.stringify({
            model,
            choices: [
              {
                text,
                logprobs: {
                  tokens,
                  token_logprobs: tokens.map((_t, i) => (i === 0 ? null : lp)),
                  text_offset: offsets,
                  top_logprobs: null,
                },
              },
            ],
          }),
        );
        return;
      }
      res.end(JSON.stringify({ model: `${model}-fake`, choices: [{ text: fakeAnswer(prompt) }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function cli(
  run: typeof evalRun | typeof leaderboardRun,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = { write: (t: string) => (stdout += t) };
  const err = { write: (t: string) => (stderr += t) };
  const code =
    run === leaderboardRun
      ? await leaderboardRun(parseCommandArgs(leaderboardCommand, argv), out)
      : await evalRun(parseCommandArgs(evalCommand, argv), out, err);
  return { code, stdout, stderr };
}

const read = (p: string) => JSON.parse(readFileSync(p, "utf8")) as ResultsFile;

describe("avakit eval tasks (end to end against a fake completions server)", () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-eval-tasks-"));
  const dataset = join(dir, "dataset");
  const cache = join(dir, "cache");
  let fake: Fake;
  let records: TaskRecord[];
  before(async () => {
    const db = join(dir, "ads.duckdb");
    const file = join(dir, "synth.jsonl");
    await writeSynthFile({ ads: 240, seed: 3, advertisers: 16 }, file);
    const store = await Store.open(db);
    try {
      await ingestFiles(store, [file], { progress: false });
    } finally {
      store.close();
    }
    await buildDataset({ db, out: dataset, cfg: CFG });
    records = await readSplitRecords(dataset, "test-time", { limitPerTask: 4 });
    fake = await startFake();
  });
  after(async () => {
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = () => [
    "tasks",
    "--dataset",
    dataset,
    "--split",
    "test-time",
    "--model",
    "openai:tuned",
    "--base-url",
    fake.url,
    "--api",
    "completions",
    "--limit",
    "4",
    "--cache",
    cache,
    "--quiet",
  ];

  it("scores generation with BLEU/ROUGE-L, TAP accuracy, Δ PPL; a rerun sends nothing; the leaderboard shows it", async () => {
    const out = join(dir, "tuned.json");
    const r = await cli(evalRun, [...base(), "--out", out, "--baseline", "openai:base"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const res = read(out);
    assert.equal(res.benchmark, "ava-tasks");
    assert.equal(res.items.failed, 0);
    assert.ok(res.tasks);
    const byTask = new Map<string, TaskRecord[]>();
    for (const rec of records) byTask.set(rec.task, [...(byTask.get(rec.task) ?? []), rec]);
    assert.deepEqual(Object.keys(res.tasks).sort(), [...byTask.keys()].sort());
    let sawGeneration = false;
    let sawTap = 0;
    for (const [task, recs] of byTask) {
      const s: TaskSummary = res.tasks[task]!;
      assert.equal(s.n, recs.length, task);
      if (!task.startsWith("TAP-")) {
        sawGeneration = true;
        const hyps = recs.map((x) => expectedText(x.prompt));
        const refs = recs.map((x) => x.response);
        for (const n of [1, 2, 3, 4] as const) {
          assert.equal(s[`bleu_${n}`], bleuN(n, hyps, [refs]).score, `${task} BLEU-${n}`);
        }
        assert.equal(s.rouge_l, corpusRougeL(hyps, [refs]).score, `${task} ROUGE-L`);
        assert.equal(s.bertscore_f1?.value, null);
        assert.match(s.bertscore_f1?.reason ?? "", /^not computed: /);
        assert.ok(Math.abs(s.ppl!.value! - Math.exp(0.5)) < 1e-9, `${task} PPL ${s.ppl?.value}`);
        assert.ok(Math.abs(s.baseline_ppl!.value! - Math.exp(1)) < 1e-9);
        assert.ok(Math.abs(s.delta_ppl!.value! - (Math.exp(1) - Math.exp(0.5))) < 1e-9);
        continue;
      }
      sawTap++;
      const truth = (x: TaskRecord) => x.meta.target;
      let correct = 0;
      if (task === "TAP-G") correct = recs.filter((x) => truth(x) === "female").length;
      if (task === "TAP-A") correct = recs.filter((x) => truth(x) === "25-34").length;
      if (task === "TAP-R")
        correct = recs.filter((x) => (truth(x) as string[])[0] === "Texas").length;
      if (task === "TAP-B") {
        correct = recs.filter((x) => (truth(x) as { lower: number }).lower === 100).length;
      }
      assert.ok(Math.abs(s.accuracy! - (100 * correct) / recs.length) < 1e-9, `${task} accuracy`);
      assert.equal(s.unparseable, task === "TAP-I" ? recs.length : 0, `${task} unparseable`);
      if (task === "TAP-I") assert.equal(s.unparseable_examples?.[0], "Hard to say.");
      const classes = new Set(
        recs.map((x) => {
          const t = truth(x);
          return Array.isArray(t) ? t[0] : JSON.stringify(t);
        }),
      ).size;
      assert.equal(s.classes, classes, `${task} classes`);
      assert.ok(Math.abs(s.random_accuracy! - 100 / classes) < 1e-9);
      assert.equal(s.ppl, undefined);
    }
    assert.ok(sawGeneration && sawTap >= 3, "the split has generation and TAP tasks");
    // Every numeric summary value is also a results row.
    const row = res.results.find((x) => x.task === "TAP-G" && x.metric === "accuracy");
    assert.equal(row?.value, res.tasks["TAP-G"]?.accuracy);
    assert.match(r.stdout, /BLEU-1/);

    // The rerun answers everything from the cache (generations and prompt log-probabilities).
    const sent = fake.requests.length;
    assert.ok(sent > 0);
    assert.ok(fake.requests.some((q) => q.body.echo === true && q.body.model === "base"));
    const echo = fake.requests.find((q) => q.body.echo === true)!;
    assert.deepEqual(
      { logprobs: echo.body.logprobs, max_tokens: echo.body.max_tokens },
      { logprobs: 1, max_tokens: 1 },
    );
    const gen = fake.requests.find((q) => q.body.echo === undefined)!;
    assert.deepEqual(gen.body.stop, ["\n\n###", "\n\nAnswer:"]);
    assert.equal(gen.body.temperature, 0);
    assert.equal(gen.body.max_tokens, 256);
    const again = join(dir, "tuned-again.json");
    const r2 = await cli(evalRun, [...base(), "--out", again, "--baseline", "openai:base"]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(fake.requests.length, sent, "the rerun sent no request");
    assert.deepEqual(read(again).tasks, res.tasks);
    // Prompt log-probabilities sit in the request cache's logs beside every other answer.
    assert.ok(
      readdirSync(cache).some(
        (f) =>
          f.startsWith("log-") &&
          readFileSync(join(cache, f), "utf8").includes('"method":"promptLogprobs"'),
      ),
    );

    // A second model without a baseline: Δ PPL is unavailable with its reason.
    const out2 = join(dir, "base.json");
    const r3 = await cli(evalRun, [
      ...base().map((a) => (a === "openai:tuned" ? "openai:base" : a)),
      "--out",
      out2,
      "--tap-r-metric",
      "top3-overlap",
    ]);
    assert.equal(r3.code, 0, r3.stderr);
    const res2 = read(out2);
    const gen2 = Object.values(res2.tasks!).find((s) => s.kind === "generation")!;
    assert.equal(gen2.delta_ppl?.value, null);
    assert.match(gen2.delta_ppl?.reason ?? "", /no --baseline/);
    assert.equal(res2.tasks?.["TAP-R"]?.metric_variant, "top3-overlap");

    const board = await cli(leaderboardRun, [out, out2]);
    assert.equal(board.code, 0);
    assert.match(board.stdout, /### TAP-G \(test-time\)/);
    assert.match(board.stdout, /\| openai:tuned \|/);
    assert.match(board.stdout, /\| openai:base \|/);
    assert.match(board.stdout, /Δ PPL/);
    const csv = await cli(leaderboardRun, ["--format", "csv", out, out2]);
    assert.match(csv.stdout, /^task,split,model,/);
  });

  it("few-shot prompts carry K train examples of the same task, the same on every run", async () => {
    const before = fake.requests.length;
    const out = join(dir, "shots.json");
    const r = await cli(evalRun, [...base(), "--out", out, "--shots", "2", "--tasks", "TAP-G"]);
    assert.equal(r.code, 0, r.stderr);
    const sent = fake.requests.slice(before).filter((q) => q.body.echo === undefined);
    assert.ok(sent.length > 0);
    for (const q of sent) {
      const parts = String(q.body.prompt).split(FEW_SHOT_SEPARATOR);
      assert.equal(parts.length, 3);
      for (const ex of parts.slice(0, 2)) {
        assert.match(ex, /for which gender/);
        assert.match(ex, /\n\nAnswer: Best target audience for this ad is (Female|Male)\.$/);
      }
    }
    const n = fake.requests.length;
    await cli(evalRun, [...base(), "--out", out, "--shots", "2", "--tasks", "TAP-G"]);
    assert.equal(fake.requests.length, n, "same prompts: all from the cache");
  });

  it("BERTScore with a working token embedder equals corpusBertScore of its embeddings", async () => {
    const backend = createBackend("openai:tuned", { baseUrl: fake.url, api: "completions" });
    const outcome = await runAvaTasks({
      backend,
      concurrency: 2,
      dataset,
      split: "test-time",
      tasks: ["TAG-G"],
      limit: 3,
      embedder: letterEmbedder,
    });
    const recs = records.filter((r) => r.task === "TAG-G").slice(0, 3);
    const hyps = recs.map((r) => expectedText(r.prompt));
    const want = corpusBertScore(
      await letterEmbedder.embedTokens(hyps),
      await letterEmbedder.embedTokens(recs.map((r) => r.response)),
    );
    assert.equal(outcome.tasks?.["TAG-G"]?.bertscore_f1?.value, want.f1);
    const row = outcome.results.find((r) => r.metric === "bertscore_f1");
    assert.equal(row?.value, want.f1);
    assert.equal(row?.variant, "letters");
  });

  it("bad input: unknown task, wrong split, a backend that cannot generate, foreign flags, no dataset", async () => {
    const out = join(dir, "bad.json");
    await assert.rejects(
      cli(evalRun, [...base(), "--out", out, "--tasks", "TAP-X"]),
      /unknown task "TAP-X"/,
    );
    await assert.rejects(
      cli(evalRun, [...base(), "--out", out, "--split", "train"]),
      /--split expects test-advertiser or test-time/,
    );
    const uniform = base().map((a) => (a === "openai:tuned" ? "uniform" : a));
    await assert.rejects(cli(evalRun, [...uniform, "--out", out]), /cannot generate text/);
    await assert.rejects(
      cli(evalRun, [...base(), "--out", out, "--data", "x"]),
      /--data does not apply to eval tasks/,
    );
    await assert.rejects(
      cli(evalRun, [
        "opinionqa",
        "--model",
        "uniform",
        "--data",
        "x",
        "--out",
        out,
        "--split",
        "test-time",
      ]),
      /--split applies to eval tasks only/,
    );
    const empty = mkdtempSync(join(dir, "empty-"));
    await assert.rejects(
      cli(evalRun, [...base().map((a) => (a === dataset ? empty : a)), "--out", out]),
      /no manifest\.json/,
    );
    assert.throws(() => readFileSync(out), /ENOENT/, "nothing written on failure");
  });
});
