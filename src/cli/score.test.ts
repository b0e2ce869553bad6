import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseCommandArgs } from "./command.js";
import { commands } from "./commands.js";
import { scoreCommand, scoreRun } from "./score.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/score/", import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
// sacrebleu's README corpus: three segments, two reference files.
const SACREBLEU = [
  "--hyp",
  fixture("hyp.txt"),
  "--ref",
  fixture("ref1.txt"),
  "--ref",
  fixture("ref2.txt"),
];

async function score(argv: string[]): Promise<{ code: number; lines: string[] }> {
  let out = "";
  const code = await scoreRun(parseCommandArgs(scoreCommand, argv), {
    write: (t: string) => {
      out += t;
    },
  });
  return { code, lines: out.trimEnd().split("\n") };
}

const last = (lines: string[]) => lines[lines.length - 1]!;

const dir = mkdtempSync(join(tmpdir(), "avakit-score-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("score is registered as a command", () => {
  assert.ok(commands.includes(scoreCommand));
});

test("BLEU-1…4 on sacrebleu's corpus: its scores on the last line (test_bleu.py)", async () => {
  const r = await score(["--metric", "bleu4", ...SACREBLEU]);
  assert.equal(r.code, 0);
  assert.equal(r.lines.length, 2);
  assert.equal(last(r.lines), "48.530827");
  assert.match(
    r.lines[0]!,
    /^BLEU-4\|nrefs:2\|case:mixed\|eff:no\|tok:13a\|smooth:exp\|segments:3 = /,
  );
  assert.match(r.lines[0]!, /82\.4\/50\.0\/45\.5\/37\.5 \(BP = 0\.943 ratio = 0\.944 hyp_len = 17/);
  const expected = { bleu1: "77.65", bleu2: "60.50", bleu3: "53.93" };
  for (const [metric, value] of Object.entries(expected)) {
    const s = await score(["--metric", metric, ...SACREBLEU]);
    assert.equal(Number(last(s.lines)).toFixed(2), value, metric);
  }
  const none = await score(["--metric", "bleu4", "--tokenize", "none", ...SACREBLEU]);
  assert.ok(Math.abs(Number(last(none.lines)) - 49.1919566) < 1e-6);
});

test("ROUGE-L F1 × 100: the issue's example with and without stemming", async () => {
  const files = ["--hyp", fixture("rouge-hyp.txt"), "--ref", fixture("rouge-ref.txt")];
  const plain = await score(["--metric", "rouge-l", ...files]);
  assert.equal(last(plain.lines), "75.000000");
  assert.match(plain.lines[0]!, /^ROUGE-L F1 × 100\|nrefs:1\|stem:no\|segments:1/);
  const stemmed = await score(["--metric", "rouge-l", "--stem", ...files]);
  assert.equal(last(stemmed.lines), "100.000000");
});

test("bertscore fails with a clear message and prints no number", async () => {
  let out = "";
  const sink = {
    write: (t: string) => {
      out += t;
    },
  };
  await assert.rejects(
    scoreRun(parseCommandArgs(scoreCommand, ["--metric", "bertscore", ...SACREBLEU]), sink),
    {
      name: "UsageError",
      message:
        "bertscore needs --bertscore-model PATH (a local transformers.js model folder); not computed",
    },
  );
  await assert.rejects(
    scoreRun(
      parseCommandArgs(scoreCommand, [
        "--metric",
        "bertscore",
        "--bertscore-model",
        dir,
        ...SACREBLEU,
      ]),
      sink,
    ),
    /not computed/,
  );
  assert.equal(out, "");
});

test("files: line counts must agree, sacrebleu's line reading, clear errors", async () => {
  await assert.rejects(
    score(["--metric", "bleu4", "--hyp", fixture("hyp.txt"), "--ref", fixture("rouge-ref.txt")]),
    {
      message:
        /--hyp .*hyp\.txt has 3 lines but --ref .*rouge-ref\.txt has 1; every file needs one segment per line/,
    },
  );
  await assert.rejects(
    score(["--metric", "bleu4", "--hyp", join(dir, "missing.txt"), "--ref", fixture("ref1.txt")]),
    /cannot read --hyp .*missing\.txt: ENOENT/,
  );
  // CRLF line ends and a missing final newline read as the same three segments.
  const crlf = join(dir, "hyp-crlf.txt");
  writeFileSync(
    crlf,
    "The dog bit the man.\r\nIt wasn't surprising.\r\nThe man had just bitten him.",
  );
  const r = await score([
    "--metric",
    "bleu4",
    "--hyp",
    crlf,
    "--ref",
    fixture("ref1.txt"),
    "--ref",
    fixture("ref2.txt"),
  ]);
  assert.equal(last(r.lines), "48.530827");
  await assert.rejects(
    score(["--metric", "bleu4", "--stem", ...SACREBLEU]),
    /--stem applies to rouge-l only/,
  );
  await assert.rejects(
    score(["--metric", "rouge-l", "--lowercase", ...SACREBLEU]),
    /--lowercase applies to BLEU only/,
  );
  await assert.rejects(score(["--metric", "bleu5", ...SACREBLEU]), /--metric expects one of/);
  await assert.rejects(
    score(["--metric", "bleu4", "--tokenize", "intl", ...SACREBLEU]),
    /--tokenize expects 13a or none/,
  );
  await assert.rejects(
    score(["--metric", "bleu4", "--hyp", fixture("hyp.txt")]),
    /--ref FILE is required/,
  );
});

test("end to end through avakit's main: exit codes, stdout and stderr", () => {
  const cli = fileURLToPath(new URL("./main.ts", import.meta.url));
  const run = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", cli, "score", ...args], { encoding: "utf8" });
  const ok = run(["--metric", "bleu4", ...SACREBLEU]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trimEnd().split("\n").pop(), "48.530827");
  const bert = run(["--metric", "bertscore", ...SACREBLEU]);
  assert.equal(bert.status, 2);
  assert.equal(bert.stdout, "");
  assert.match(bert.stderr, /bertscore needs --bertscore-model PATH .*; not computed/);
});
