import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { RegionShare } from "../core/types.js";
import { CENSUS_REGIONS, stateIndex } from "../signals/geography.js";
import { demographicVector } from "../store/rows.js";
import { ageWeightMatrix, checkAgeMapping, loadAgeMapping } from "./age-mapping.js";
import { ageSexMarginals, ageSexShares, BehaviorSimilarity, geographicRanks } from "./behavior.js";

const close = (a: number, b: number, eps = 1e-12) =>
  assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

const ads: Array<{ regions: RegionShare[] }> = [
  // Texas has fewer people than California: at equal shares it is the more interested.
  {
    regions: [
      { region: "California", share: 0.5 },
      { region: "Texas", share: 0.5 },
    ],
  },
  { regions: [{ region: "Vermont", share: 1 }] },
  { regions: [{ region: "California", share: 1 }] },
  {
    regions: [
      { region: "Texas", share: 0.3 },
      { region: "California", share: 0.7 },
      { region: "Puerto Rico", share: 0.2 },
    ],
  },
];

test("within-ad ranks: unreached states tie at the bottom with their average rank", () => {
  const r = geographicRanks(ads[0]!.regions)!;
  assert.equal(r.state[stateIndex("Texas")], 1);
  assert.equal(r.state[stateIndex("California")], 2);
  // 49 unreached states share ranks 3..51: (3 + 51) / 2 = 27.
  assert.equal(r.state[stateIndex("Alabama")], 27);
  assert.equal(r.region[CENSUS_REGIONS.indexOf("Northeast")], 3.5);
  assert.equal(geographicRanks([{ region: "Puerto Rico", share: 1 }]), null);
});

test("Eq. 1 over ads, hand-computed: ρ(California, Texas), ρ(California, Alabama), ρ(Alabama, Alaska)", () => {
  const acc = new BehaviorSimilarity(loadAgeMapping("coarse"));
  for (const ad of ads) acc.add(ad.regions, new Array(24).fill(0));
  acc.add([{ region: "Guam", share: 1 }], new Array(24).fill(0));
  const res = acc.result();
  assert.deepEqual(res.ads, { total: 5, geographic: 4, noStateDelivery: 1, demographic: 0 });
  const m = res.matrices.state;
  const at = (a: string, b: string) => m.values[stateIndex(a)]![stateIndex(b)]!;
  // CA ranks [2, 26.5, 1, 1] (mean 7.625), TX [1, 26.5, 26.5, 2] (mean 14):
  // Σdxdy = 305.75, Σdx² = 475.6875, Σdy² = 625.5.
  close(at("California", "Texas"), 305.75 / Math.sqrt(475.6875 * 625.5));
  // Alabama is never reached: [27, 26.5, 26.5, 27] (the tie block is 49 or 50 states wide).
  close(at("California", "Alabama"), -6.125 / Math.sqrt(475.6875 * 0.25));
  close(at("Alabama", "Alaska"), 1);
  assert.equal(at("Texas", "Texas"), 1);
  assert.equal(m.ads, 4);
});

test("age × sex cells: Meta buckets merged by the mapping, unknowns and 13-17 dropped", () => {
  const demo = demographicVector([
    { age: "13-17", gender: "female", share: 0.05 },
    { age: "18-24", gender: "female", share: 0.1 },
    { age: "25-34", gender: "female", share: 0.2 },
    { age: "25-34", gender: "male", share: 0.1 },
    { age: "45-54", gender: "male", share: 0.3 },
    { age: "65+", gender: "unknown", share: 0.15 },
    { age: "unknown", gender: "male", share: 0.1 },
  ]);
  // cells: 18-29 F, 18-29 M, 30-49 F, 30-49 M, 50-64 F, 50-64 M, 65+ F, 65+ M
  const coarse = ageSexShares(demo, ageWeightMatrix(loadAgeMapping("coarse")))!;
  assert.deepEqual(coarse, [0.3, 0.1, 0, 0.3, 0, 0, 0, 0]);
  const split = ageSexShares(demo, ageWeightMatrix(loadAgeMapping("split")))!;
  assert.deepEqual(split, [0.2, 0.05, 0.1, 0.2, 0, 0.15, 0, 0]);
  assert.deepEqual(ageSexMarginals(split), { age: [0.25, 0.3, 0.15, 0], sex: [0.3, 0.4] });
  assert.equal(ageSexShares(demographicVector([]), ageWeightMatrix(loadAgeMapping())), null);
  // 0.1 + 0.2 is 0.30000000000000004 in floats: rounded, it ties with 0.3.
  const tie = demographicVector([
    { age: "18-24", gender: "female", share: 0.1 },
    { age: "25-34", gender: "female", share: 0.2 },
    { age: "35-44", gender: "male", share: 0.3 },
  ]);
  const cells = ageSexShares(tie, ageWeightMatrix(loadAgeMapping()))!;
  assert.equal(cells[0], cells[3]);
});

test("age mapping: presets, a JSON file, and clear errors", () => {
  assert.equal(loadAgeMapping().name, "coarse");
  assert.deepEqual(ageWeightMatrix(loadAgeMapping("split"))[2], [0.5, 0.5, 0, 0], "25-34");
  assert.deepEqual(ageWeightMatrix(loadAgeMapping("coarse"))[0], [0, 0, 0, 0], "13-17 dropped");
  assert.throws(() => loadAgeMapping("nope"), /neither a preset \(coarse, split\)/);
  const dir = mkdtempSync(join(tmpdir(), "avakit-age-"));
  try {
    const file = join(dir, "ages.json");
    writeFileSync(file, JSON.stringify({ name: "young", weights: { "18-24": { "18-29": 1 } } }));
    const m = loadAgeMapping(file);
    assert.equal(m.name, "young");
    assert.deepEqual(ageWeightMatrix(m)[1], [1, 0, 0, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(
    () => checkAgeMapping({ weights: { "10-12": { "18-29": 1 } } }, "f.json"),
    /f\.json: unknown Meta age bucket "10-12"/,
  );
  assert.throws(
    () => checkAgeMapping({ weights: { "18-24": { "18-30": 1 } } }, "f.json"),
    /unknown Pew age group "18-30"/,
  );
  assert.throws(
    () => checkAgeMapping({ weights: { "18-24": { "18-29": -1 } } }, "f.json"),
    /must be a number ≥ 0/,
  );
});
