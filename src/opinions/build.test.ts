import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { AvakitError } from "../core/errors.js";
import { buildOpinions, type OpinionRecord, type WaveReport, waveOpinions } from "./build.js";
import { loadGroupMapping } from "./groups.js";
import { type InfoQuestion, loadInfo } from "./info.js";
import { loadQuestionKeys } from "./questions-file.js";
import { readSav, type SavFile } from "./sav.js";
import { writeSav } from "./test-helpers/write-sav.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const PEW = join(DATA, "pew-atp");
const HUMAN_RESP = join(DATA, "opinionqa/human_resp");
const SKIP =
  existsSync(PEW) && existsSync(HUMAN_RESP)
    ? false
    : `real ATP/OpinionQA data absent under ${DATA}: a fresh clone has no ../shared`;

const mapping = loadGroupMapping();
const ALL_KEYS = [
  "Overall",
  ...mapping.attributes.flatMap((a) => a.groups.map((g) => `${a.name}:${g}`)),
];

function run(
  sav: SavFile,
  opts: {
    info?: Map<string, InfoQuestion[]>;
    selected?: (s: string) => string[];
    weighted?: boolean;
  },
): { records: OpinionRecord[]; report: WaveReport } {
  let report: WaveReport | undefined;
  const records = [
    ...waveOpinions(sav, {
      mapping,
      info: opts.info,
      selected: opts.selected,
      weighted: opts.weighted ?? true,
      onWave: (r) => {
        report = r;
      },
    }),
  ];
  return { records, report: report! };
}

/** Independent of the builder: weighted share of each option code among the option codes. */
function weightedShares(
  sav: SavFile,
  key: string,
  codes: number[],
  weightName: string | null,
): number[] {
  const answers = sav.numeric(key);
  const weights = weightName ? sav.numeric(weightName) : null;
  const sums = codes.map(() => 0);
  for (let i = 0; i < sav.rowCount; i++) {
    const k = codes.indexOf(answers[i]!);
    if (k < 0) continue;
    const w = weights ? weights[i]! : 1;
    if (!Number.isNaN(w)) sums[k]! += w;
  }
  const total = sums.reduce((a, b) => a + b, 0);
  return sums.map((s) => s / total);
}

function assertClose(actual: number[] | undefined, expected: number[], what: string) {
  assert.ok(actual, `${what} missing`);
  assert.equal(actual.length, expected.length, what);
  actual.forEach((x, i) => {
    assert.ok(Math.abs(x - expected[i]!) < 1e-12, `${what}[${i}]: ${x} vs ${expected[i]}`);
  });
}

describe("buildOpinions on real Pew ATP files", { skip: SKIP }, () => {
  let w26: SavFile;
  let w92: SavFile;
  let info: Map<string, InfoQuestion[]>;
  let b26: { records: OpinionRecord[]; report: WaveReport };
  let b92: { records: OpinionRecord[]; report: WaveReport };
  const rec = (b: { records: OpinionRecord[] }, key: string) =>
    b.records.find((r) => r.key === key)!;

  before(async () => {
    if (SKIP) return;
    [w26, w92, info] = await Promise.all([
      readSav(join(PEW, "ATP W26.sav")),
      readSav(join(PEW, "ATP W92.sav")),
      loadInfo(HUMAN_RESP),
    ]);
    b26 = run(w26, { info });
    b92 = run(w92, { info });
  });

  it("writes one record per info.csv question of the wave", () => {
    assert.equal(b26.report.survey, "W26");
    assert.equal(b26.report.weightVariable, "WEIGHT_W26");
    assert.equal(b26.records.length, 78);
    assert.equal(b92.records.length, 77);
    assert.deepEqual(b26.report.skipped, []);
  });

  it("Overall distributions equal weighted sums computed from the raw records", () => {
    for (const [b, sav, key] of [
      [b26, w26, "SAFECRIME_W26"],
      [b26, w26, "WORLDDANGER_W26"],
      [b26, w26, "GUNKILLF2_W26"], // asked of form 2 only: the rest are system-missing
      [b92, w92, "POL1JB_W92"], // W92 has respondents without a weight (NaN)
    ] as const) {
      const r = rec(b, key);
      const weight = `WEIGHT_${r.survey}`;
      assertClose(r.distributions.Overall, weightedShares(sav, key, r.option_codes, weight), key);
      // refusal share R_H: refusal weight over all labelled answers
      const all = [...r.option_codes, ...r.refusal_codes];
      const shares = weightedShares(sav, key, all, weight);
      const refused = shares.slice(r.option_codes.length).reduce((a, x) => a + x, 0);
      assert.ok(Math.abs(r.refusal.Overall! - refused) < 1e-12, `${key} refusal`);
    }
  });

  it("a group's distribution is the weighted sums of its members", () => {
    const r = rec(b26, "SAFECRIME_W26");
    const region = w26.numeric("F_CREGION_FINAL");
    const answers = w26.numeric("SAFECRIME_W26");
    const weights = w26.numeric("WEIGHT_W26");
    const sums = [0, 0, 0, 0];
    for (let i = 0; i < w26.rowCount; i++) {
      const k = r.option_codes.indexOf(answers[i]!);
      if (region[i] === 3 && k >= 0) sums[k]! += weights[i]!;
    }
    const t = sums.reduce((a, b) => a + b);
    assertClose(
      r.distributions["CREGION:South"],
      sums.map((s) => s / t),
      "CREGION:South",
    );
  });

  it("removes refusal (99) from options and lists it", () => {
    for (const r of [...b26.records, ...b92.records]) {
      assert.ok(r.refusal_codes.includes(99), `${r.key} refusal codes ${r.refusal_codes}`);
      assert.ok(!r.option_codes.includes(99));
      assert.ok(!r.options.includes("Refused"));
      assert.equal(r.refusal_options[r.refusal_codes.indexOf(99)], "Refused");
      for (const [k, d] of Object.entries(r.distributions)) {
        assert.equal(d.length, r.options.length, `${r.key} ${k}`);
        assert.ok(Math.abs(d.reduce((a, x) => a + x, 0) - 1) < 1e-12);
      }
    }
  });

  it("options and ordinals are info.csv's", () => {
    const wd = rec(b26, "WORLDDANGER_W26");
    assert.deepEqual(wd.options, [
      "We live in a safer world",
      "We live in a more dangerous world",
      "The world we live in is neither safer nor more dangerous",
    ]);
    assert.deepEqual(wd.ordinal, [1, 2, 1.5]);
    assert.equal(wd.question, "Compared to 50 years ago, do you think");
    assert.equal(wd.source, "info.csv");
    for (const r of [...b26.records, ...b92.records]) {
      const row = info.get(r.key.toUpperCase())!.find((x) => x.question === r.question)!;
      assert.deepEqual(
        r.options,
        row.options.map((o) => o.label),
      );
      assert.deepEqual(r.ordinal, row.ordinal);
      assert.deepEqual(
        r.refusal_options,
        row.refusals.map((o) => o.label),
      );
    }
  });

  it("has every one of the 60 groups, or reports it missing", () => {
    assert.deepEqual(b26.report.groupsMissing, []);
    assert.deepEqual(b92.report.groupsMissing, []);
    assert.deepEqual(Object.keys(rec(b26, "SAFECRIME_W26").distributions), ALL_KEYS);
    assert.deepEqual(Object.keys(rec(b92, "POL1JB_W92").distributions), ALL_KEYS);
    assert.equal(ALL_KEYS.length, 61);
    for (const r of [...b26.records, ...b92.records]) {
      assert.deepEqual(Object.keys(r.counts), Object.keys(r.distributions));
      for (const k of Object.keys(r.distributions)) assert.ok(ALL_KEYS.includes(k), k);
    }
    // the waves whose files lack an attribute say so
    assert.match(JSON.stringify(mapping.waves.W50?.MARITAL), /missing/);
    assert.match(JSON.stringify(mapping.waves.W54?.INCOME), /missing/);
  });

  it("counts are unweighted respondent counts (integers)", () => {
    const r = rec(b26, "GUNKILLF2_W26");
    const answers = w26.numeric("GUNKILLF2_W26");
    const expected = r.option_codes.map((c) => answers.filter((x) => x === c).length);
    assert.deepEqual(r.counts.Overall, expected);
    assert.deepEqual(r.refusal_counts.Overall, [answers.filter((x) => x === 99).length]);
    for (const x of [...b26.records, ...b92.records]) {
      for (const c of [...Object.values(x.counts), ...Object.values(x.refusal_counts)]) {
        assert.ok(c.every((n) => Number.isInteger(n) && n >= 0));
      }
    }
  });

  // Digits from OpinionQA's released per-group respondent counts (tatsu-lab/opinions_qa
  // data/human_resp/<wave>/<ATTR>_data.json, commit ed8c4e0): options in order, then Refused.
  it("reproduces OpinionQA's per-group counts (W26 CREGION/INCOME/RACE/POLPARTY, W92 SEX/RACE/INCOME)", () => {
    const expect = (r: OpinionRecord, table: Record<string, number[]>) => {
      for (const [k, v] of Object.entries(table)) {
        assert.deepEqual([...r.counts[k]!, ...r.refusal_counts[k]!], v, `${r.key} ${k}`);
      }
    };
    expect(rec(b26, "SAFECRIME_W26"), {
      "CREGION:Northeast": [268, 410, 64, 10, 1],
      "CREGION:Midwest": [288, 509, 87, 20, 1],
      "CREGION:South": [354, 862, 196, 51, 6],
      "CREGION:West": [259, 605, 147, 28, 2],
      "INCOME:Less than $30,000": [130, 512, 147, 56, 5],
      "INCOME:$30,000-$50,000": [157, 472, 98, 25, 2],
      "INCOME:$50,000-$75,000": [227, 414, 85, 14, 0],
      "INCOME:$75,000-$100,000": [201, 346, 54, 9, 2],
      "INCOME:$100,000 or more": [434, 599, 102, 5, 1],
      "RACE:White": [1036, 1907, 353, 62, 5],
      "RACE:Black": [42, 204, 65, 26, 3],
      "RACE:Asian": [32, 57, 15, 4, 0],
      "RACE:Hispanic": [22, 89, 33, 7, 1],
      "RACE:Other": [5, 33, 3, 3, 0],
      "POLPARTY:Republican": [354, 604, 112, 22, 2],
      "POLPARTY:Democrat": [385, 865, 192, 46, 4],
      "POLPARTY:Independent": [329, 687, 130, 29, 3],
      "POLPARTY:Other": [93, 215, 57, 11, 0],
    });
    expect(rec(b92, "POL1JB_W92"), {
      "SEX:Male": [2283, 2250, 15],
      "SEX:Female": [3219, 2306, 77],
      "RACE:White": [3917, 4029, 70],
      "RACE:Black": [768, 94, 13],
      "RACE:Asian": [269, 81, 1],
      "RACE:Hispanic": [366, 174, 5],
      "RACE:Other": [24, 28, 0],
      "INCOME:Less than $30,000": [999, 646, 24],
      "INCOME:$30,000-$50,000": [980, 781, 21],
      "INCOME:$50,000-$75,000": [828, 743, 11],
      "INCOME:$75,000-$100,000": [975, 926, 11],
      "INCOME:$100,000 or more": [1549, 1275, 15],
    });
  });

  it("reproduces OpinionQA's W43 RACE counts (F_RACETHNMOD wave)", async () => {
    const w43 = await readSav(join(PEW, "ATP W43.sav"));
    const { records } = run(w43, { info, selected: () => ["RACESURV1A_W43"] });
    const r = records[0]!;
    assert.deepEqual(r.options, [
      "In a better situation than I expected",
      "In a worse situation than I expected",
      "About where I expected",
    ]);
    const table: Record<string, number[]> = {
      "RACE:White": [675, 896, 1421, 5],
      "RACE:Black": [418, 432, 659, 9],
      "RACE:Asian": [74, 84, 173, 1],
      "RACE:Hispanic": [405, 436, 724, 9],
      "RACE:Other": [36, 44, 78, 0],
    };
    for (const [k, v] of Object.entries(table)) {
      assert.deepEqual([...r.counts[k]!, ...r.refusal_counts[k]!], v, k);
    }
  });

  it("--unweighted gives counts-based distributions", () => {
    const { records, report } = run(w26, {
      info,
      selected: () => ["SAFECRIME_W26"],
      weighted: false,
    });
    const r = records[0]!;
    assert.equal(r.weighted, false);
    assert.equal(report.weightVariable, null);
    for (const [k, d] of Object.entries(r.distributions)) {
      const c = r.counts[k]!;
      const n = c.reduce((a, b) => a + b, 0);
      assertClose(
        d,
        c.map((x) => x / n),
        k,
      );
    }
  });

  it("--questions opinionqa-xl.json restricts to XL's questions and reports those it leaves out", async () => {
    const selected = await loadQuestionKeys(join(PEW, "opinionqa-xl.json"));
    const xlKeys = selected("W26");
    assert.equal(xlKeys.length, 63);
    const { records, report } = run(w26, { selected });
    assert.ok(records.every((r) => xlKeys.includes(r.key.toUpperCase())));
    assert.equal(records.length + report.skipped.length, 63);
    // XL lists checkbox items whose only labelled answer is the item itself (0 unlabelled)
    assert.ok(
      report.skipped.some((s) => s.key === "GAMETYPE_B_W26" && /labelled answer/.test(s.reason)),
    );
  });

  it("without --info: every labelled question variable, text from its variable label", () => {
    const { records } = run(w26, {});
    const keys = records.map((r) => r.key);
    assert.ok(keys.includes("SAFECRIME_W26") && keys.includes("GUNKILLF2_W26"));
    assert.ok(
      !keys.some((k) => /^(F_|WEIGHT|FORM_|LANGUAGE_|NEW_Device)/i.test(k)),
      keys.join(" "),
    );
    const r = records.find((x) => x.key === "SAFECRIME_W26")!;
    assert.equal(r.source, "sav");
    assert.match(
      r.question,
      /^How safe, if at all, would you say your local community is from crime\?/i,
    );
    assert.deepEqual(r.options, ["Very safe", "Somewhat safe", "Not too safe", "Not at all safe"]);
    assert.deepEqual(r.ordinal, [1, 2, 3, 4]);
    assert.deepEqual(r.refusal_options, ["Refused"]);
    assertClose(
      r.distributions.Overall,
      rec(b26, "SAFECRIME_W26").distributions.Overall!,
      "same numbers",
    );
  });
});

describe("buildOpinions on synthetic files", () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-opinions-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const q = {
    name: "Q1_W7",
    label: "Q1. Do you agree?",
    valueLabels: [
      [1, "Agree"],
      [2, "Disagree"],
      [99, "Refused"],
    ] as Array<[number, string]>,
    values: [1, 2, 2, 99, 1],
  };
  const region = {
    name: "F_CREGION",
    valueLabels: [
      [1, "Northeast"],
      [3, "South"],
    ] as Array<[number, string]>,
    values: [1, 1, 3, 3, 3],
  };
  const groups = {
    attributes: [{ name: "CREGION", groups: ["Northeast", "South"] }],
    waves: {
      W7: { CREGION: [{ variable: "F_CREGION", codes: { "1": "Northeast", "3": "South" } }] },
    },
  };

  it("a .sav without the weight variable is a named error (weighted), fine unweighted", async () => {
    const file = join(dir, "no-weight.sav");
    writeFileSync(file, writeSav([q, region]));
    const collect = async (weighted: boolean) => {
      const out: OpinionRecord[] = [];
      for await (const r of buildOpinions({ savFiles: [file], weighted, groups })) out.push(r);
      return out;
    };
    await assert.rejects(
      collect(true),
      (err: unknown) =>
        err instanceof AvakitError &&
        err.message.includes(file) &&
        err.message.includes("WEIGHT_W7"),
    );
    const [r] = await collect(false);
    assert.deepEqual(r!.distributions, {
      Overall: [0.5, 0.5],
      "CREGION:Northeast": [0.5, 0.5],
      "CREGION:South": [0.5, 0.5],
    });
    assert.deepEqual(r!.counts.Overall, [2, 2]);
    assert.equal(r!.question, "Do you agree?");
  });

  it("weights by WEIGHT_W<n>", async () => {
    const file = join(dir, "weighted.sav");
    writeFileSync(file, writeSav([q, region, { name: "WEIGHT_W7", values: [3, 1, 1, 5, 0.5] }]));
    const out: OpinionRecord[] = [];
    for await (const r of buildOpinions({ savFiles: [file], weighted: true, groups })) out.push(r);
    assert.deepEqual(out[0]!.distributions.Overall, [3.5 / 5.5, 2 / 5.5]);
    assert.deepEqual(out[0]!.distributions["CREGION:South"], [0.5 / 1.5, 1 / 1.5]);
    assert.equal(out[0]!.refusal.Overall, 5 / 10.5);
    assert.deepEqual(out[0]!.counts["CREGION:South"], [1, 1]);
  });

  it("an info.csv option the file has no label for is a named error", async () => {
    const file = join(dir, "info-mismatch.sav");
    writeFileSync(file, writeSav([q, region]));
    const infoDir = join(dir, "info");
    mkdirSync(infoDir, { recursive: true });
    writeFileSync(
      join(infoDir, "info.csv"),
      `key,option_mapping,question,references,option_ordinal\nQ1_W7,"{1.0: 'Agree', 3.0: 'Maybe', 99.0: 'Refused'}",Agree?,"['Agree', 'Maybe', 'Refused']","[1.0, 2.0]"\n`,
    );
    const it = buildOpinions({ savFiles: [file], infoDir, weighted: false, groups });
    await assert.rejects(
      it.next(),
      (err: unknown) =>
        err instanceof AvakitError &&
        err.message.includes(file) &&
        /Q1_W7.*option 3 "Maybe"/.test(err.message),
    );
  });
});
