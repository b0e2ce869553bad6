import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type FakeModelServer, startFakeModelServer } from "../../test/fake-openai-server.js";
import { parseCommandArgs } from "../cli/command.js";
import { commands } from "../cli/commands.js";
import { evalCommand, evalRun } from "../cli/eval.js";
import { writeOpinionsFile } from "../opinions/write.js";
import { cultureNliPrompt, loadCultureNli } from "./culturenli.js";
import type { ResultsFile } from "./results.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const SKIP =
  existsSync(join(DATA, "opinionqa")) && existsSync(join(DATA, "pew-atp"))
    ? false
    : `real benchmark data absent under ${DATA}`;
if (SKIP) process.stderr.write(`eval-cli.test: skipping the end-to-end runs: ${SKIP}\n`);

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await evalRun(
    parseCommandArgs(evalCommand, argv),
    {
      write: (t: string) => {
        stdout += t;
      },
    },
    {
      write: (t: string) => {
        stderr += t;
      },
    },
  );
  return { code, stdout, stderr };
}

const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as ResultsFile;

describe("avakit eval (end to end on slices of the real data)", { skip: SKIP }, () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-eval-"));
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

  const oqa = [
    "opinionqa",
    "--data",
    join(DATA, "opinionqa"),
    "--opinions",
    opinions,
    "--surveys",
    "W26",
    "--quiet",
  ];
  const fake = () => ["--base-url", server.openaiBaseUrl, "--api", "completions"];

  it("is registered as a command", () => {
    assert.ok(commands.includes(evalCommand));
  });

  it("opinionqa, uniform baseline: results.json shape, representativeness and every group", async () => {
    const out = join(dir, "oqa-uniform.json");
    const { code, stdout } = await cli([...oqa, "--model", "uniform", "--out", out]);
    assert.equal(code, 0);
    assert.match(stdout, /representativeness\s+\d+\.\d\d {2}\[/);
    const r = read(out);
    assert.deepEqual(Object.keys(r).sort(), [
      "benchmark",
      "config",
      "created_at",
      "excluded",
      "failures",
      "format",
      "items",
      "letter_mass",
      "model",
      "results",
      "templates",
    ]);
    assert.deepEqual(r.model, {
      spec: "uniform",
      backend: "uniform",
      server_model: null,
      base_url: null,
    });
    assert.deepEqual(r.templates, { opinionqa: "opinionqa-helm-mcq-joint/1" });
    assert.deepEqual(r.items, { total: 78, answered: 78, failed: 0 });
    assert.equal(r.letter_mass.mean, 1);
    // A question whose ordinal positions all coincide has no denominator: W26 has one.
    assert.equal(r.excluded.zero_denominator, 1);
    const rep = r.results.find((x) => x.metric === "representativeness");
    assert.ok(rep);
    assert.deepEqual(Object.keys(rep), [
      "benchmark",
      "variant",
      "metric",
      "group",
      "value",
      "n",
      "ci95",
    ]);
    assert.equal(rep.n, 77);
    assert.ok(rep.ci95[0] <= rep.value && rep.value <= rep.ci95[1]);
    const groups = r.results.filter((x) => x.metric === "group_representativeness");
    assert.equal(groups.length, 60);
    assert.ok(groups.some((g) => g.group === "CREGION:Northeast"));
  });

  it("opinionqa, human:Overall scores 100; openai: on the fake server, then a cached rerun sends nothing", async () => {
    const human = join(dir, "oqa-human.json");
    assert.equal(
      (await cli([...oqa, "--model", "human:Overall", "--limit", "5", "--out", human])).code,
      0,
    );
    const rep = read(human).results.find((x) => x.metric === "representativeness");
    assert.ok(rep && Math.abs(rep.value - 100) < 1e-9);

    const cache = join(dir, "cache");
    const out = join(dir, "oqa-fake.json");
    const argv = [
      ...oqa,
      "--model",
      "openai:base-7b",
      ...fake(),
      "--cache",
      cache,
      "--limit",
      "10",
      "--concurrency",
      "4",
      "--out",
      out,
    ];
    const before = server.requests.length;
    assert.equal((await cli(argv)).code, 0);
    assert.equal(server.requests.length - before, 10);
    const first = read(out);
    assert.equal(first.model.server_model, "base-7b-fake-0001");
    assert.equal(first.model.base_url, server.openaiBaseUrl);
    assert.ok(
      first.letter_mass.mean !== null && first.letter_mass.mean > 0 && first.letter_mass.mean < 1,
    );
    const sent = server.requests.at(-1)?.body as { prompt: string; logprobs: number };
    assert.match(sent.prompt, /^Question: .*\nA\. .*\nAnswer:$/s);
    assert.equal(sent.logprobs, 20);

    assert.equal((await cli(argv)).code, 0);
    assert.equal(server.requests.length - before, 10, "the rerun must be answered from the cache");
    assert.deepEqual(read(out).results, first.results);
  });

  it("bad input is a clear error: an unknown wave, options that do not match the distribution", async () => {
    await assert.rejects(
      cli([
        ...oqa.map((a) => (a === "W26" ? "W99" : a)),
        "--model",
        "uniform",
        "--out",
        join(dir, "x.json"),
      ]),
      /--surveys: no model_input file for W99/,
    );
    const lines = readFileSync(opinions, "utf8").trim().split("\n");
    const first = JSON.parse(lines[0] ?? "{}") as { options: string[] };
    first.options = [...first.options].reverse();
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `${[JSON.stringify(first), ...lines.slice(1)].join("\n")}\n`);
    const argv = oqa.map((a) => (a === opinions ? bad : a));
    await assert.rejects(
      cli([...argv, "--model", "uniform", "--out", join(dir, "x.json")]),
      /\(SAFECRIME_W26\): the options of its distribution \[Not at all safe, .*\] do not match info\.csv's ordinal options \[Very safe, /,
    );
  });

  it("globalopinionqa: uniform and openai:, both JSD variants, per-country rows", async () => {
    const data = join(DATA, "globalopinionqa/eval.json");
    const u = join(dir, "goqa-u.json");
    assert.equal(
      (
        await cli([
          "globalopinionqa",
          "--model",
          "uniform",
          "--data",
          data,
          "--limit",
          "40",
          "--out",
          u,
          "-q",
        ])
      ).code,
      0,
    );
    const ru = read(u);
    assert.deepEqual(
      ru.results.filter((x) => x.group === null).map((x) => [x.metric, x.variant]),
      [
        ["avg_similarity", "standard"],
        ["skew", "standard"],
      ],
    );
    assert.ok(ru.results.some((x) => x.metric === "avg_similarity" && x.group === "Croatia"));

    const f = join(dir, "goqa-f.json");
    const argv = [
      "globalopinionqa",
      "--model",
      "openai:base-7b",
      ...fake(),
      "--data",
      data,
      "--limit",
      "40",
      "--jsd-variant",
      "culturebank",
      "--out",
      f,
      "-q",
    ];
    assert.equal((await cli(argv)).code, 0);
    const rf = read(f);
    assert.equal(rf.items.total, 40);
    assert.equal(rf.results[0]?.variant, "culturebank");
    const sent = server.requests.at(-1)?.body as { prompt: string };
    assert.match(sent.prompt, /^Human: How would someone from .+ answer the following question:\n/);
    assert.match(sent.prompt, /my answer would be \($/);
    assert.equal(rf.config.letter_scoring, "sum");

    // --letter-scoring opinionqa: the same answers (from the cache), read as OpinionQA's code does.
    const o = join(dir, "goqa-o.json");
    const oArgv = [...argv.slice(0, -3), "--letter-scoring", "opinionqa", "--out", o, "-q"];
    assert.equal((await cli(oArgv)).code, 0);
    const ro = read(o);
    assert.equal(ro.config.letter_scoring, "opinionqa");
    assert.equal(ro.items.failed, 0);
    await assert.rejects(
      cli([...argv.slice(0, -3), "--letter-scoring", "max", "--out", o]),
      /--letter-scoring expects sum or opinionqa, got "max"/,
    );
  });

  it("culturenli: f1_us and f1_in; a failed item is recorded and makes the exit code 1 unless --allow-failures", async () => {
    const data = join(DATA, "culturenli/data.tsv");
    const pairs = await loadCultureNli(data);
    const p0 = pairs[0];
    assert.ok(p0);
    const broken = await startFakeModelServer({
      promptFaults: {
        [cultureNliPrompt(p0.premise, p0.hypothesis, "India")]: {
          kind: "status",
          status: 400,
          message: "bad prompt",
        },
      },
    });
    try {
      const out = join(dir, "nli.json");
      const argv = [
        "culturenli",
        "--model",
        "openai:base-7b",
        "--base-url",
        broken.openaiBaseUrl,
        "--data",
        data,
        "--limit",
        "15",
        "--out",
        out,
        "-q",
      ];
      const { code, stdout, stderr } = await cli(argv);
      assert.equal(code, 1);
      assert.match(stderr, /1 of 30 items failed/);
      assert.match(stdout, /failed: IN:0: .*bad prompt/);
      const r = read(out);
      assert.deepEqual(r.items, { total: 30, answered: 29, failed: 1 });
      assert.equal(r.failures[0]?.id, "IN:0");
      assert.deepEqual(
        r.results.map((x) => [x.metric, x.n]),
        [
          ["f1_us", 15],
          ["f1_in", 14],
        ],
      );
      assert.equal((await cli([...argv, "--allow-failures"])).code, 0);
    } finally {
      await broken.close();
    }
  });
});
