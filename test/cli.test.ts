import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { VERSION } from "../src/version.js";

const CLI = new URL("../src/cli/main.ts", import.meta.url).pathname;
const SAMPLE = new URL(
  "../../shared/data/meta-ad-library/us-political-2019-10.jsonl",
  import.meta.url,
).pathname;

function avakit(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    encoding: "utf8",
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), "avakit-cli-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("the package version and the CLI's agree", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  assert.equal(pkg.version, VERSION);
  assert.equal(avakit(["--version"]).stdout.trim(), VERSION);
});

test("help lists every command; an unknown command or flag is a usage error (exit 2)", () => {
  const help = avakit(["--help"]);
  assert.equal(help.code, 0);
  for (const c of ["demo", "ingest", "crawl", "signals", "synth"])
    assert.match(help.stdout, new RegExp(`\\b${c}\\b`));
  const bad = avakit(["frobnicate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command "frobnicate"/);
  const badFlag = avakit(["ingest", "--nope", "x"]);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--nope/);
  assert.doesNotMatch(badFlag.stderr, /\n\s+at /, "no stack trace");
});

test("missing inputs are clear errors naming the file, with no stack trace", () => {
  const db = join(dir, "x.duckdb");
  const r = avakit(["ingest", "--db", db, join(dir, "missing.jsonl")]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot read .*missing\.jsonl/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const s = avakit(["signals", "--db", join(dir, "nope.duckdb")]);
  assert.equal(s.code, 1);
  assert.match(s.stderr, /nope\.duckdb does not exist/);
});

test("ingest then signals on the real sample: counts printed, JSONL with the contract's fields", (t) => {
  let sample: string;
  try {
    sample = readFileSync(SAMPLE, "utf8");
  } catch {
    t.skip("../shared/data absent: the real Meta Ad Library sample is not available");
    return;
  }
  const file = join(dir, "sample.jsonl");
  writeFileSync(file, sample);
  const db = join(dir, "sample.duckdb");
  const ing = avakit(["ingest", "--quiet", "--db", db, file]);
  assert.equal(ing.code, 0, ing.stderr);
  assert.match(ing.stdout, /^read\s+52$/m);
  assert.match(ing.stdout, /^kept\s+11$/m);
  assert.match(ing.stdout, /duplicate_body\s+41/);
  assert.match(ing.stdout, /read = kept \+ unchanged \+ quarantined: ok/);
  const again = avakit(["ingest", "--quiet", "--db", db, file]);
  assert.match(again.stdout, /^unchanged\s+52/m);
  const out = join(dir, "signals.jsonl");
  const sig = avakit(["signals", "--db", db, "--out", out]);
  assert.equal(sig.code, 0, sig.stderr);
  const lines = readFileSync(out, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 11);
  for (const rec of lines) {
    for (const f of [
      "ad_id",
      "page_id",
      "page_name",
      "body",
      "title",
      "start_date",
      "end_date",
      "spend",
      "impressions",
      "state_ranking",
      "top_states",
      "region_ranking",
      "best_age_group",
      "best_gender",
      "impressions_per_usd",
    ]) {
      assert.ok(f in rec, `${f} missing`);
    }
    assert.equal(rec.state_ranking.length, 51);
    assert.ok(rec.top_states.length <= 3);
    assert.deepEqual(rec.top_states, rec.state_ranking.slice(0, rec.top_states.length));
    assert.match(rec.start_date, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(rec.region_ranking.length, 4);
  }
  const first = lines.find((r) => r.ad_id === "2447656412147213");
  assert.deepEqual(first.spend, { lower: 0, upper: 99 });
  assert.equal(first.end_date, null);
  assert.deepEqual(first.top_states, ["Vermont", "Maine", "Washington"]);
  // 55-64 and 45-54 both sum to 0.211765 over known genders: a tie, so no best age group.
  assert.equal(first.best_age_group, null);
  assert.equal(first.best_gender, "male");
  // midpoints: impressions (0 + 999) / 2 ÷ spend (0 + 99) / 2
  assert.equal(first.impressions_per_usd, 999 / 99);
});
