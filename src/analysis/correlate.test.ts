import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { ingestFiles } from "../ingest/ingest.js";
import { writeOpinionsFile } from "../opinions/write.js";
import { averageRanks } from "../signals/compute.js";
import { CENSUS_REGIONS, US_STATES } from "../signals/geography.js";
import { readSignals } from "../signals/records.js";
import { Store } from "../store/store.js";
import { writeSynthFile } from "../synth/write.js";
import { loadAgeMapping } from "./age-mapping.js";
import { type CorrelationReport, correlate } from "./correlate.js";
import { readOpinionsFile } from "./opinions-file.js";
import { opinionSimilarity } from "./similarity.js";
import { pearson } from "./spearman.js";

const CLI = new URL("../cli/main.ts", import.meta.url).pathname;
const fixture = (name: string) =>
  new URL(`../../test/fixtures/correlate/${name}`, import.meta.url).pathname;
const SHARED = resolve(new URL("../../../shared/data", import.meta.url).pathname);

function avakit(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A matrix CSV back as names and numbers (empty cell → NaN). */
function readMatrix(file: string): { names: string[]; values: number[][] } {
  const [head, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  return {
    names: head!.split(",").slice(1),
    values: rows.map((r) =>
      r
        .split(",")
        .slice(1)
        .map((v) => (v === "" ? Number.NaN : Number(v))),
    ),
  };
}

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

const dir = mkdtempSync(join(tmpdir(), "avakit-correlate-"));
const db = join(dir, "synth.duckdb");

before(async () => {
  const file = join(dir, "synth.jsonl");
  await writeSynthFile({ ads: 400, seed: 3 }, file);
  const store = await Store.open(db);
  try {
    await ingestFiles(store, [file], { workers: 1 });
  } finally {
    store.close();
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("avakit correlate end to end: matrices, correlation.json, printed result with caveats", async () => {
  const out = join(dir, "out");
  const opinions = fixture("opinions.jsonl");
  const r = avakit([
    "correlate",
    "--quiet",
    "--db",
    db,
    "--opinions",
    opinions,
    "--out",
    out,
    "--permutations",
    "999",
    "--seed",
    "5",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Census regions \(4\): n = 6 pairs, Pearson r = -?\d\.\d{3} \(p = /);
  assert.match(r.stdout, /exact, 24 relabellings/);
  assert.match(r.stdout, /caveat: Only 6 pairs of 4 groups/);
  assert.match(
    r.stdout,
    /no joint AGESEX:<age> <sex> groups \(only the marginal AGE and SEX groups\)/,
  );
  assert.match(r.stdout, /SYNTHETIC/);
  for (const f of [
    "state_behavior.csv",
    "region_behavior.csv",
    "region_opinion.csv",
    "agesex_behavior.csv",
    "age_behavior.csv",
    "age_opinion.csv",
    "sex_behavior.csv",
    "sex_opinion.csv",
    "correlation.json",
  ]) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.ok(!existsSync(join(out, "agesex_opinion.csv")), "no joint opinion groups: no matrix");
  const rep = JSON.parse(readFileSync(join(out, "correlation.json"), "utf8")) as CorrelationReport;
  assert.equal(rep.permutations, 999);
  assert.equal(rep.seed, 5);
  assert.equal(rep.age_mapping.name, "coarse");
  assert.equal(
    rep.inputs.opinions_sha256,
    createHash("sha256").update(readFileSync(opinions)).digest("hex"),
  );
  assert.match(rep.inputs.ads_md5, /^[0-9a-f]{32}$/);
  assert.equal(rep.inputs.opinion_questions, 4);
  assert.equal(rep.ads.total, rep.ads.synthetic);
  const region = rep.results.region;
  assert.equal(region.correlation?.n, 6);
  assert.equal(region.correlation?.mantel.mode, "exact");
  assert.equal(region.correlation?.mantel.permutations, 24);
  assert.deepEqual(region.opinion_questions_per_pair, { min: 4, max: 4 });
  assert.equal(rep.results.age.correlation?.n, 6);
  assert.equal(rep.results.agesex.correlation, null);
  assert.equal(rep.results.sex.correlation, null);
  assert.equal(rep.results.state.opinion_file, null);

  // The behavior matrices, recomputed the slow way: every ad's signals, columns of ranks, Pearson.
  const store = await Store.open(db, { readOnly: true });
  const stateRanks: number[][] = [];
  const regionRanks: number[][] = [];
  try {
    for await (const s of readSignals(store)) {
      stateRanks.push(averageRanks(US_STATES.map((st) => s.state_interest[st]!)));
      regionRanks.push(averageRanks(CENSUS_REGIONS.map((g) => s.region_interest[g]!)));
    }
  } finally {
    store.close();
  }
  assert.equal(stateRanks.length, rep.ads.with_state_delivery);
  const col = (rows: number[][], i: number) => rows.map((r) => r[i]!);
  const regionB = readMatrix(join(out, "region_behavior.csv"));
  assert.deepEqual(regionB.names, [...CENSUS_REGIONS]);
  for (let i = 0; i < 4; i++) {
    for (let j = i + 1; j < 4; j++) {
      close(regionB.values[i]![j]!, pearson(col(regionRanks, i), col(regionRanks, j)));
    }
  }
  const stateB = readMatrix(join(out, "state_behavior.csv"));
  assert.equal(stateB.names.length, 51);
  for (const [a, b] of [
    ["California", "Texas"],
    ["New York", "Vermont"],
    ["Alabama", "Wyoming"],
  ] as const) {
    const i = US_STATES.indexOf(a);
    const j = US_STATES.indexOf(b);
    const expected = pearson(col(stateRanks, i), col(stateRanks, j));
    if (Number.isNaN(expected)) assert.ok(Number.isNaN(stateB.values[i]![j]!));
    else close(stateB.values[i]![j]!, expected);
  }
  // The opinion matrix is the analysis's Eq. 2 on the fixture.
  const regionO = readMatrix(join(out, "region_opinion.csv"));
  const expectedO = opinionSimilarity(
    (await readOpinionsFile(opinions)).questions,
    CENSUS_REGIONS.map((g) => `CREGION:${g}`),
  );
  assert.deepEqual(regionO.values, expectedO.values);
});

test("joint age × sex groups in the opinions file: 8 cells, 28 pairs, seeded random Mantel test, reproducible", async () => {
  const run = (out: string) =>
    correlate({
      db,
      opinions: fixture("opinions-agesex.jsonl"),
      out: join(dir, out),
      permutations: 499,
      seed: 11,
      ageMapping: loadAgeMapping("split"),
    });
  const a = await run("agesex-1");
  const b = await run("agesex-2");
  const c = a.results.agesex.correlation!;
  assert.equal(c.n, 28);
  assert.equal(c.mantel.mode, "random");
  assert.equal(c.mantel.permutations, 499);
  assert.equal(c.mantel.seed, 11);
  close((c.pearson.p * 500) % 1, 0);
  assert.equal(a.age_mapping.name, "split");
  assert.deepEqual(a.results, b.results);
  assert.equal(a.results.age.opinion_missing, "the opinions file has no AGE:* groups");
  const csv = readMatrix(join(dir, "agesex-1", "agesex_opinion.csv"));
  assert.equal(csv.names[0], "18-29 Female");
  assert.equal(csv.values.length, 8);
});

test("bad input: clear errors naming the file (and line)", async () => {
  const base = { db, out: join(dir, "bad") };
  await assert.rejects(
    correlate({ ...base, opinions: join(dir, "missing.jsonl") }),
    /--opinions .*missing\.jsonl: cannot read/,
  );
  await assert.rejects(
    correlate({ ...base, opinions: fixture("bad-line.jsonl") }),
    /bad-line\.jsonl:3: question ECON_W99/,
  );
  await assert.rejects(
    correlate({ ...base, opinions: fixture("no-overlap.jsonl") }),
    /no question has distributions of both CREGION:Northeast and CREGION:West/,
  );
  await assert.rejects(
    correlate({ ...base, opinions: fixture("no-groups.jsonl") }),
    /none of the groups compared \(CREGION:\*, AGESEX:\*, AGE:\*, SEX:\*\) is in the file \(it has: Overall, POLPARTY:Republican\)/,
  );
  const empty = join(dir, "empty.duckdb");
  (await Store.open(empty)).close();
  await assert.rejects(
    correlate({ ...base, db: empty, opinions: fixture("opinions.jsonl") }),
    /database .*empty\.duckdb has no ads/,
  );
  await assert.rejects(
    correlate({ ...base, db: join(dir, "nope.duckdb"), opinions: fixture("opinions.jsonl") }),
    /nope\.duckdb does not exist/,
  );
  const cli = avakit([
    "correlate",
    "--db",
    db,
    "--opinions",
    fixture("not-json.jsonl"),
    "--out",
    base.out,
  ]);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /not-json\.jsonl:3: not JSON/);
  assert.doesNotMatch(cli.stderr, /\n\s+at /, "no stack trace");
  const usage = avakit(["correlate", "--db", db, "--out", base.out]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--opinions is required/);
});

test("real Pew W26 opinions (OpinionQA's groups) against the synthetic ads", async (t) => {
  const sav = join(SHARED, "pew-atp", "ATP W26.sav");
  const info = join(SHARED, "opinionqa", "human_resp");
  if (!existsSync(sav) || !existsSync(join(info, "American_Trends_Panel_W26", "info.csv"))) {
    t.skip(`../shared/data absent: ${sav} or OpinionQA's human_resp/ not found`);
    return;
  }
  const opinions = join(dir, "w26.jsonl");
  const built = await writeOpinionsFile(
    { savFiles: [sav], infoDir: info, weighted: true },
    opinions,
  );
  assert.ok(built.questions > 50);
  const rep = await correlate({ db, opinions, out: join(dir, "w26"), permutations: 999, seed: 1 });
  const region = rep.results.region;
  assert.equal(region.correlation?.n, 6);
  assert.ok(region.opinion_questions_per_pair!.min > 50);
  const o = readMatrix(join(dir, "w26", "region_opinion.csv")).values;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) assert.ok(o[i]![j]! > 0.8 && o[i]![j]! <= 1, `${o[i]![j]}`);
  }
  assert.equal(rep.results.age.correlation?.n, 6);
  assert.match(rep.results.agesex.opinion_missing!, /only the marginal AGE and SEX groups/);
});
