import {
  type AdSignals,
  AGE_GROUPS,
  type AgeGroup,
  type DemographicShare,
  GENDERS,
  type Gender,
  type Range,
  type RegionShare,
} from "../core/types.js";
import {
  CENSUS_REGIONS,
  REGION_POPULATION_SHARE,
  STATE_POPULATION_SHARE,
  STATE_REGION_INDEX,
  stateIndex,
  US_STATES,
} from "./geography.js";

/** Each of the 51 states' share of the ad's US-state delivery (sums to 1), or null if none. */
export function stateDeliveryShares(regions: readonly RegionShare[]): number[] | null {
  const shares = new Array<number>(US_STATES.length).fill(0);
  let total = 0;
  for (const { region, share } of regions) {
    const i = stateIndex(region);
    if (i < 0) continue;
    shares[i]! += share;
    total += share;
  }
  if (total <= 0) return null;
  for (let i = 0; i < shares.length; i++) shares[i]! /= total;
  return shares;
}

/**
 * §3.1: state interest = the state's share of the ad's US-state delivery ÷ the state's share of
 * the 2020 resident population; 0 for states the ad did not reach. Null when no state was reached.
 */
export function stateInterest(regions: readonly RegionShare[]): number[] | null {
  const shares = stateDeliveryShares(regions);
  if (!shares) return null;
  return shares.map((s, i) => s / STATE_POPULATION_SHARE[i]!);
}

/** Census-region interest: the region's share of state delivery ÷ its population share. */
export function regionInterest(stateShares: readonly number[]): number[] {
  const sums = new Array<number>(CENSUS_REGIONS.length).fill(0);
  for (let i = 0; i < stateShares.length; i++) sums[STATE_REGION_INDEX[i]!]! += stateShares[i]!;
  return sums.map((s, r) => s / REGION_POPULATION_SHARE[r]!);
}

/** Names ordered by value, highest first; ties broken alphabetically. */
export function rankNames(values: readonly number[], names: readonly string[]): string[] {
  const order = alphabeticalOrder(names);
  const cmp = (a: number, b: number) => values[b]! - values[a]! || order[a]! - order[b]!;
  const idx = values.map((_, i) => i);
  if (values.some((v) => v < 0)) return idx.sort(cmp).map((i) => names[i]!);
  // Most states have no delivery: only the others need the comparison sort; the zeros follow
  // in alphabetical order, exactly where the comparator would put them.
  const positive = idx.filter((i) => values[i]! > 0).sort(cmp);
  const zero = idx.filter((i) => values[i] === 0).sort((a, b) => order[a]! - order[b]!);
  return [...positive, ...zero].map((i) => names[i]!);
}

// Alphabetical position of each name, computed once per names array (US_STATES, CENSUS_REGIONS),
// so the many zero-interest ties compare numbers, not strings.
const ORDER_CACHE = new WeakMap<readonly string[], number[]>();

function alphabeticalOrder(names: readonly string[]): number[] {
  let order = ORDER_CACHE.get(names);
  if (!order) {
    const sorted = names
      .map((n, i) => [n, i] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    order = new Array<number>(names.length);
    sorted.forEach(([, i], pos) => {
      order![i] = pos;
    });
    ORDER_CACHE.set(names, order);
  }
  return order;
}

/** Ranks (1 = highest value) with ties given their average rank, as Spearman's ρ needs. */
export function averageRanks(values: readonly number[]): number[] {
  const idx = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]!);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && values[idx[j + 1]!] === values[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = avg;
    i = j + 1;
  }
  return ranks;
}

/** A share in millionths: the API gives shares to 6 decimals, so equal sums compare equal here. */
function micros(x: number): number {
  return Math.round(x * 1e6);
}

/** The candidate with the largest summed share; null when none has delivery or the top is tied. */
function argmaxUnique<K extends string>(
  candidates: readonly K[],
  sums: Map<string, number>,
): K | null {
  let best: K | null = null;
  let bestV = 0;
  let tied = false;
  for (const c of candidates) {
    const v = micros(sums.get(c) ?? 0);
    if (v > bestV) {
      best = c;
      bestV = v;
      tied = false;
    } else if (v === bestV && v > 0) tied = true;
  }
  return tied ? null : best;
}

/**
 * Best age group: the largest delivery share summed over genders. Cells whose gender or age is
 * "unknown" are ignored altogether, and "unknown" is never a winner; a tie (at the API's 6
 * decimals) has no winner. E.g. 0.094118 + 0.117647 and 0.164706 + 0.047059 tie.
 */
export function bestAgeGroup(demo: readonly DemographicShare[]): AgeGroup | null {
  const sums = new Map<string, number>();
  for (const d of demo) {
    if (d.gender === "unknown") continue;
    sums.set(d.age, (sums.get(d.age) ?? 0) + d.share);
  }
  return argmaxUnique(AGE_GROUPS, sums);
}

/** Best gender: the largest share summed over ages, the same way (unknowns ignored, ties none). */
export function bestGender(demo: readonly DemographicShare[]): Gender | null {
  const sums = new Map<string, number>();
  for (const d of demo) {
    if (d.age === "unknown") continue;
    sums.set(d.gender, (sums.get(d.gender) ?? 0) + d.share);
  }
  return argmaxUnique(GENDERS, sums);
}

/** A range's point value: the midpoint, or the lower bound when open-ended. */
export function rangePoint(r: Range): number {
  return r.upper === null ? r.lower : (r.lower + r.upper) / 2;
}

/**
 * §3.1 marketer signal: impressions per dollar from range midpoints (open-ended: lower bound).
 * Null without both ranges, for spend in another currency, or when the spend point is 0.
 */
export function impressionsPerUsd(
  spend: Range | null,
  impressions: Range | null,
  currency: string | null,
): number | null {
  if (!spend || !impressions) return null;
  if (currency !== null && currency !== "USD") return null;
  const s = rangePoint(spend);
  return s > 0 ? rangePoint(impressions) / s : null;
}

/**
 * A range as the paper's prompts state it: "between 1000 to 1499" (+ " USD" when a unit is
 * given); the open-ended top range reads "at least 1000000".
 */
export function rangeText(r: Range, unit?: string): string {
  const core = r.upper === null ? `at least ${r.lower}` : `between ${r.lower} to ${r.upper}`;
  return unit ? `${core} ${unit}` : core;
}

export interface SignalInput {
  adId: string;
  regions: readonly RegionShare[];
  demographics: readonly DemographicShare[];
  spend: Range | null;
  impressions: Range | null;
  currency: string | null;
}

/** All behavior signals of one ad; null when the ad reached no US state. */
export function computeSignals(ad: SignalInput): AdSignals | null {
  const shares = stateDeliveryShares(ad.regions);
  if (!shares) return null;
  const interest = shares.map((s, i) => s / STATE_POPULATION_SHARE[i]!);
  const ranking = rankNames(interest, US_STATES);
  const regInterest = regionInterest(shares);
  return {
    adId: ad.adId,
    stateInterest: interest,
    stateRanking: ranking,
    // Only states the ad reached: an ad seen in one state has one top state, not two zero-interest ones.
    topStates: ranking.slice(0, 3).filter((st) => interest[stateIndex(st)]! > 0),
    regionInterest: regInterest,
    regionRanking: rankNames(regInterest, CENSUS_REGIONS),
    bestAgeGroup: bestAgeGroup(ad.demographics),
    bestGender: bestGender(ad.demographics),
    impressionsPerUsd: impressionsPerUsd(ad.spend, ad.impressions, ad.currency),
  };
}
