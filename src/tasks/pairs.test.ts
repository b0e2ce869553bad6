import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AGE_GROUPS, type AgeGroup, GENDERS, type Gender, type Range } from "../core/types.js";
import { dot } from "../embed/types.js";
import { mulberry32 } from "../eval/metrics/bootstrap.js";
import { US_STATES } from "../signals/geography.js";
import { HeldAds } from "./held-ads.js";
import { HeldVectors } from "./held-vectors.js";
import {
  blockDots,
  constantsMatch,
  cosine,
  DEFAULT_PAIR_CONFIG,
  jsBlockDots,
  minePairs,
  orientPair,
  type PairConfig,
  pairPriorityOf,
  wasmBlockDots,
} from "./pairs.js";
import { PAIR_TASKS, type PairCandidate, type PairTask, type TaskAd } from "./types.js";
import { wordEdits } from "./word-edits.js";

interface AdSpec {
  /** The state ranking starts with these, then the other states alphabetically. */
  states?: string[];
  age?: AgeGroup | null;
  gender?: Gender | null;
  spend?: Range | null;
  impressions?: Range | null;
  /** Shares by name; unnamed segments get 0. */
  ageShares?: Partial<Record<AgeGroup, number>>;
  genderShares?: Partial<Record<Gender, number>>;
  body?: string;
}

function makeAd(adId: string, spec: AdSpec = {}): TaskAd {
  const head = spec.states ?? ["Ohio", "Texas", "Utah"];
  const ranking = [...head, ...US_STATES.filter((s) => !head.includes(s))];
  const age = spec.age === undefined ? "25-34" : spec.age;
  const gender = spec.gender === undefined ? "female" : spec.gender;
  return {
    adId,
    pageId: "page",
    marketer: "Marketer",
    title: null,
    body: spec.body ?? BASE,
    platforms: ["facebook"],
    startDate: "2023-01-01",
    endDate: null,
    market: "USA",
    currency: "USD",
    audienceSize: null,
    spend: spec.spend === undefined ? { lower: 100, upper: 199 } : spec.spend,
    impressions: spec.impressions === undefined ? { lower: 1000, upper: 1999 } : spec.impressions,
    // Interest falls with rank, so the ranking and the interests agree.
    stateInterest: US_STATES.map((s) => 51 - ranking.indexOf(s)),
    stateRanking: ranking,
    topStates: ranking.slice(0, 3),
    ageShares: AGE_GROUPS.map((g) => spec.ageShares?.[g] ?? (g === age ? 0.5 : 0)),
    genderShares: GENDERS.map((g) => spec.genderShares?.[g] ?? (g === gender ? 0.6 : 0.4)),
    bestAgeGroup: age,
    bestGender: gender,
    keywords: [],
  };
}

const BASE = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
/** BASE with its first k words replaced: exactly k word edits away. */
const edited = (k: number, tag = "x"): string =>
  BASE.split(" ")
    .map((w, i) => (i < k ? `${tag}${i}` : w))
    .join(" ");

const vec = (...xs: number[]) => Float32Array.from(xs);
/** cosine(E1, V07) is exactly 0.7 (7/10); cosine(E1, V071) = 0.71 (71/100). */
const E1 = vec(1, 0, 0, 0, 0);
const V07 = vec(7, 7, 1, 1, 0);
const V071 = vec(71, 70, 7, 3, 1);

const cfg = (over: Partial<PairConfig> = {}): PairConfig => ({ ...DEFAULT_PAIR_CONFIG, ...over });

const brief = (c: PairCandidate) => ({
  task: c.task,
  source: c.source.adId,
  target: c.target.adId,
  given: c.given,
  goal: c.goal,
});
const tasksOf = (cs: PairCandidate[]) =>
  cs.map((c) => `${c.task} ${c.source.adId}>${c.target.adId}`);

test("cosine is the shared implementation with exact values on these vectors", () => {
  assert.equal(cosine(E1, V07), 0.7);
  assert.equal(cosine(E1, V071), 0.71);
});

test("the similarity threshold is strict and the word-edit minimum inclusive", () => {
  const a = makeAd("a", { impressions: { lower: 1000, upper: 1999 } });
  const b = (id: string, k: number) =>
    makeAd(id, { body: edited(k), impressions: { lower: 5000, upper: 9999 } });
  const only = cfg({ tasks: ["TS-E"] });
  // cosine exactly 0.7: excluded.
  let r = minePairs([a, b("b", 20)], [E1, V07], only);
  assert.equal(r.stats.pairsCompared, 1);
  assert.equal(r.stats.aboveThreshold, 0);
  assert.deepEqual(r.candidates, []);
  // 0.71 and 16 edits: included, with its similarity and edits.
  r = minePairs([a, b("b", 16)], [E1, V071], only);
  assert.deepEqual(tasksOf(r.candidates), ["TS-E a>b"]);
  assert.equal(r.candidates[0]!.similarity, 0.71);
  assert.equal(r.candidates[0]!.wordEdits, 16);
  assert.equal(r.stats.similarPairs, 1);
  // 15 edits: excluded.
  r = minePairs([a, b("b", 15)], [E1, V071], only);
  assert.equal(r.stats.aboveThreshold, 1);
  assert.equal(r.stats.similarPairs, 0);
  assert.deepEqual(r.candidates, []);
  // The threshold and minimum are configurable.
  r = minePairs(
    [a, b("b", 15)],
    [E1, V07],
    cfg({ tasks: ["TS-E"], similarityThreshold: 0.69, minWordEdits: 15 }),
  );
  assert.deepEqual(tasksOf(r.candidates), ["TS-E a>b"]);
});

test("a page with one ad, or no pair task, yields no pairs", () => {
  const one = minePairs([makeAd("a")], [E1], cfg());
  assert.deepEqual(one.candidates, []);
  assert.equal(one.stats.pairsCompared, 0);
  const none = minePairs(
    [makeAd("a"), makeAd("b", { body: edited(20) })],
    [E1, E1],
    cfg({ tasks: [] }),
  );
  assert.deepEqual(none.candidates, []);
  assert.throws(() => minePairs([makeAd("a")], [], cfg()), RangeError);
});

/** Mines two ads with cosine 1 and 20 word edits. */
const mineTwo = (a: TaskAd, b: TaskAd, over: Partial<PairConfig> = {}) =>
  minePairs([a, { ...b, body: edited(20) }], [E1, E1], cfg(over)).candidates;

test("TS-B: Ad1 has the lower budget; budget is not a constant, region, age and gender are", () => {
  const lo = makeAd("lo", { spend: { lower: 100, upper: 199 } });
  const hi = makeAd("hi", { spend: { lower: 1000, upper: 1999 } });
  const got = mineTwo(lo, hi);
  // A pair differing in spend yields no TS-A/TS-R/TS-G/TS-E/TC-*: budget is their constant.
  assert.deepEqual(got.map(brief), [
    { task: "TS-B", source: "lo", target: "hi", given: null, goal: null },
  ]);
  assert.equal(got[0]!.wordEdits, 20);
  assert.equal(got[0]!.similarity, 1);
  assert.deepEqual(mineTwo(lo, { ...hi, bestGender: "male" }), [], "gender is a TS-B constant");
  assert.deepEqual(mineTwo(lo, { ...hi, bestAgeGroup: "65+" }), [], "age is a TS-B constant");
  const elsewhere = makeAd("hi", { spend: hi.spend, states: ["Texas", "Ohio", "Utah"] });
  assert.deepEqual(mineTwo(lo, elsewhere), [], "region (top state) is a TS-B constant");
  assert.deepEqual(mineTwo(lo, { ...hi, spend: null }), [], "no spend, no budget order");
});

test("a disabled constant is not required to match", () => {
  const a = makeAd("a", {
    spend: { lower: 100, upper: 199 },
    impressions: { lower: 10, upper: 19 },
  });
  const b = makeAd("b", {
    spend: { lower: 1000, upper: 1999 },
    impressions: { lower: 50, upper: 99 },
  });
  const noBudget = { region: true, age: true, gender: true, budget: false };
  assert.deepEqual(tasksOf(mineTwo(a, b, { constants: noBudget })), ["TS-B a>b", "TS-E a>b"]);
  const c = makeAd("c", { gender: "male", genderShares: { female: 0.3, male: 0.7 } });
  assert.deepEqual(mineTwo(a, { ...c, spend: a.spend }, { tasks: ["TS-B"] }), []);
  const noGender = { region: true, age: true, gender: false, budget: true };
  assert.deepEqual(
    tasksOf(
      mineTwo(makeAd("a", { spend: { lower: 1, upper: 9 } }), c, {
        tasks: ["TS-B"],
        constants: noGender,
      }),
    ),
    ["TS-B a>c"],
  );
});

test("a null facet never matches", () => {
  const a = makeAd("a", { age: null });
  const b = makeAd("b", { age: null });
  for (const t of ["TS-B", "TS-E", "TS-R", "TS-G", "TC-G", "TC-R"] as PairTask[]) {
    assert.equal(constantsMatch(t, a, b, DEFAULT_PAIR_CONFIG.constants), false, t);
  }
  assert.equal(constantsMatch("TS-A", a, b, DEFAULT_PAIR_CONFIG.constants), true);
  const noSpend = makeAd("c", { spend: null });
  assert.equal(
    constantsMatch("TS-A", noSpend, { ...noSpend, adId: "d" }, DEFAULT_PAIR_CONFIG.constants),
    false,
  );
  const budgetOnly = { region: false, age: false, gender: false, budget: true };
  assert.equal(constantsMatch("TS-B", a, b, budgetOnly), true, "TS-B has no budget constant");
});

test("TS-E: same budget, Ad1 has fewer impressions", () => {
  const a = makeAd("a", { impressions: { lower: 1000, upper: 1999 } });
  const b = makeAd("b", { impressions: { lower: 5000, upper: 9999 } });
  assert.deepEqual(mineTwo(a, b).map(brief), [
    { task: "TS-E", source: "a", target: "b", given: null, goal: null },
  ]);
  assert.deepEqual(
    mineTwo(a, { ...b, spend: { lower: 100, upper: 499 } }).map((c) => c.task),
    [],
    "same lower, other upper: another range",
  );
  assert.deepEqual(mineTwo(a, { ...b, impressions: null }), []);
});

test("TS-A and TC-A: the goal is Ad2's best age group", () => {
  const a = makeAd("a", { age: "25-34", ageShares: { "25-34": 0.5, "35-44": 0.2 } });
  const b = makeAd("b", { age: "35-44", ageShares: { "25-34": 0.1, "35-44": 0.5 } });
  assert.deepEqual(mineTwo(a, b).map(brief), [
    { task: "TS-A", source: "a", target: "b", given: "25-34", goal: "35-44" },
    { task: "TS-A", source: "b", target: "a", given: "35-44", goal: "25-34" },
    { task: "TC-A", source: "a", target: "b", given: "25-34", goal: "35-44" },
    { task: "TC-A", source: "b", target: "a", given: "35-44", goal: "25-34" },
  ]);
  // b's share of a's best group is higher than a's: no TS-A b>a.
  const b2 = makeAd("b", { age: "35-44", ageShares: { "25-34": 0.6, "35-44": 0.7 } });
  assert.deepEqual(tasksOf(mineTwo(a, b2)), ["TS-A a>b", "TC-A a>b", "TC-A b>a"]);
  // Same best group: TS-A only where Ad1's share is smaller, never TC-A.
  const c = makeAd("c", { age: "25-34", ageShares: { "25-34": 0.8 } });
  assert.deepEqual(tasksOf(mineTwo(a, c, { tasks: ["TS-A", "TC-A"] })), ["TS-A a>c"]);
});

test("TS-G and TC-G: the goal is Ad2's best gender", () => {
  const a = makeAd("a", { gender: "female", genderShares: { female: 0.7, male: 0.3 } });
  const b = makeAd("b", { gender: "male", genderShares: { female: 0.45, male: 0.55 } });
  assert.deepEqual(mineTwo(a, b).map(brief), [
    { task: "TS-G", source: "a", target: "b", given: "female", goal: "male" },
    { task: "TS-G", source: "b", target: "a", given: "male", goal: "female" },
    { task: "TC-G", source: "a", target: "b", given: "female", goal: "male" },
    { task: "TC-G", source: "b", target: "a", given: "male", goal: "female" },
  ]);
  const c = makeAd("c", { gender: "female", genderShares: { female: 0.9, male: 0.1 } });
  assert.deepEqual(tasksOf(mineTwo(a, c, { tasks: ["TS-G", "TC-G"] })), ["TS-G a>c"]);
});

test("TS-R: the goal is Ad2's top state, where Ad1's interest is lower", () => {
  const a = makeAd("a", { states: ["Ohio", "Texas", "Utah"] });
  const b = makeAd("b", { states: ["Texas", "Ohio", "Utah"] });
  assert.deepEqual(mineTwo(a, b, { tasks: ["TS-R"] }).map(brief), [
    { task: "TS-R", source: "a", target: "b", given: "Ohio", goal: "Texas" },
    { task: "TS-R", source: "b", target: "a", given: "Texas", goal: "Ohio" },
  ]);
  // Equal interest in Ad2's top state: no TS-R.
  const c = makeAd("c", { states: ["Ohio", "Utah", "Texas"] });
  assert.deepEqual(mineTwo(a, c, { tasks: ["TS-R"] }), []);
});

test("TC-R: a state of the target's top 3 whose rank moved by at least 3", () => {
  const target = makeAd("t", { states: ["Ohio", "Texas", "Utah"] });
  const tcr = (states: string[], shift?: number) =>
    mineTwo(makeAd("s", { states }), target, {
      tasks: ["TC-R"],
      ...(shift === undefined ? {} : { tcRegionMinRankShift: shift }),
    })
      .filter((c) => c.source.adId === "s")
      .map((c) => [c.given, c.goal]);
  // Utah at rank 4 in the source, 2 in the target: shift 2, excluded.
  assert.deepEqual(tcr(["Ohio", "Texas", "Alaska", "Iowa", "Utah"]), []);
  // Rank 5: shift 3, included.
  assert.deepEqual(tcr(["Ohio", "Texas", "Alaska", "Iowa", "Maine", "Utah"]), [["Ohio", "Utah"]]);
  // The shift is configurable.
  assert.deepEqual(tcr(["Ohio", "Texas", "Alaska", "Iowa", "Utah"], 2), [["Ohio", "Utah"]]);
  // The best-ranked qualifying state of the target wins.
  assert.deepEqual(tcr(["Alaska", "Iowa", "Maine", "Texas", "Ohio", "Utah"]), [["Alaska", "Ohio"]]);
  // A state that moved a lot but is not in the target's top 3 does not count.
  // Wyoming: source rank 2, target rank 50; Utah: source rank 3, target rank 2.
  const src = makeAd("s", { states: ["Ohio", "Texas", "Wyoming", "Utah"] });
  assert.equal(target.stateRanking.indexOf("Wyoming"), 50);
  const both = mineTwo(src, target, { tasks: ["TC-R"] }).map(brief);
  assert.deepEqual(both, [
    { task: "TC-R", source: "t", target: "s", given: "Ohio", goal: "Wyoming" },
  ]);
});

test("TC-R keeps age, budget and gender constant, not region; TC-G keeps region, budget, age", () => {
  const a = makeAd("a", { states: ["Ohio", "Texas", "Utah"] });
  const b = makeAd("b", { states: ["Maine", "Iowa", "Idaho"] });
  assert.deepEqual(tasksOf(mineTwo(a, b, { tasks: ["TC-R", "TC-G"] })), ["TC-R a>b", "TC-R b>a"]);
  const m = makeAd("m", { gender: "male", states: ["Maine", "Iowa", "Idaho"] });
  assert.deepEqual(mineTwo(a, m, { tasks: ["TC-R", "TC-G"] }), []);
});

test("orientPair applies one orientation only", () => {
  const a = makeAd("a", { spend: { lower: 1, upper: 9 } });
  const b = makeAd("b", { spend: { lower: 10, upper: 19 } });
  assert.deepEqual(tasksOf(orientPair(a, b, 0.9, 20, DEFAULT_PAIR_CONFIG)), ["TS-B a>b"]);
  assert.deepEqual(orientPair(b, a, 0.9, 20, DEFAULT_PAIR_CONFIG), []);
});

/** A page of near-duplicate ads: every pair similar, 20+ word edits apart, differing in budget. */
function clusterPage(n: number): { ads: TaskAd[]; vectors: Float32Array[] } {
  const ads = Array.from({ length: n }, (_, i) =>
    makeAd(`ad${String(i).padStart(3, "0")}`, {
      body: edited(20 + (i % 5), `v${i}_`),
      spend: { lower: 100 * (i + 1), upper: 100 * (i + 1) + 99 },
    }),
  );
  return { ads, vectors: ads.map(() => E1) };
}

test("the per-page cap keeps a seeded sample: deterministic, order-free, seed-dependent", () => {
  const { ads, vectors } = clusterPage(12);
  const over = { tasks: ["TS-B"] as PairTask[], maxPairsPerPage: 10 };
  const full = minePairs(ads, vectors, cfg({ ...over, maxPairsPerPage: 1000 }));
  assert.equal(full.stats.similarPairs, 66);
  assert.equal(full.stats.capped, 0);
  assert.equal(full.candidates.length, 66, "one TS-B orientation per pair");

  const a = minePairs(ads, vectors, cfg({ ...over, seed: 1 }));
  // Once the sample is full, pairs whose priority cannot enter it are not compared at all.
  assert.ok(a.stats.pairsCompared >= 10 && a.stats.pairsCompared < 66, `${a.stats.pairsCompared}`);
  assert.equal(a.stats.aboveThreshold, a.stats.pairsCompared, "every compared pair is similar");
  assert.equal(a.stats.similarPairs, a.stats.aboveThreshold);
  assert.equal(a.stats.capped, 56, "every pair of the block outside the sample");
  assert.equal(a.candidates.length, 10);
  assert.deepEqual(a.stats.perTask["TS-B"], 10);
  assert.deepEqual(minePairs(ads, vectors, cfg({ ...over, seed: 1 })), a);
  const shuffled = [...ads.keys()].sort((x, y) => ((x * 7) % 12) - ((y * 7) % 12));
  const b = minePairs(
    shuffled.map((i) => ads[i]!),
    shuffled.map((i) => vectors[i]!),
    cfg({ ...over, seed: 1 }),
  );
  assert.deepEqual(b.candidates.map(brief), a.candidates.map(brief));
  assert.deepEqual(b.stats, a.stats);
  const c = minePairs(ads, vectors, cfg({ ...over, seed: 2 }));
  assert.notDeepEqual(c.candidates.map(brief), a.candidates.map(brief));
  // The sample is the 10 productive pairs with the smallest seeded pair priority.
  const keys = full.candidates.map(
    (x) => [x.source.adId, x.target.adId].sort() as [string, string],
  );
  const want = keys
    .map(([p, q]) => ({ k: `${p}|${q}`, prio: pairPriorityOf(1, p, q) }))
    .sort((x, y) => x.prio - y.prio)
    .slice(0, 10)
    .map((x) => x.k);
  assert.deepEqual(
    a.candidates.map((x) => [x.source.adId, x.target.adId].sort().join("|")).sort(),
    [...want].sort(),
  );
});

test("similar pairs that yield no task do not take the cap's places", () => {
  // Five ads with equal impressions (no TS-E between them) and one with more.
  const ads = ["a", "b", "c", "d", "e", "f"].map((id, i) =>
    makeAd(id, {
      body: edited(20 + i, `${id}_`),
      impressions: { lower: id === "f" ? 9000 : 1000, upper: null },
    }),
  );
  const r = minePairs(
    ads,
    ads.map(() => E1),
    cfg({ tasks: ["TS-E"], maxPairsPerPage: 5 }),
  );
  assert.equal(r.stats.aboveThreshold, 15);
  assert.equal(r.stats.taskPairs, 5);
  assert.deepEqual(tasksOf(r.candidates), [
    "TS-E a>f",
    "TS-E b>f",
    "TS-E c>f",
    "TS-E d>f",
    "TS-E e>f",
  ]);
  const one = minePairs(
    ads,
    ads.map(() => E1),
    cfg({ tasks: ["TS-E"], maxPairsPerPage: 1 }),
  );
  assert.equal(one.candidates.length, 1);
  assert.equal(one.candidates[0]!.target.adId, "f");
});

test("output is sorted by task, source and target", () => {
  const { ads, vectors } = clusterPage(6);
  const { candidates } = minePairs([...ads].reverse(), [...vectors].reverse(), cfg());
  const order = (c: PairCandidate) =>
    [PAIR_TASKS.indexOf(c.task), c.source.adId, c.target.adId] as const;
  for (let i = 1; i < candidates.length; i++) {
    const [t0, s0, g0] = order(candidates[i - 1]!);
    const [t1, s1, g1] = order(candidates[i]!);
    assert.ok(t0 < t1 || (t0 === t1 && (s0 < s1 || (s0 === s1 && g0 < g1))), `at ${i}`);
  }
});

// ---- The key test: blocking finds exactly what the all-pairs definition finds. ----

const STATES = ["Ohio", "Texas", "Utah", "Iowa", "Maine"];

function randomPage(seed: number, n: number): { ads: TaskAd[]; vectors: Float32Array[] } {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // 40: not a multiple of the SIMD kernel's 16-float step, and more than one step.
  const dim = 40;
  const gauss = () => {
    let s = 0;
    for (let k = 0; k < 6; k++) s += rand();
    return s - 3;
  };
  const centres = Array.from({ length: 25 }, () => Array.from({ length: dim }, gauss));
  const bases = Array.from({ length: 25 }, () =>
    Array.from({ length: 30 + Math.floor(rand() * 20) }, () => `t${Math.floor(rand() * 60)}`),
  );
  const ads: TaskAd[] = [];
  const vectors: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * centres.length);
    const noise = pick([0.05, 0.3, 0.6, 1.2]);
    const v = Float32Array.from(centres[c]!, (x) => x + noise * gauss());
    const norm = Math.hypot(...v);
    vectors.push(v.map((x) => x / norm));
    // Planted near-duplicates: the cluster's text with 0-35 random edits.
    const words = [...bases[c]!];
    const edits = Math.floor(rand() * 36);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * (words.length + 1));
      const op = rand();
      if (op < 0.4) words[at] = `u${Math.floor(rand() * 80)}`;
      else if (op < 0.7) words.splice(at, 0, `u${Math.floor(rand() * 80)}`);
      else words.splice(at, 1);
    }
    const head = [...STATES].sort(() => rand() - 0.5).slice(0, 3);
    const spendLo = pick([100, 500, 1000]);
    const impLo = pick([1000, 5000, 10000]);
    const ageShares = Object.fromEntries(AGE_GROUPS.map((g) => [g, Math.round(rand() * 10) / 10]));
    const genderShares = Object.fromEntries(GENDERS.map((g) => [g, Math.round(rand() * 10) / 10]));
    const ad = makeAd(`id${(i * 7919) % 1000}`, {
      states: head,
      age: rand() < 0.03 ? null : pick(["18-24", "25-34", "35-44"] as AgeGroup[]),
      gender: rand() < 0.03 ? null : pick(GENDERS),
      spend:
        rand() < 0.05 ? null : { lower: spendLo, upper: rand() < 0.1 ? null : spendLo * 2 - 1 },
      impressions: rand() < 0.05 ? null : { lower: impLo, upper: impLo * 2 - 1 },
      ageShares,
      genderShares,
      body: words.join(" "),
    });
    ads.push(rand() < 0.03 ? { ...ad, topStates: [] } : ad);
  }
  return { ads, vectors };
}

/** The definition, over all n² pairs: the candidates and the number of similar pairs. */
function allPairs(
  ads: TaskAd[],
  vectors: Float32Array[],
  c: PairConfig,
): { candidates: PairCandidate[]; similar: number } {
  const tasks = PAIR_TASKS.filter((t) => c.tasks.includes(t));
  const candidates: PairCandidate[] = [];
  let similar = 0;
  for (let i = 0; i < ads.length; i++) {
    for (let j = i + 1; j < ads.length; j++) {
      const a = ads[i]!;
      const b = ads[j]!;
      if (!tasks.some((t) => constantsMatch(t, a, b, c.constants))) continue;
      const sim = cosine(vectors[i]!, vectors[j]!);
      if (!(sim > c.similarityThreshold)) continue;
      const edits = wordEdits(a.body, b.body);
      if (edits < c.minWordEdits) continue;
      similar++;
      candidates.push(...orientPair(a, b, sim, edits, c), ...orientPair(b, a, sim, edits, c));
    }
  }
  return { candidates, similar };
}

const key = (c: PairCandidate) =>
  JSON.stringify([
    c.task,
    c.source.adId,
    c.target.adId,
    c.given,
    c.goal,
    c.similarity,
    c.wordEdits,
  ]);

test("blocking finds exactly the all-pairs candidates on a random page of 300 ads", () => {
  const { ads, vectors } = randomPage(11, 300);
  const configs: Partial<PairConfig>[] = [
    {},
    { constants: { region: true, age: true, gender: true, budget: false } },
    { constants: { region: false, age: false, gender: false, budget: false } },
    { constants: { region: false, age: true, gender: true, budget: true } },
    { tasks: ["TS-B"] },
    { tasks: ["TC-R", "TS-E"], similarityThreshold: 0.5, minWordEdits: 10 },
  ];
  for (const over of configs) {
    const c = cfg({ ...over, maxPairsPerPage: 1_000_000 });
    const ref = allPairs(ads, vectors, c);
    const want = ref.candidates.map(key).sort();
    const got = minePairs(ads, vectors, c);
    assert.equal(got.stats.similarPairs, ref.similar, JSON.stringify(over));
    assert.ok(
      want.length >= 10,
      `a meaningful reference for ${JSON.stringify(over)}: ${want.length}`,
    );
    assert.deepEqual(got.candidates.map(key).sort(), want, JSON.stringify(over));
    assert.equal(got.stats.capped, 0);
    if (Object.keys(over).length === 0) {
      for (const t of PAIR_TASKS) assert.ok(got.stats.perTask[t] > 0, `the default page has ${t}`);
    }
    for (const t of PAIR_TASKS) {
      assert.equal(got.stats.perTask[t], want.filter((k) => k.startsWith(`["${t}"`)).length);
    }
    const anyConstant =
      c.constants.region || c.constants.age || c.constants.gender || c.constants.budget;
    if (anyConstant)
      assert.ok(got.stats.pairsCompared < (300 * 299) / 2, "blocking compares fewer pairs");
    else
      assert.equal(got.stats.pairsCompared, (300 * 299) / 2, "no constant: the page is one block");
  }
});

test("blocking is order-independent: a shuffled page gives identical output", () => {
  const { ads, vectors } = randomPage(5, 300);
  const rand = mulberry32(99);
  const perm = [...ads.keys()].sort(() => rand() - 0.5);
  const c = cfg({ maxPairsPerPage: 50, seed: 3 });
  const a = minePairs(ads, vectors, c);
  const b = minePairs(
    perm.map((i) => ads[i]!),
    perm.map((i) => vectors[i]!),
    c,
  );
  assert.ok(a.stats.capped > 0, `the cap applies (${a.stats.similarPairs} similar pairs)`);
  assert.deepEqual(b.candidates.map(key), a.candidates.map(key));
  assert.deepEqual({ ...b.stats, blocks: 0 }, { ...a.stats, blocks: 0 });
});

test("with the cap binding, the sample is the productive pairs of smallest priority, as over all pairs", () => {
  const { ads, vectors } = randomPage(21, 300);
  for (const [maxPairsPerPage, seed] of [
    [1, 0],
    [7, 1],
    [40, 2],
    [100, 3],
  ] as const) {
    const c = cfg({ maxPairsPerPage, seed, similarityThreshold: 0.5, minWordEdits: 10 });
    // The definition: every productive pair (similar, and yielding a task in one orientation),
    // the maxPairsPerPage of smallest seeded priority kept.
    const ref = allPairs(ads, vectors, c);
    const byPair = new Map<string, PairCandidate[]>();
    for (const cand of ref.candidates) {
      const [x, y] = [cand.source.adId, cand.target.adId].sort();
      const k = `${x} ${y}`;
      byPair.set(k, [...(byPair.get(k) ?? []), cand]);
    }
    const prio = (k: string) => pairPriorityOf(seed, ...(k.split(" ") as [string, string]));
    const kept = [...byPair.keys()].sort((x, y) => prio(x) - prio(y)).slice(0, maxPairsPerPage);
    assert.ok(byPair.size > 100, `the cap binds (${byPair.size} productive pairs)`);
    const want = kept
      .flatMap((k) => byPair.get(k)!)
      .map(key)
      .sort();
    const got = minePairs(ads, vectors, c);
    assert.deepEqual(got.candidates.map(key).sort(), want, `cap ${maxPairsPerPage}`);
    assert.ok(got.stats.capped > 0);
    const full = minePairs(ads, vectors, { ...c, maxPairsPerPage: 1_000_000 });
    assert.ok(
      got.stats.pairsCompared < full.stats.pairsCompared,
      `a full sample skips pairs (${got.stats.pairsCompared} of ${full.stats.pairsCompared})`,
    );
  }
});

test("a page held in columns and a vector file (HeldAds, HeldVectors) mines exactly what arrays do", () => {
  const { ads, vectors } = randomPage(17, 300);
  const rand = mulberry32(4);
  const perm = [...ads.keys()].sort(() => rand() - 0.5);
  const held = new HeldAds();
  for (const i of perm) held.push(ads[i]!);
  const dir = mkdtempSync(join(tmpdir(), "avakit-pairs-"));
  const file = new HeldVectors(join(dir, "v.tmp"), vectors[0]!.length);
  try {
    for (const i of perm) file.push(vectors[i]!);
    for (const c of [cfg(), cfg({ maxPairsPerPage: 20, seed: 9 })]) {
      const want = minePairs(ads, vectors, c);
      for (const vecs of [perm.map((i) => vectors[i]!), file]) {
        const got = minePairs(held, vecs, c);
        assert.ok(want.candidates.length >= 20, `${want.candidates.length} candidates`);
        assert.deepEqual(got.candidates, want.candidates);
        assert.deepEqual({ ...got.stats, blocks: 0 }, { ...want.stats, blocks: 0 });
      }
    }
  } finally {
    file.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("both block kernels compute row dot products, across dims, tiles and memory growth", () => {
  const rand = mulberry32(3);
  const wasm = wasmBlockDots();
  assert.ok(wasm, "WebAssembly SIMD is available on Node 20");
  assert.equal(blockDots().kind, "wasm");
  for (const kernel of [wasm, jsBlockDots()]) {
    for (const [n, dim] of [
      [3, 1],
      [5, 5],
      [4, 16],
      [6, 17],
      [40, 100],
      [300, 512],
      [2, 0],
    ] as const) {
      const rows = Array.from({ length: n }, () =>
        Float32Array.from({ length: dim }, () => rand() - 0.5),
      );
      // Unscaled, and scaled per row (as minePairs loads L2-normalised rows).
      const scales = rows.map(() => 0.5 + rand());
      for (const scaled of [false, true]) {
        const loaded = scaled ? kernel.load(rows, dim, scales) : kernel.load(rows, dim);
        for (let x = 0; x < n; x++) {
          const y1 = Math.min(n, x + 1 + 128);
          const out = loaded.dots(x, x, y1);
          for (let y = x; y < y1; y++) {
            const s = scaled ? scales[x]! * scales[y]! : 1;
            const want = dot(rows[x]!, rows[y]!) * s;
            const got = out[y - x]!;
            assert.ok(
              Math.abs(got - want) <= 1e-6 * (dim + 16) * Math.max(1, s),
              `${kernel.kind} n=${n} dim=${dim} scaled=${scaled} (${x},${y}): ${got} vs ${want}`,
            );
          }
        }
      }
    }
  }
});

test("the WebAssembly kernel's windowed mode (large blocks) gives the whole-block mode's exact floats", () => {
  const rand = mulberry32(11);
  const whole = wasmBlockDots(1_000_000)!;
  const windowed = wasmBlockDots(8)!;
  for (const [n, dim] of [
    [300, 512],
    [9, 17],
    [260, 3],
  ] as const) {
    const rows = Array.from({ length: n }, () =>
      Float32Array.from({ length: dim }, () => rand() - 0.5),
    );
    const scales = rows.map(() => 0.5 + rand());
    const a = whole.load(rows, dim, scales);
    const b = windowed.load(rows, dim, scales);
    // The mining loop's order: per tile [t0, t1), every x < t1 against y in [max(t0, x + 1), t1).
    for (let t0 = 0; t0 < n; t0 += 128) {
      const t1 = Math.min(n, t0 + 128);
      for (let x = 0; x < t1; x++) {
        const y0 = Math.max(t0, x + 1);
        if (y0 >= t1) continue;
        const want = Array.from(a.dots(x, y0, t1)).slice(0, t1 - y0);
        const got = Array.from(b.dots(x, y0, t1)).slice(0, t1 - y0);
        assert.deepEqual(got, want, `n=${n} dim=${dim} x=${x} tile ${t0}`);
      }
    }
    // Any other order too: windows move wherever y goes, x may sit inside or outside the window.
    for (let k = 0; k < 200; k++) {
      const x = Math.floor(rand() * n);
      const y0 = Math.floor(rand() * n);
      const y1 = Math.min(n, y0 + 1 + Math.floor(rand() * 128));
      const want = Array.from(a.dots(x, y0, y1)).slice(0, y1 - y0);
      assert.deepEqual(Array.from(b.dots(x, y0, y1)).slice(0, y1 - y0), want);
    }
  }
});
