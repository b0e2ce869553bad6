import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseCommandArgs } from "../cli/command.js";
import { leaderboardCommand, leaderboardRun } from "../cli/leaderboard.js";
import { type BenchmarkOutcome, type ResultRow, toResultsFile } from "./results.js";

function file(spec: string, rows: ResultRow[]) {
  const outcome: BenchmarkOutcome = {
    benchmark: rows[0]?.benchmark ?? "opinionqa",
    templates: {},
    config: {},
    total: 1,
    failures: [],
    mass: { mean: 1, low: 0, threshold: 0.5, n: 1 },
    serverModel: null,
    excluded: {},
    results: rows,
  };
  return toResultsFile(outcome, { spec, backend: spec.split(":")[0] ?? spec });
}

const row = (
  benchmark: ResultRow["benchmark"],
  metric: ResultRow["metric"],
  value: number,
  group: string | null = null,
): ResultRow => ({
  benchmark,
  metric,
  group,
  variant: "v",
  value,
  n: 3,
  ci95: [value - 1, value + 1],
});

describe("avakit leaderboard", () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-leaderboard-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("one row per model, one column per (benchmark, metric, variant), groups left out", async () => {
    const paths = [
      file("uniform", [
        row("opinionqa", "representativeness", 79.6),
        row("opinionqa", "group_representativeness", 70, "SEX:Male"),
      ]),
      file("openai:m", [row("culturenli", "f1_us", 51.234)]),
      file("uniform", [row("culturenli", "f1_us", 39.19)]),
    ].map((f, i) => {
      const p = join(dir, `r${i}.json`);
      writeFileSync(p, JSON.stringify(f));
      return p;
    });
    let out = "";
    const sink = { write: (t: string) => (out += t) };
    assert.equal(await leaderboardRun(parseCommandArgs(leaderboardCommand, paths), sink), 0);
    assert.equal(
      out,
      [
        "| model | opinionqa representativeness (v) | culturenli f1_us (v) |",
        "| --- | ---: | ---: |",
        "| uniform | 79.60 | 39.19 |",
        "| openai:m | – | 51.23 |",
        "",
      ].join("\n"),
    );
    out = "";
    await leaderboardRun(parseCommandArgs(leaderboardCommand, ["--format", "csv", ...paths]), sink);
    assert.equal(
      out,
      "model,opinionqa representativeness (v),culturenli f1_us (v)\nuniform,79.60,39.19\nopenai:m,,51.23\n",
    );
  });

  it("a file that is not results.json is an error naming it", async () => {
    const p = join(dir, "bad.json");
    writeFileSync(p, "{}");
    await assert.rejects(
      leaderboardRun(parseCommandArgs(leaderboardCommand, [p]), { write: () => 0 }),
      /bad\.json: not an avakit results\.json/,
    );
  });
});
