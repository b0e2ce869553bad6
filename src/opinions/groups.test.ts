import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { assignGroups, loadGroupMapping, withJointAttribute } from "./groups.js";
import { parseMetadataCsv } from "./info.js";
import { openSavMeta, readSav, type SavFile } from "./sav.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const PEW = join(DATA, "pew-atp");
const HUMAN_RESP = join(DATA, "opinionqa/human_resp");
const SKIP =
  existsSync(PEW) && existsSync(HUMAN_RESP)
    ? false
    : `real ATP/OpinionQA data absent under ${DATA}`;
const WAVES = [
  "W26",
  "W27",
  "W29",
  "W32",
  "W34",
  "W36",
  "W41",
  "W42",
  "W43",
  "W45",
  "W49",
  "W50",
  "W54",
  "W82",
  "W92",
];

const mapping = loadGroupMapping();

describe("groups mapping (data/opinionqa-groups.json)", () => {
  it("has OpinionQA's 12 attributes and 60 groups", () => {
    assert.deepEqual(
      mapping.attributes.map((a) => a.name),
      [
        "CREGION",
        "AGE",
        "SEX",
        "EDUCATION",
        "CITIZEN",
        "MARITAL",
        "RELIG",
        "RELIGATTEND",
        "POLPARTY",
        "INCOME",
        "POLIDEOLOGY",
        "RACE",
      ],
    );
    assert.equal(
      mapping.attributes.reduce((n, a) => n + a.groups.length, 0),
      60,
    );
    assert.deepEqual(Object.keys(mapping.waves), WAVES);
  });

  it("matches every wave's metadata.csv (attribute → groups)", { skip: SKIP }, () => {
    for (const w of WAVES) {
      const file = join(HUMAN_RESP, `American_Trends_Panel_${w}`, "metadata.csv");
      const meta = parseMetadataCsv(readFileSync(file, "utf8"), file);
      assert.equal(meta.size, 12, w);
      for (const a of mapping.attributes)
        assert.deepEqual(meta.get(a.name), a.groups, `${w} ${a.name}`);
    }
  });

  it("names variables and labelled codes each wave's .sav file has; missing ones are absent", {
    skip: SKIP,
  }, async () => {
    for (const w of WAVES) {
      const reader = await openSavMeta(join(PEW, `ATP ${w}.sav`));
      const labels = new Map(
        reader.meta.sysvars.map((v) => [
          v.name,
          new Map(
            (reader.meta.getValueLabels(v.name) ?? []).map((e) => [Number(e.val), e.label.trim()]),
          ),
        ]),
      );
      for (const [attr, spec] of Object.entries(mapping.waves[w]!)) {
        if (!Array.isArray(spec)) {
          const stem = attr === "INCOME" ? /^F_INC/ : new RegExp(`^F_${attr}`);
          assert.ok(
            ![...labels.keys()].some((n) => stem.test(n)),
            `${w} ${attr} said missing but present`,
          );
          continue;
        }
        for (const rule of spec) {
          const vl = labels.get(rule.variable);
          assert.ok(vl, `${w} ${attr}: ${rule.variable} not in the file`);
          for (const [code, group] of Object.entries(rule.codes)) {
            const label = vl.get(Number(code));
            assert.ok(label, `${w} ${attr}: ${rule.variable} has no label for ${code}`);
            // where Pew's label is the group's name, it must be the same group
            if (["CREGION", "AGE", "RELIGATTEND", "POLIDEOLOGY"].includes(attr))
              assert.equal(label, group, `${w} ${attr} ${code}`);
          }
        }
      }
    }
  });
});

describe("assignGroups", () => {
  const sav = (cols: Record<string, number[]>): SavFile => ({
    path: "fixture.sav",
    rowCount: Object.values(cols)[0]!.length,
    variables: Object.keys(cols).map((name) => ({
      name,
      label: "",
      type: "numeric",
      valueLabels: new Map(),
    })),
    variable(name) {
      return this.variables.find((v) => v.name === name);
    },
    numeric(name) {
      return Float64Array.from(cols[name]!);
    },
  });

  it("applies rules in order (OpinionQA's RACE recode) and reports unsupplied attributes", () => {
    const m = {
      attributes: [
        { name: "RACE", groups: ["White", "Black", "Asian", "Hispanic", "Other"] },
        { name: "INCOME", groups: ["Low"] },
        { name: "SEX", groups: ["Male"] },
      ],
      waves: {
        W1: {
          RACE: [
            { variable: "F_RACECMB", codes: { "1": "White", "2": "Black", "3": "Asian" } },
            { variable: "F_HISP", codes: { "1": "Hispanic" } },
            { variable: "F_RACECMB", codes: { "5": "Other" } },
          ],
          INCOME: { missing: "no income variable" },
          SEX: [{ variable: "F_SEX", codes: { "1": "Male" } }],
        },
      },
    };
    // White Hispanic stays White; mixed (4) Hispanic → Hispanic; other race (5) non-Hispanic → Other; mixed non-Hispanic → none
    const g = assignGroups(sav({ F_RACECMB: [1, 4, 5, 4, 9], F_HISP: [1, 1, 2, 2, 1] }), "W1", m);
    const race = [0, 1, 2, 3, 4].map((i) => g.membership[i * 3]!);
    assert.deepEqual(
      race.map((s) => (s < 0 ? null : g.keys[s])),
      ["RACE:White", "RACE:Hispanic", "RACE:Other", null, "RACE:Hispanic"],
    );
    assert.deepEqual(
      g.missing.map((x) => [x.attribute, x.reason]),
      [
        ["INCOME", "no income variable"],
        ["SEX", "variable F_SEX not in fixture.sav"],
      ],
    );
    const other = assignGroups(sav({ F_RACECMB: [1] }), "W9", m);
    assert.equal(other.missing.length, 3);
    assert.match(other.missing[0]!.reason, /W9 is not in the groups mapping/);
  });
});

describe("joint attributes (--joint AGE,SEX)", () => {
  it("adds AGESEX with the 8 crossed groups and rejects unknown attributes", () => {
    const joint = withJointAttribute(mapping, "AGE", "SEX");
    const agesex = joint.attributes.find((a) => a.name === "AGESEX");
    assert.deepEqual(agesex?.groups, [
      "18-29 Male",
      "18-29 Female",
      "30-49 Male",
      "30-49 Female",
      "50-64 Male",
      "50-64 Female",
      "65+ Male",
      "65+ Female",
    ]);
    assert.equal(mapping.attributes.length, 12, "the bundled mapping is not changed");
    assert.throws(() => withJointAttribute(mapping, "AGE", "SHOE"), /unknown attribute SHOE/);
  });

  it("assigns each W26 respondent the cross of their age and sex groups", {
    skip: SKIP,
  }, async () => {
    const joint = withJointAttribute(mapping, "AGE", "SEX");
    const sav = await readSav(join(PEW, "ATP W26.sav"));
    const g = assignGroups(sav, "W26", joint);
    const A = g.attributeCount;
    const idx = (name: string) => joint.attributes.findIndex((a) => a.name === name);
    const [age, sex, agesex] = [idx("AGE"), idx("SEX"), idx("AGESEX")];
    let both = 0;
    for (let i = 0; i < sav.rowCount; i++) {
      const ka = g.membership[i * A + age]!;
      const ks = g.membership[i * A + sex]!;
      const kj = g.membership[i * A + agesex]!;
      if (ka < 0 || ks < 0) {
        assert.equal(kj, -1);
        continue;
      }
      both++;
      assert.equal(g.keys[kj], `AGESEX:${g.keys[ka]!.slice(4)} ${g.keys[ks]!.slice(4)}`);
    }
    assert.ok(both > 4000, `${both} respondents with both`);
  });
});
