import assert from "node:assert/strict";
import { test } from "node:test";
import { AGE_GROUPS, GENDERS } from "../core/types.js";
import { mulberry32 } from "../eval/metrics/bootstrap.js";
import { US_STATES } from "../signals/geography.js";
import { HeldAds } from "./held-ads.js";
import { constantsMatch } from "./pairs.js";
import type { TaskAd } from "./types.js";

function randomAd(rand: () => number, i: number): TaskAd {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const maybe = <T>(v: T): T | null => (rand() < 0.2 ? null : v);
  const ranking = [...US_STATES].sort(() => rand() - 0.5);
  const range = () => {
    const lower = Math.floor(rand() * 1000);
    return maybe({ lower, upper: rand() < 0.2 ? null : lower * 2 + 1 });
  };
  return {
    adId: `${1000 + i}`,
    pageId: i % 3 === 0 ? "p1" : "p2",
    marketer: pick(["Clear Ridge Academy", "Ridge", "Ünïcødé ☃ marketer"]),
    title: maybe(`title ${i}`),
    body: `body ${i} ${"word ".repeat(i % 7)}`,
    platforms: pick([
      ["facebook"],
      ["facebook", "instagram"],
      [],
      ["messenger", "audience_network"],
    ]),
    startDate: "2023-01-0" + (1 + (i % 9)),
    endDate: maybe("2023-02-01"),
    market: "USA",
    currency: maybe("USD"),
    audienceSize: range(),
    spend: range(),
    impressions: range(),
    stateInterest: US_STATES.map(() => (rand() < 0.5 ? 0 : rand() * 100)),
    stateRanking: ranking,
    topStates: ranking.slice(0, Math.floor(rand() * 4)),
    ageShares: AGE_GROUPS.map(() => rand() / 3),
    genderShares: GENDERS.map(() => rand()),
    bestAgeGroup: maybe(pick(AGE_GROUPS)),
    bestGender: maybe(pick(GENDERS)),
    keywords: pick([[], ["college", "prep"], ["a", "b", "c", "d", "e"]]),
  };
}

test("held ads come back equal to the ads pushed, nulls and shared lists included", () => {
  const rand = mulberry32(5);
  const ads = Array.from({ length: 500 }, (_, i) => randomAd(rand, i));
  const held = new HeldAds();
  for (const a of ads) held.push(a);
  assert.equal(held.length, 500);
  for (const [i, a] of ads.entries()) {
    assert.deepEqual(held.get(i), a, `ad ${i}`);
    assert.equal(held.adId(i), a.adId);
    assert.equal(held.body(i), a.body);
  }
  // A copy each time: changing what get returns changes nothing held.
  const first = held.get(0);
  first.platforms.push("x");
  first.keywords.push("y");
  first.stateInterest[0] = -1;
  assert.deepEqual(held.get(0), ads[0]);
  assert.throws(() => held.get(500), /no held ad 500/);
});

test("held ads give each constant facet as pair mining compares it", () => {
  const rand = mulberry32(8);
  const ads = Array.from({ length: 300 }, (_, i) => randomAd(rand, i));
  const held = new HeldAds();
  for (const a of ads) held.push(a);
  // Two ads match on a facet exactly when their facet values are equal and not null.
  for (const f of ["region", "age", "gender", "budget"] as const) {
    const only = {
      region: f === "region",
      age: f === "age",
      gender: f === "gender",
      budget: f === "budget",
    };
    for (let k = 0; k < 2000; k++) {
      const i = Math.floor(rand() * 300);
      const j = Math.floor(rand() * 300);
      // TS-E's constants are all four facets; with one enabled, it compares that facet only.
      const want = constantsMatch("TS-E", ads[i]!, ads[j]!, only);
      const vi = held.facet(i, f);
      assert.equal(vi !== null && vi === held.facet(j, f), want, `${f} ${i} ${j}`);
    }
  }
});

test("held ads refuse an ad they could not give back", () => {
  const rand = mulberry32(1);
  const held = new HeldAds();
  const ad = randomAd(rand, 0);
  assert.throws(() => held.push({ ...ad, stateRanking: ad.stateRanking.slice(1) }), /51 states/);
  assert.throws(
    () => held.push({ ...ad, stateRanking: ["Atlantis", ...ad.stateRanking.slice(1)] }),
    /"Atlantis" is not one of the 51 US states/,
  );
  assert.throws(() => held.push({ ...ad, topStates: US_STATES.slice(0, 4) }), /more than 3/);
  assert.equal(held.length, 0);
  held.push(ad);
  assert.deepEqual(held.get(0), ad, "a refused ad left nothing behind");
});
