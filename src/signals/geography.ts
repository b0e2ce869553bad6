import { CENSUS_REGIONS, type CensusRegion, STATE_POPULATION_2020 } from "./census-2020.js";

export { CENSUS_REGIONS, type CensusRegion };

/** The 51 states (50 + DC) in canonical (alphabetical) order. */
export const US_STATES: readonly string[] = STATE_POPULATION_2020.map((s) => s.state);

const STATE_INDEX = new Map(US_STATES.map((s, i) => [s, i] as const));

/** Names the Ad Library uses for DC; "Washington" alone is the state. */
const ALIASES = new Map<string, string>([
  ["washington, district of columbia", "District of Columbia"],
  ["district of columbia", "District of Columbia"],
  ["washington, d.c.", "District of Columbia"],
  ["washington dc", "District of Columbia"],
  ["washington d.c.", "District of Columbia"],
]);
const BY_LOWER = new Map(US_STATES.map((s) => [s.toLowerCase(), s] as const));

/**
 * Canonical name of a region as delivered by the API: a state name for the 51 states (DC under
 * "District of Columbia"), otherwise the region's own trimmed name (Puerto Rico municipalities,
 * territories, "Unknown"), kept in storage but outside the state ranking.
 */
export function canonicalRegion(name: string): string {
  const hit = CANONICAL_CACHE.get(name);
  if (hit !== undefined) return hit;
  const canonical = canonicalize(name);
  if (CANONICAL_CACHE.size < 100_000) CANONICAL_CACHE.set(name, canonical);
  return canonical;
}

// Region names repeat across millions of ads: remember each raw spelling's canonical name.
const CANONICAL_CACHE = new Map<string, string>();

function canonicalize(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, " ");
  const lower = trimmed.toLowerCase();
  return ALIASES.get(lower) ?? BY_LOWER.get(lower) ?? trimmed;
}

/** Index of a canonical state name in `US_STATES`, or -1 for any other region. */
export function stateIndex(canonicalName: string): number {
  return STATE_INDEX.get(canonicalName) ?? -1;
}

export function censusRegionOf(state: string): CensusRegion | null {
  const i = stateIndex(state);
  return i < 0 ? null : STATE_POPULATION_2020[i]!.region;
}

const TOTAL_POPULATION = STATE_POPULATION_2020.reduce((a, s) => a + s.population, 0);

/** Each state's share of the 51-state 2020 resident population, in `US_STATES` order. */
export const STATE_POPULATION_SHARE: readonly number[] = STATE_POPULATION_2020.map(
  (s) => s.population / TOTAL_POPULATION,
);

/** Each Census region's share of the 51-state population, in `CENSUS_REGIONS` order. */
export const REGION_POPULATION_SHARE: readonly number[] = CENSUS_REGIONS.map(
  (r) =>
    STATE_POPULATION_2020.filter((s) => s.region === r).reduce((a, s) => a + s.population, 0) /
    TOTAL_POPULATION,
);

/** Index into `CENSUS_REGIONS` of each state, in `US_STATES` order. */
export const STATE_REGION_INDEX: readonly number[] = STATE_POPULATION_2020.map((s) =>
  CENSUS_REGIONS.indexOf(s.region),
);
