/**
 * April 1, 2020 resident population of the 50 states and DC, and each one's Census region.
 * US Census Bureau, 2020 Census Table 2 (resident population, not apportionment counts);
 * the same table ships as data/census-2020-state-population.csv. Sum of the 51 = 331,449,281.
 */
export const CENSUS_REGIONS = ["Northeast", "Midwest", "South", "West"] as const;
export type CensusRegion = (typeof CENSUS_REGIONS)[number];

export interface StatePopulation {
  state: string;
  population: number;
  region: CensusRegion;
}

/** The 51 states (50 + DC), alphabetical: the canonical order of every per-state vector. */
export const STATE_POPULATION_2020: readonly StatePopulation[] = [
  { state: "Alabama", population: 5024279, region: "South" },
  { state: "Alaska", population: 733391, region: "West" },
  { state: "Arizona", population: 7151502, region: "West" },
  { state: "Arkansas", population: 3011524, region: "South" },
  { state: "California", population: 39538223, region: "West" },
  { state: "Colorado", population: 5773714, region: "West" },
  { state: "Connecticut", population: 3605944, region: "Northeast" },
  { state: "Delaware", population: 989948, region: "South" },
  { state: "District of Columbia", population: 689545, region: "South" },
  { state: "Florida", population: 21538187, region: "South" },
  { state: "Georgia", population: 10711908, region: "South" },
  { state: "Hawaii", population: 1455271, region: "West" },
  { state: "Idaho", population: 1839106, region: "West" },
  { state: "Illinois", population: 12812508, region: "Midwest" },
  { state: "Indiana", population: 6785528, region: "Midwest" },
  { state: "Iowa", population: 3190369, region: "Midwest" },
  { state: "Kansas", population: 2937880, region: "Midwest" },
  { state: "Kentucky", population: 4505836, region: "South" },
  { state: "Louisiana", population: 4657757, region: "South" },
  { state: "Maine", population: 1362359, region: "Northeast" },
  { state: "Maryland", population: 6177224, region: "South" },
  { state: "Massachusetts", population: 7029917, region: "Northeast" },
  { state: "Michigan", population: 10077331, region: "Midwest" },
  { state: "Minnesota", population: 5706494, region: "Midwest" },
  { state: "Mississippi", population: 2961279, region: "South" },
  { state: "Missouri", population: 6154913, region: "Midwest" },
  { state: "Montana", population: 1084225, region: "West" },
  { state: "Nebraska", population: 1961504, region: "Midwest" },
  { state: "Nevada", population: 3104614, region: "West" },
  { state: "New Hampshire", population: 1377529, region: "Northeast" },
  { state: "New Jersey", population: 9288994, region: "Northeast" },
  { state: "New Mexico", population: 2117522, region: "West" },
  { state: "New York", population: 20201249, region: "Northeast" },
  { state: "North Carolina", population: 10439388, region: "South" },
  { state: "North Dakota", population: 779094, region: "Midwest" },
  { state: "Ohio", population: 11799448, region: "Midwest" },
  { state: "Oklahoma", population: 3959353, region: "South" },
  { state: "Oregon", population: 4237256, region: "West" },
  { state: "Pennsylvania", population: 13002700, region: "Northeast" },
  { state: "Rhode Island", population: 1097379, region: "Northeast" },
  { state: "South Carolina", population: 5118425, region: "South" },
  { state: "South Dakota", population: 886667, region: "Midwest" },
  { state: "Tennessee", population: 6910840, region: "South" },
  { state: "Texas", population: 29145505, region: "South" },
  { state: "Utah", population: 3271616, region: "West" },
  { state: "Vermont", population: 643077, region: "Northeast" },
  { state: "Virginia", population: 8631393, region: "South" },
  { state: "Washington", population: 7705281, region: "West" },
  { state: "West Virginia", population: 1793716, region: "South" },
  { state: "Wisconsin", population: 5893718, region: "Midwest" },
  { state: "Wyoming", population: 576851, region: "West" },
];

/** Puerto Rico is in the table for reference but outside the 51-state ranking. */
export const PUERTO_RICO_POPULATION_2020 = 3285874;
