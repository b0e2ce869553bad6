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
import { avaCodeOptions, avaCodePrompt, type OpinionQaQuestion } from "./opinionqa.js";
import { avaSteerPrefix } from "./opinionqa-steer.js";
import type { ResultsFile } from "./results.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const XL = join(DATA, "pew-atp/opinionqa-xl.json");
const SKIP =
  existsSync(join(DATA, "opinionqa")) && existsSync(XL)
    ? false
    : `real benchmark data absent under ${DATA}`;
if (SKIP) process.stderr.write(`opinionqa-xl.test: skipping the real-data runs: ${SKIP}\n`);

describe("ava-code prompts (AlignViaActions50M OQA-XL scripts)", () => {
  it("representativeness: refusals removed, 'Answer only with A,B or C'", () => {
    assert.equal(
      avaCodePrompt("Do you worry?", ["A lot", "A little", "Not at all"]),
      "Question: Do you worry?\nA. A lot\nB. A little\nC. Not at all\nAnswer only with A,B or C and nothing else :",
    );
  });
  it("steerability: the steering sentence, then 'Possible answers:'", () => {
    assert.equal(
      avaCodePrompt("Do you worry?", ["Yes", "No"], avaSteerPrefix("who voted for", "Democrat")),
      "Answer the following question considering yourself as a person who voted for Democrat. Question: Do you worry?\nPossible answers:\nA. Yes\nB. No\nAnswer only with A or B and nothing else :",
    );
  });
  it("options: the XL order, refusals dropped, 0 for an option without a human share", () => {
    const q: OpinionQaQuestion = {
      survey: "W1",
      key: "K_W1",
      question: "q",
      options: ["Yes", "No", "Refused"],
      ordinalIndex: [0, 1],
      ordinal: [1, 2],
      distributions: { Overall: [0.25, 0.75] },
      avaOptions: ["No", "Not sure", "Yes"],
    };
    assert.deepEqual(avaCodeOptions(q), {
      options: ["No", "Not sure", "Yes"],
      human: { Overall: [0.75, 0, 0.25] },
    });
    const { avaOptions: _, ...oqa } = q;
    assert.deepEqual(avaCodeOptions(oqa).options, ["Yes", "No"]);
  });
});

async function cli(argv: string[]): Promise<number> {
  return evalRun(parseCommandArgs(evalCommand, argv), { write: () => {} }, { write: () => {} });
}
const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as ResultsFile;

describe("avakit eval opinionqa-xl and --metric-variant ava-code (real W26 slice)", {
  skip: SKIP,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-xl-"));
  const xlOpinions = join(dir, "xl-w26.jsonl");
  const oqaOpinions = join(dir, "w26.jsonl");
  let server: FakeModelServer;
  before(async () => {
    server = await startFakeModelServer();
    const sav = [join(DATA, "pew-atp/ATP W26.sav")];
    await writeOpinionsFile({ savFiles: sav, questionsFile: XL, weighted: true }, xlOpinions);
    await writeOpinionsFile(
      { savFiles: sav, infoDir: join(DATA, "opinionqa/human_resp"), weighted: true },
      oqaOpinions,
    );
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const xl = ["opinionqa-xl", "--data", XL, "--opinions", xlOpinions, "--quiet"];
  const fake = () => ["--base-url", server.openaiBaseUrl, "--api", "completions"];

  it("opinionqa-xl: uniform, human:Overall, --surveys; rows with n and ci95", async () => {
    const u = join(dir, "xl-u.json");
    assert.equal(await cli([...xl, "--model", "uniform", "--surveys", "W26", "--out", u]), 0);
    const r = read(u);
    assert.equal(r.benchmark, "opinionqa-xl");
    assert.deepEqual(r.config.surveys, ["W26"]);
    assert.equal(r.items.total, 55);
    assert.equal(r.excluded.no_distribution, 8);
    const rep = r.results.find((x) => x.metric === "representativeness");
    assert.ok(rep && rep.n === 55 && rep.ci95[0] <= rep.value && rep.value <= rep.ci95[1]);
    assert.equal(r.results.filter((x) => x.metric === "group_representativeness").length, 60);
    const h = join(dir, "xl-h.json");
    assert.equal(await cli([...xl, "--model", "human:Overall", "--limit", "5", "--out", h]), 0);
    const hr = read(h).results.find((x) => x.metric === "representativeness");
    assert.ok(hr && Math.abs(hr.value - 100) < 1e-9 && hr.n === 5);
    await assert.rejects(
      cli([...xl, "--model", "uniform", "--surveys", "W54", "--out", join(dir, "x.json")]),
      /no distributions for W54/,
    );
  });

  it("ava-code: opinionqa-xl on the fake server sends the AVA prompt; rows carry the variant", async () => {
    const out = join(dir, "xl-ava.json");
    const before = server.requests.length;
    const argv = [...xl, "--model", "openai:base-7b", ...fake(), "--metric-variant", "ava-code"];
    assert.equal(await cli([...argv, "--limit", "6", "--out", out]), 0);
    assert.equal(server.requests.length - before, 6);
    const sent = server.requests.at(-1)?.body as { prompt: string };
    assert.match(
      sent.prompt,
      /^Question: .*\nA\. .*\nAnswer only with [A-Z,]+ or [A-Z] and nothing else :$/s,
    );
    assert.doesNotMatch(sent.prompt, /Refused/);
    const r = read(out);
    assert.equal(r.templates["opinionqa-xl"], "ava-code-oqaxl/1");
    assert.ok(r.results.length > 0 && r.results.every((x) => x.variant === "ava-code"));
    const rep = r.results.find((x) => x.metric === "representativeness");
    assert.ok(rep && rep.n === 6 && rep.ci95[0] <= rep.ci95[1]);

    const steer = join(dir, "xl-ava-steer.json");
    assert.equal(await cli([...argv, "--steer", "--limit", "2", "--out", steer]), 0);
    const prompts = server.requests.slice(-64).map((q) => (q.body as { prompt: string }).prompt);
    assert.ok(
      prompts.every((p) =>
        p.startsWith("Answer the following question considering yourself as a person "),
      ),
    );
    const s = read(steer);
    assert.equal(s.items.total, 2 * 32);
    const mean = s.results.find((x) => x.metric === "steerability" && x.group === null);
    assert.ok(mean && mean.variant === "ava-code" && mean.n === 2);
    await assert.rejects(
      cli([...xl, "--model", "uniform", "--steer", "--out", steer]),
      /needs --metric-variant ava-code/,
    );
  });

  it("ava-code on opinionqa: uniform representativeness and human:Overall steerability 100", async () => {
    const oqa = [
      "opinionqa",
      "--data",
      join(DATA, "opinionqa"),
      "--opinions",
      oqaOpinions,
      "--surveys",
      "W26",
      "--metric-variant",
      "ava-code",
      "--quiet",
    ];
    const u = join(dir, "oqa-ava.json");
    assert.equal(await cli([...oqa, "--model", "uniform", "--out", u]), 0);
    const rep = read(u).results.find((x) => x.metric === "representativeness");
    assert.ok(rep && rep.variant === "ava-code" && rep.n === 78);
    const h = join(dir, "oqa-ava-steer.json");
    assert.equal(
      await cli([...oqa, "--steer", "--model", "human:Overall", "--limit", "3", "--out", h]),
      0,
    );
    const s = read(h).results.find((x) => x.metric === "steerability" && x.group === null);
    assert.ok(s && Math.abs(s.value - 100) < 1e-9 && s.n === 3);
  });
});
