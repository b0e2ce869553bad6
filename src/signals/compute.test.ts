import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { STATE_POPULATION_2020 } from "./census-2020.js";
import {
  averageRanks,
  bestAgeGroup,
  bestGender,
  computeSignals,
  impressionsPerUsd,
  rangeText,
  rankNames,
  regionInterest,
  stateInterest,
} from "./compute.js";
import { CENSUS_REGIONS, canonicalRegion, stateIndex, US_STATES } from "./geography.js";

const TOTAL = 331_449_281;
const pop = (s: string) => STATE_POPULATION_2020[stateIndex(s)]!.population;

test("the shipped census table has the 51 states (50 + DC) summing to 331,449,281", () => {
  assert.equal(US_STATES.length, 51);
  assert.equal(
    STATE_POPULATION_2020.reduce((a, s) => a + s.population, 0),
    TOTAL,
  );
  assert.ok(US_STATES.includes("District of Columbia"));
  assert.ok(!US_STATES.includes("Puerto Rico"));
});

test("the shipped census table equals ../shared/data's CSV", (t) => {
  let csv: string;
  try {
    csv = readFileSync(
      new URL("../../../shared/data/census-2020-state-population.csv", import.meta.url),
      "utf8",
    );
  } catch {
    t.skip("../shared/data absent: cannot compare with the source CSV");
    return;
  }
  const rows = csv
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(","));
  const states = rows.filter((r) => r[2] !== "" && r[2] !== undefined);
  assert.equal(states.length, 51);
  for (const [name, p, region] of states) {
    const i = stateIndex(name!);
    assert.ok(i >= 0, name);
    assert.equal(STATE_POPULATION_2020[i]!.population, Number(p));
    assert.equal(STATE_POPULATION_2020[i]!.region, region);
  }
});

test("DC's API names map to one state; other regions stay as they are", () => {
  assert.equal(canonicalRegion("Washington, District of Columbia"), "District of Columbia");
  assert.equal(canonicalRegion("District of Columbia"), "District of Columbia");
  assert.equal(canonicalRegion("Washington"), "Washington");
  assert.equal(canonicalRegion("  new   york "), "New York");
  assert.equal(canonicalRegion("Guam"), "Guam");
  assert.equal(stateIndex("Guam"), -1);
});

test("state interest = share of US-state delivery ÷ population share, non-states excluded", () => {
  // 60% California, 20% Texas, 20% outside the states: state shares 0.75 and 0.25.
  const interest = stateInterest([
    { region: "California", share: 0.6 },
    { region: "Texas", share: 0.2 },
    { region: "Puerto Rico", share: 0.1 },
    { region: "Unknown", share: 0.1 },
  ])!;
  assert.equal(interest.length, 51);
  const ca = interest[stateIndex("California")]!;
  const tx = interest[stateIndex("Texas")]!;
  assert.ok(Math.abs(ca - 0.75 / (pop("California") / TOTAL)) < 1e-12);
  assert.ok(Math.abs(tx - 0.25 / (pop("Texas") / TOTAL)) < 1e-12);
  // hand value: 0.75 / (39538223 / 331449281) = 6.2873...
  assert.equal(ca.toFixed(4), "6.2873");
  assert.equal(interest.filter((x) => x === 0).length, 49);
  assert.equal(stateInterest([{ region: "Guam", share: 1 }]), null);
});

test("ranking breaks ties alphabetically; average ranks give ties their mean rank", () => {
  assert.deepEqual(rankNames([1, 3, 3, 0], ["d", "c", "b", "a"]), ["b", "c", "d", "a"]);
  assert.deepEqual(averageRanks([1, 3, 3, 0]), [3, 1.5, 1.5, 4]);
  assert.deepEqual(averageRanks([0, 0, 0]), [2, 2, 2]);
  assert.deepEqual(averageRanks([5, 4, 3]), [1, 2, 3]);
});

test("region interest from state shares", () => {
  const shares = new Array(51).fill(0);
  shares[stateIndex("New York")] = 0.5;
  shares[stateIndex("Ohio")] = 0.5;
  const ri = regionInterest(shares);
  const regionPop = (r: string) =>
    STATE_POPULATION_2020.filter((s) => s.region === r).reduce((a, s) => a + s.population, 0) /
    TOTAL;
  assert.ok(
    Math.abs(ri[CENSUS_REGIONS.indexOf("Northeast")]! - 0.5 / regionPop("Northeast")) < 1e-12,
  );
  assert.ok(Math.abs(ri[CENSUS_REGIONS.indexOf("Midwest")]! - 0.5 / regionPop("Midwest")) < 1e-12);
  assert.equal(ri[CENSUS_REGIONS.indexOf("South")], 0);
});

test("best age group and gender: summed over the other dimension, unknowns ignored, ties have none", () => {
  const demo = [
    { age: "25-34", gender: "female", share: 0.2 },
    { age: "25-34", gender: "male", share: 0.1 },
    { age: "65+", gender: "male", share: 0.25 },
    { age: "65+", gender: "unknown", share: 0.1 },
    { age: "unknown", gender: "female", share: 0.35 },
  ] as const;
  // ages: 25-34 0.30, 65+ 0.25 (its unknown-gender 0.1 ignored); unknown age never wins
  assert.equal(bestAgeGroup([...demo]), "25-34");
  // genders: female 0.20 (the unknown-age 0.35 ignored), male 0.35
  assert.equal(bestGender([...demo]), "male");
  // 0.1 + 0.2 is 0.30000000000000004 in floating point: still a tie with 0.3 at 6 decimals.
  assert.equal(
    bestAgeGroup([
      { age: "18-24", gender: "female", share: 0.1 },
      { age: "18-24", gender: "male", share: 0.2 },
      { age: "45-54", gender: "female", share: 0.3 },
    ]),
    null,
  );
  assert.equal(
    bestGender([
      { age: "18-24", gender: "female", share: 0.5 },
      { age: "18-24", gender: "male", share: 0.5 },
    ]),
    null,
  );
  assert.equal(bestGender([]), null);
  assert.equal(bestGender([{ age: "18-24", gender: "unknown", share: 1 }]), null);
});

test("the real sample's first ad: 55-64 and 45-54 tie once unknown gender is ignored", () => {
  // ad 2447656412147213: 55-64 = 0.094118 (m) + 0.117647 (f), 45-54 = 0.164706 (m) + 0.047059 (f);
  // both 0.211765.
  const demo = [
    { age: "55-64", gender: "male", share: 0.094118 },
    { age: "55-64", gender: "female", share: 0.117647 },
    { age: "55-64", gender: "unknown", share: 0.011765 },
    { age: "45-54", gender: "male", share: 0.164706 },
    { age: "45-54", gender: "female", share: 0.047059 },
  ] as const;
  assert.equal(bestAgeGroup([...demo]), null);
});

test("impressions per USD from range midpoints; open-ended uses the lower bound", () => {
  assert.equal(
    impressionsPerUsd({ lower: 100, upper: 199 }, { lower: 1000, upper: 4999 }, "USD"),
    2999.5 / 149.5,
  );
  assert.equal(
    impressionsPerUsd({ lower: 1000000, upper: null }, { lower: 1000000, upper: null }, "USD"),
    1,
  );
  assert.equal(impressionsPerUsd({ lower: 0, upper: 0 }, { lower: 0, upper: 999 }, "USD"), null);
  assert.equal(
    impressionsPerUsd({ lower: 100, upper: 199 }, { lower: 1000, upper: 4999 }, "EUR"),
    null,
  );
  assert.equal(impressionsPerUsd(null, { lower: 1000, upper: 4999 }, "USD"), null);
});

test("ranges read as the paper's prompts state them", () => {
  assert.equal(rangeText({ lower: 1000, upper: 1499 }, "USD"), "between 1000 to 1499 USD");
  assert.equal(rangeText({ lower: 100001, upper: 500000 }), "between 100001 to 500000");
  assert.equal(rangeText({ lower: 1000000, upper: null }, "USD"), "at least 1000000 USD");
});

test("computeSignals: top states are only states the ad reached", () => {
  const s = computeSignals({
    adId: "1",
    regions: [
      { region: "Vermont", share: 0.5 },
      { region: "Texas", share: 0.5 },
    ],
    demographics: [],
    spend: null,
    impressions: null,
    currency: "USD",
  })!;
  assert.deepEqual(s.topStates, ["Vermont", "Texas"]);
  assert.equal(s.stateRanking.length, 51);
  assert.deepEqual(s.stateRanking.slice(0, 4), ["Vermont", "Texas", "Alabama", "Alaska"]);
  assert.equal(s.regionRanking.length, 4);
  assert.equal(s.bestAgeGroup, null);
});

test("rankNames agrees with a plain comparison sort on random values with ties and zeros", () => {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let trial = 0; trial < 200; trial++) {
    const values = US_STATES.map(() =>
      rnd() < 0.5 ? 0 : Math.floor(rnd() * 5) * (rnd() < 0.1 ? -1 : 1),
    );
    const expected = US_STATES.map((_, i) => i)
      .sort((a, b) => values[b]! - values[a]! || (US_STATES[a]! < US_STATES[b]! ? -1 : 1))
      .map((i) => US_STATES[i]!);
    assert.deepEqual(rankNames(values, US_STATES), expected);
  }
  assert.deepEqual(rankNames([0, 2, 0], ["c", "a", "b"]), ["a", "b", "c"]);
});
