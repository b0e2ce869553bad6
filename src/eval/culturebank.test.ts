import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type FakeModelServer,
  type FakeToken,
  startFakeModelServer,
} from "../../test/fake-openai-server.js";
import { parseCommandArgs } from "../cli/command.js";
import { evalCommand, evalRun } from "../cli/eval.js";
import {
  groundedEvalPrompt,
  groundedMessages,
  judgeMessages,
  KNOWLEDGE_ENTAIL_SYSTEM_PROMPT,
  knowledgeEntailUserPrompt,
  loadCultureBank,
  yesNoProbability,
} from "./culturebank.js";
import type { ResultsFile } from "./results.js";

const FIXTURE = fileURLToPath(new URL("../../test/fixtures/culturebank/", import.meta.url));

describe("culturebank prompts (SALT-NLP/CultureBank utils/prompt_utils.py, verbatim)", () => {
  it("GROUNDED_EVAL_PROMPT_TEMPLATE as the one user turn", () => {
    assert.equal(
      groundedEvalPrompt("Q?"),
      "You are a helpful AI assistant trained to help users on their personal issues. Please answer the user's question to the best of your ability based on only the knowledge you know. Do NOT make up any unfounded statements or claims.\n\nUser's question: Q?\n\nYour Answer:",
    );
    assert.deepEqual(groundedMessages("Q?"), [{ role: "user", content: groundedEvalPrompt("Q?") }]);
  });

  it("KNOWLEDGE_ENTAIL_SYSTEM_PROMPT and KNOWLEDGE_ENTAIL_USER_TEMPLATE", () => {
    assert.equal(
      KNOWLEDGE_ENTAIL_SYSTEM_PROMPT,
      'You are an AI assistant trained to classify whether a given response from a language agent entails a specific cultural knowledge.\n\nParticularly, given a piece of cultural knowledge and a response from an agent, output "Yes" if the response entails the cultural knowledge and "No" otherwise.\n\nYour output should be Yes/No only. Even if you are uncertain, you must pick either "Yes" or "No" without using any other words.',
    );
    assert.equal(
      knowledgeEntailUserPrompt("R.", "K."),
      "Response: R.\n\nKnowledge: K.\n\nDoes the given response entail the provided knowledge?\n\nEntailment (Yes/No):",
    );
    assert.deepEqual(judgeMessages("R.", "K."), [
      { role: "system", content: KNOWLEDGE_ENTAIL_SYSTEM_PROMPT },
      { role: "user", content: knowledgeEntailUserPrompt("R.", "K.") },
    ]);
  });
});

describe("yesNoProbability (P(Yes) from the judge's top-5)", () => {
  it("sums the Yes variants; No apart; case kept; absent → 0", () => {
    const top = [
      { token: "Yes", logprob: Math.log(0.5) },
      { token: " Yes", logprob: Math.log(0.2) },
      { token: "No", logprob: Math.log(0.15) },
      { token: "▁Yes", logprob: Math.log(0.05) },
      { token: "yes", logprob: Math.log(0.04) },
    ];
    const p = yesNoProbability(top);
    assert.ok(Math.abs(p.yes - 0.75) < 1e-12);
    assert.ok(Math.abs(p.no - 0.15) < 1e-12);
    assert.deepEqual(yesNoProbability([{ token: "Maybe", logprob: -0.1 }]), { yes: 0, no: 0 });
    assert.deepEqual(yesNoProbability([]), { yes: 0, no: 0 });
  });
});

describe("loadCultureBank", () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-cb-load-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a folder: the source from each file's name, rows in file order", async () => {
    const items = await loadCultureBank([FIXTURE]);
    assert.deepEqual(
      items.map((i) => i.source),
      ["reddit", "reddit", "reddit", "tiktok", "tiktok", "tiktok"],
    );
    assert.match(items[0]?.question ?? "", /^I'm visiting a friend's family in Examplania/);
    assert.match(items[0]?.knowledge ?? "", /green tea/);
    assert.equal(items[0]?.id, "reddit:culturebank_reddit.csv:2");
  });

  it("JSONL with a source column; a row without a source or eval_question is an error", async () => {
    const f = join(dir, "mixed.jsonl");
    writeFileSync(
      f,
      `${JSON.stringify({ eval_question: "q1", eval_whole_desc: "k1", source: "TikTok" })}\n${JSON.stringify({ eval_question: "q2", eval_whole_desc: "k2", source: "reddit", cluster_id: 7 })}\n`,
    );
    const items = await loadCultureBank([f]);
    assert.deepEqual(
      items.map((i) => [i.id, i.source, i.question]),
      [
        ["tiktok:mixed.jsonl:1", "tiktok", "q1"],
        ["reddit:7", "reddit", "q2"],
      ],
    );
    const g = join(dir, "other.jsonl");
    writeFileSync(g, `${JSON.stringify({ eval_question: "q", eval_whole_desc: "k" })}\n`);
    await assert.rejects(loadCultureBank([g]), /other\.jsonl line 1: source unknown/);
    const h = join(dir, "x_reddit.csv");
    writeFileSync(h, "eval_question,eval_whole_desc\n,k\n");
    await assert.rejects(
      loadCultureBank([h]),
      /x_reddit\.csv row 2: needs non-empty eval_question/,
    );
  });
});

/** The judge's answer, by the knowledge it is shown (hand-computed scores below). */
function judgeTokens(prompt: string): FakeToken[] {
  const knowledge = prompt.split("\n\nKnowledge: ")[1] ?? "";
  const lp = Math.log;
  if (/\bbow\b/.test(knowledge)) {
    // "Yes" is the 6th candidate: outside the top 5, so P(Yes) = 0.
    return [
      ...["A", "B", "C", "D", "E"].map((token) => ({ token, logprob: lp(0.15) })),
      { token: "Yes", logprob: lp(0.1) },
    ];
  }
  if (/\btea\b/.test(knowledge)) {
    return [
      { token: "Yes", logprob: lp(0.6) },
      { token: " Yes", logprob: lp(0.2) },
      { token: "No", logprob: lp(0.15) },
    ];
  }
  if (/\bshoes\b/.test(knowledge)) {
    return [
      { token: "No", logprob: lp(0.9) },
      { token: "Yes", logprob: lp(0.05) },
    ];
  }
  return [
    { token: "Maybe", logprob: lp(0.5) },
    { token: "I", logprob: lp(0.3) },
  ];
}

describe("avakit eval culturebank (end to end against the fake server)", () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-cb-"));
  let server: FakeModelServer;
  before(async () => {
    server = await startFakeModelServer({
      generateText: (prompt) => `  Generated answer (${prompt.length} chars).\n`,
      distribution: (prompt) =>
        prompt.startsWith("Response: ") ? judgeTokens(prompt) : [{ token: "x", logprob: 0 }],
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(argv: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = "";
    const code = await evalRun(
      parseCommandArgs(evalCommand, argv),
      { write: (t: string) => (stdout += t) },
      { write: () => {} },
    );
    return { code, stdout };
  }

  const args = (out: string, cache: string) => [
    "culturebank",
    "--model",
    "openai:gen-model",
    "--base-url",
    server.openaiBaseUrl,
    "--judge",
    "openai:judge-model",
    "--judge-base-url",
    server.openaiBaseUrl,
    "--data",
    join(FIXTURE, "reddit/culturebank_reddit.csv"),
    "--data",
    join(FIXTURE, "tiktok"),
    "--out",
    out,
    "--cache",
    cache,
    "--quiet",
  ];

  it("generates (chat, T=0.7, top-p 0.95, 512), judges (top-5), scores per source", async () => {
    const out = join(dir, "cb.json");
    const cache = join(dir, "cache");
    const { code, stdout } = await cli(args(out, cache));
    assert.equal(code, 0, stdout);
    const r = JSON.parse(readFileSync(out, "utf8")) as ResultsFile;
    assert.equal(r.benchmark, "culturebank");
    assert.equal(r.model.spec, "openai:gen-model");
    assert.equal(r.model.server_model, "gen-model-fake-0001");
    assert.equal(r.config.judge, "openai:judge-model");
    assert.equal(r.config.judge_server_model, "judge-model-fake-0001");
    assert.equal(r.config.judge_neither_yes_nor_no, 2);
    assert.deepEqual(r.items, { total: 6, answered: 6, failed: 0 });
    assert.equal(r.letter_mass.low, 2);
    assert.ok(Math.abs((r.letter_mass.mean ?? 0) - (0.95 * 4) / 6) < 1e-9);
    assert.deepEqual(
      r.results.map((x) => [x.benchmark, x.metric, x.group, x.variant, x.n]),
      [
        ["culturebank", "entailment_reddit", null, "culturebank", 3],
        ["culturebank", "entailment_tiktok", null, "culturebank", 3],
      ],
    );
    const [reddit, tiktok] = r.results;
    assert.ok(Math.abs((reddit?.value ?? 0) - ((0.8 + 0.05 + 0) / 3) * 100) < 1e-9);
    assert.ok(Math.abs((tiktok?.value ?? 0) - ((0.8 + 0.8 + 0) / 3) * 100) < 1e-9);
    for (const row of r.results) {
      assert.ok(row.ci95[0] <= row.value && row.value <= row.ci95[1], JSON.stringify(row));
    }
    assert.match(stdout, /entailment_reddit\s+28\.33/);

    const gens = server.requests.filter((q) => q.model === "gen-model");
    const judges = server.requests.filter((q) => q.model === "judge-model");
    assert.equal(gens.length, 6);
    assert.equal(judges.length, 6);
    const g = gens[0]?.body as Record<string, unknown>;
    assert.equal(gens[0]?.path, "/v1/chat/completions");
    assert.equal(g.temperature, 0.7);
    assert.equal(g.top_p, 0.95);
    assert.equal(g.max_tokens, 512);
    assert.equal((g.messages as unknown[]).length, 1);
    const j = judges[0]?.body as Record<string, unknown>;
    assert.equal(judges[0]?.path, "/v1/chat/completions");
    assert.equal(j.logprobs, true);
    assert.equal(j.top_logprobs, 5);
    const jm = j.messages as { role: string; content: string }[];
    assert.equal(jm[0]?.content, KNOWLEDGE_ENTAIL_SYSTEM_PROMPT);
    // The judge sees the model's answer stripped, as grounded_eval_gpt.py stores it.
    assert.match(
      jm[1]?.content ?? "",
      /^Response: Generated answer \(\d+ chars\)\.\n\nKnowledge: /,
    );

    // A rerun on the same cache sends nothing (the sampled answer is reused).
    const before = server.requests.length;
    const again = await cli(args(join(dir, "cb2.json"), cache));
    assert.equal(again.code, 0);
    assert.equal(server.requests.length, before);
    const r2 = JSON.parse(readFileSync(join(dir, "cb2.json"), "utf8")) as ResultsFile;
    assert.deepEqual(r2.results, r.results);
  });

  it("ollama model and judge: both through /api/chat, same scores", async () => {
    const out = join(dir, "cb-ollama.json");
    const { code } = await cli([
      "culturebank",
      "--model",
      "ollama:gen",
      "--base-url",
      server.url,
      "--judge",
      "ollama:judge",
      "--judge-base-url",
      server.url,
      "--data",
      FIXTURE,
      "--out",
      out,
      "--quiet",
    ]);
    assert.equal(code, 0);
    const r = JSON.parse(readFileSync(out, "utf8")) as ResultsFile;
    assert.deepEqual(
      r.results.map((x) => Number(x.value.toFixed(6))),
      [28.333333, 53.333333],
    );
    const paths = new Set(
      server.requests.filter((q) => q.model === "gen" || q.model === "judge").map((q) => q.path),
    );
    assert.deepEqual([...paths], ["/api/chat"]);
    const g = server.requests.find((q) => q.model === "gen")?.body as Record<string, unknown>;
    assert.deepEqual(
      { ...(g.options as Record<string, unknown>) },
      { temperature: 0.7, top_p: 0.95, num_predict: 512 },
    );
  });

  it("needs --judge; --judge is for culturebank only; a failed judge call is a counted failure", async () => {
    const out = join(dir, "x.json");
    await assert.rejects(
      cli(["culturebank", "--model", "uniform", "--data", FIXTURE, "--out", out]),
      /culturebank needs --judge/,
    );
    await assert.rejects(
      cli([
        "culturebank",
        "--model",
        "openai:m",
        "--judge",
        "openai:j",
        "--judge-api",
        "completions",
        "--data",
        FIXTURE,
        "--out",
        out,
      ]),
      /use --judge-api chat/,
    );
    await assert.rejects(
      cli(["culturenli", "--model", "uniform", "--data", "d.tsv", "--out", out, "--judge", "x"]),
      /--judge applies to culturebank only/,
    );
    server.faults.push({ kind: "ok" }, { kind: "no-logprobs" });
    const { code } = await cli([
      "culturebank",
      "--model",
      "openai:gen-model-2",
      "--base-url",
      server.openaiBaseUrl,
      "--judge",
      "openai:judge-model",
      "--judge-base-url",
      server.openaiBaseUrl,
      "--data",
      FIXTURE,
      "--limit",
      "1",
      "--concurrency",
      "1",
      "--out",
      out,
      "--quiet",
    ]);
    assert.equal(code, 1);
    const r = JSON.parse(readFileSync(out, "utf8")) as ResultsFile;
    assert.equal(r.items.total, 2);
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0]?.id, "reddit:culturebank_reddit.csv:2");
    assert.deepEqual(
      r.results.map((x) => [x.metric, x.n]),
      [["entailment_tiktok", 1]],
    );
  });
});
