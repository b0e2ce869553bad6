import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type FakeModelServer, startFakeModelServer } from "../../test/fake-openai-server.js";
import { parseCommandArgs } from "../cli/command.js";
import { evalCommand, evalRun } from "../cli/eval.js";
import { writeOpinionsFile } from "../opinions/write.js";
import { loadSteeringContexts, type SteeringContext, steeredPrompt } from "./opinionqa-steer.js";
import type { ResultsFile } from "./results.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const SKIP =
  existsSync(join(DATA, "opinionqa")) && existsSync(join(DATA, "pew-atp"))
    ? false
    : `real benchmark data absent under ${DATA}`;
if (SKIP) process.stderr.write(`opinionqa-steer.test: skipping the real-data runs: ${SKIP}\n`);

describe("steered prompts (HELM's opinions_qa contexts)", () => {
  it("QA: the demographic question answered as the one in-context example", () => {
    const ctx: SteeringContext = {
      group: "POLPARTY:Democrat",
      style: "QA",
      question: "In politics today, do you consider yourself a",
      options: ["Republican", "Democrat", "Independent", "Other", "Refused"],
      correct: "Democrat",
    };
    assert.equal(
      steeredPrompt(ctx, "Do you worry?", ["Yes", "No", "Refused"]),
      "Question: In politics today, do you consider yourself a\nA. Republican\nB. Democrat\nC. Independent\nD. Other\nE. Refused\nAnswer: B\n\nQuestion: Do you worry?\nA. Yes\nB. No\nC. Refused\nAnswer:",
    );
  });
  it("BIO/PORTRAY: PassageQuestionInput after the input prefix", () => {
    const ctx: SteeringContext = {
      group: "POLPARTY:Democrat",
      style: "PORTRAY",
      passage:
        "Answer the following question as if in politics today, you considered yourself a Democrat.\n",
    };
    assert.equal(
      steeredPrompt(ctx, "Do you worry?", ["Yes", "No", "Refused"]),
      "Question: Answer the following question as if in politics today, you considered yourself a Democrat.\n\nQuestion: Do you worry?\n\nA. Yes\nB. No\nC. Refused\nAnswer:",
    );
  });
  it("the real steer-*.csv files: 22 groups, one context each per style", {
    skip: SKIP,
  }, async () => {
    const ctxs = await loadSteeringContexts(join(DATA, "opinionqa/model_input"));
    assert.equal(ctxs.length, 66);
    assert.equal(new Set(ctxs.map((c) => c.group)).size, 22);
    const bio = ctxs.find((c) => c.style === "BIO" && c.group === "POLPARTY:Democrat");
    assert.match(bio?.passage ?? "", /^Below you will be asked.*\n\nDescription: .*Democrat\.\n$/s);
    assert.ok(ctxs.some((c) => c.group === "INCOME:Less than $30,000"));
  });
});

async function cli(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const code = await evalRun(
    parseCommandArgs(evalCommand, argv),
    {
      write: (t: string) => {
        stdout += t;
      },
    },
    { write: () => {} },
  );
  return { code, stdout };
}
const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as ResultsFile;

describe("avakit eval opinionqa --steer (real W26 slice)", { skip: SKIP }, () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-steer-"));
  const opinions = join(dir, "w26.jsonl");
  let server: FakeModelServer;
  before(async () => {
    server = await startFakeModelServer();
    await writeOpinionsFile(
      {
        savFiles: [join(DATA, "pew-atp/ATP W26.sav")],
        infoDir: join(DATA, "opinionqa/human_resp"),
        weighted: true,
      },
      opinions,
    );
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = [
    "opinionqa",
    "--steer",
    "--data",
    join(DATA, "opinionqa"),
    "--opinions",
    opinions,
    "--surveys",
    "W26",
    "--quiet",
  ];

  it("uniform and human:GROUP: one steerability row per group plus the mean, with n and ci95", async () => {
    const out = join(dir, "u.json");
    assert.equal((await cli([...base, "--model", "uniform", "--out", out])).code, 0);
    const r = read(out);
    assert.equal(r.items.total, 44 * 66);
    const rows = r.results.filter((x) => x.metric === "steerability");
    assert.equal(rows.length, 23);
    const mean = rows.find((x) => x.group === null);
    assert.ok(mean && mean.n === 43 && mean.variant === "opinionqa");
    assert.ok(mean.ci95[0] <= mean.value && mean.value <= mean.ci95[1]);
    for (const g of rows) assert.ok(g.n > 0 && g.ci95[0] <= g.ci95[1], JSON.stringify(g));
    assert.equal(r.config.steer_max, "best-style");

    const h = join(dir, "h.json");
    const hr = await cli([
      ...base,
      "--model",
      "human:POLPARTY:Democrat",
      "--steer-max",
      "per-question",
      "--out",
      h,
    ]);
    assert.equal(hr.code, 0);
    const dem = read(h).results.find((x) => x.group === "POLPARTY:Democrat");
    assert.ok(dem && Math.abs(dem.value - 100) < 1e-9 && dem.variant === "per-question");
  });

  it("openai: on the fake server sends the steered prompts", async () => {
    const out = join(dir, "f.json");
    const argv = [
      ...base,
      "--model",
      "openai:base-7b",
      "--base-url",
      server.openaiBaseUrl,
      "--api",
      "completions",
      "--limit",
      "2",
      "--concurrency",
      "8",
      "--out",
      out,
    ];
    const before = server.requests.length;
    assert.equal((await cli(argv)).code, 0);
    assert.equal(server.requests.length - before, 2 * 66);
    const prompts = server.requests.slice(before).map((q) => (q.body as { prompt: string }).prompt);
    assert.ok(prompts.some((p) => /^Question: Below you will be asked/.test(p)));
    assert.ok(prompts.some((p) => /\nAnswer: [A-Z]\n\nQuestion: /.test(p)));
    const r = read(out);
    assert.equal(r.templates["opinionqa-steer"], "opinionqa-helm-steer/1");
    assert.equal(r.results.filter((x) => x.metric === "steerability").length, 23);
  });
});
