import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseCommandArgs } from "../cli/command.js";
import { opinionsBuild, opinionsCommand } from "../cli/opinions.js";
import { AvakitError, UsageError } from "../core/errors.js";
import { writeSav } from "./test-helpers/write-sav.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const SKIP = existsSync(join(DATA, "pew-atp")) ? false : `real ATP files absent under ${DATA}`;

async function cli(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const code = await opinionsBuild(parseCommandArgs(opinionsCommand, argv), {
    write: (text: string) => {
      stdout += text;
    },
  });
  return { code, stdout };
}

describe("avakit opinions build", () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-opinions-cli-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes JSONL and a summary for W26 with --info", { skip: SKIP }, async () => {
    const out = join(dir, "w26.jsonl");
    const { code, stdout } = await cli([
      "build",
      "--sav",
      join(DATA, "pew-atp/ATP W26.sav"),
      "--info",
      join(DATA, "opinionqa/human_resp"),
      "--out",
      out,
      "--quiet",
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /wrote 78 questions from 1 wave\(s\)/);
    assert.match(
      stdout,
      /W26 {2}ATP W26\.sav {2}4168 respondents {2}78 questions {2}all groups present/,
    );
    const lines = readFileSync(out, "utf8").trim().split("\n");
    assert.equal(lines.length, 78);
    const first = JSON.parse(lines[0]!);
    assert.deepEqual(Object.keys(first), [
      "survey",
      "key",
      "question",
      "options",
      "ordinal",
      "refusal_options",
      "option_codes",
      "refusal_codes",
      "source",
      "weighted",
      "distributions",
      "refusal",
      "counts",
      "refusal_counts",
    ]);
    assert.equal(first.key, "SAFECRIME_W26");
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes(".tmp-")),
      [],
    );
  });

  it("fails naming WEIGHT_W<n> and leaves no output when the weight is absent", async () => {
    const sav = join(dir, "no-weight.sav");
    writeFileSync(
      sav,
      writeSav([
        {
          name: "Q1_W7",
          valueLabels: [
            [1, "Yes"],
            [2, "No"],
          ],
          values: [1, 2],
        },
      ]),
    );
    const out = join(dir, "none.jsonl");
    await assert.rejects(
      cli(["build", "--sav", sav, "--out", out, "--quiet"]),
      (err: unknown) =>
        err instanceof AvakitError && /no weight variable WEIGHT_W7/.test(err.message),
    );
    assert.equal(existsSync(out), false);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes(".tmp-")),
      [],
    );
    const ok = await cli(["build", "--sav", sav, "--unweighted", "--out", out, "--quiet"]);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /12 groups missing|60 groups missing/);
  });

  it("rejects a missing subcommand, --sav or --out", async () => {
    await assert.rejects(cli(["--out", "x"]), UsageError);
    await assert.rejects(cli(["build", "--out", "x"]), /--sav FILE is required/);
    await assert.rejects(cli(["build", "--sav", "a.sav"]), /--out is required/);
  });
});
