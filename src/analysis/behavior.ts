/**
 * Behavior similarity (AVA §3.2, Eq. 1) between states, Census regions and age × sex cells.
 *
 * Reading of Eq. 1: X_i^a is the rank of state i within ad a: the ad's 51 states ranked by
 * population-normalised interest (§3.1), 1 = most interested, ties (notably the states the ad
 * never reached, interest 0) sharing their average rank. ρ_ij is the correlation over the n ads of
 * the two vectors (X_i^a)_a and (X_j^a)_a, computed as Pearson's r on these ranks (the general,
 * tie-safe form of Spearman's ρ). Eq. 1's closed form 1 − 6Σ_a(X_i^a − X_j^a)²/(n(n² − 1)) is not
 * usable as printed: it assumes both vectors are permutations of 1..n, while within-ad ranks lie in
 * 1..51 and repeat across ads (with n ≈ 10⁶ it would give ρ ≈ 1 for every pair). Ranking the ads
 * per state instead (ρ over ads of interest_i vs interest_j) would make the population
 * normalisation a no-op (a constant divisor per state), so the within-ad reading is the one in
 * which §3.1's normalised ranking matters. Regions and age × sex cells are ranked the same way
 * within each ad, among 4 regions or 8 cells.
 */
import type { RegionShare } from "../core/types.js";
import {
  averageRanks,
  regionInterest,
  stateDeliveryShares,
  stateInterest,
} from "../signals/compute.js";
import { CENSUS_REGIONS, US_STATES } from "../signals/geography.js";
import { DEMOGRAPHIC_GENDERS } from "../store/rows.js";
import { type AgeMapping, ageWeightMatrix, PEW_AGE_GROUPS } from "./age-mapping.js";
import { CorrelationAccumulator } from "./spearman.js";

/** OpinionQA's SEX groups, in Meta's gender order. */
export const PEW_SEXES = ["Female", "Male"] as const;
/**
 * Attribute name of joint age × sex groups in an opinions file ("AGESEX:18-29 Female"). OpinionQA
 * has none and `avakit opinions build` cannot make them yet (a group rule reads one variable).
 */
export const AGESEX_ATTRIBUTE = "AGESEX";

export type DimensionId = "state" | "region" | "agesex" | "age" | "sex";

/** A set of groups compared pairwise: its cells and their opinion-group keys, if Pew has them. */
export interface Dimension {
  id: DimensionId;
  title: string;
  cells: string[];
  /** Opinions-file group key of each cell, or null where Pew gives no such groups (states). */
  opinionGroups: string[] | null;
}

const AGESEX_CELLS = PEW_AGE_GROUPS.flatMap((a) => PEW_SEXES.map((s) => `${a} ${s}`));

export const DIMENSIONS: readonly Dimension[] = [
  { id: "state", title: "US states", cells: [...US_STATES], opinionGroups: null },
  {
    id: "region",
    title: "Census regions",
    cells: [...CENSUS_REGIONS],
    opinionGroups: CENSUS_REGIONS.map((r) => `CREGION:${r}`),
  },
  {
    id: "agesex",
    title: "age × sex cells",
    cells: AGESEX_CELLS,
    opinionGroups: AGESEX_CELLS.map((c) => `${AGESEX_ATTRIBUTE}:${c}`),
  },
  {
    id: "age",
    title: "age groups (sexes summed)",
    cells: [...PEW_AGE_GROUPS],
    opinionGroups: PEW_AGE_GROUPS.map((a) => `AGE:${a}`),
  },
  {
    id: "sex",
    title: "sexes (mapped ages summed)",
    cells: [...PEW_SEXES],
    opinionGroups: PEW_SEXES.map((s) => `SEX:${s}`),
  },
];

export function dimension(id: DimensionId): Dimension {
  return DIMENSIONS.find((d) => d.id === id)!;
}

/** One ad's within-ad ranks of the 51 states (by interest) and the 4 regions; null: no state reached. */
export function geographicRanks(
  regions: readonly RegionShare[],
): { state: number[]; region: number[] } | null {
  const interest = stateInterest(regions);
  const shares = stateDeliveryShares(regions);
  if (!interest || !shares) return null;
  return { state: averageRanks(interest), region: averageRanks(regionInterest(shares)) };
}

const GENDER_COLUMN = PEW_SEXES.map((s) =>
  DEMOGRAPHIC_GENDERS.indexOf(s.toLowerCase() as (typeof DEMOGRAPHIC_GENDERS)[number]),
);

/**
 * One ad's delivery shares of the 8 Pew age × sex cells (age-major: 18-29 Female, 18-29 Male, …),
 * from the stored 24-vector (Meta ages × female, male, unknown): Meta buckets merged by `weights`
 * (ageWeightMatrix), unknown age or gender and unmapped buckets (13-17) dropped. Shares are
 * rounded to 1e-9 so that sums equal in decimal (the API gives 6 decimals) tie exactly. Not
 * population-normalised: avakit ships no census age × sex table. Null when no cell has delivery.
 */
export function ageSexShares(
  demographics: readonly number[],
  weights: number[][],
): number[] | null {
  const g = DEMOGRAPHIC_GENDERS.length;
  const cells = new Array<number>(AGESEX_CELLS.length).fill(0);
  let any = false;
  weights.forEach((row, metaAge) => {
    row.forEach((w, pewAge) => {
      if (w === 0) return;
      GENDER_COLUMN.forEach((col, s) => {
        const v = demographics[metaAge * g + col] ?? 0;
        if (v > 0) {
          cells[pewAge * PEW_SEXES.length + s]! += w * v;
          any = true;
        }
      });
    });
  });
  return any ? cells.map(round9) : null;
}

function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** Marginals of the 8 age × sex cells: per Pew age group (sexes summed) and per sex. */
export function ageSexMarginals(cells: readonly number[]): { age: number[]; sex: number[] } {
  const S = PEW_SEXES.length;
  const age = PEW_AGE_GROUPS.map((_, a) => round9(cells[a * S]! + cells[a * S + 1]!));
  const sex = PEW_SEXES.map((_, s) =>
    round9(PEW_AGE_GROUPS.reduce((acc, _a, a) => acc + cells[a * S + s]!, 0)),
  );
  return { age, sex };
}

/** A square matrix with its row/column names. */
export interface NamedMatrix {
  names: string[];
  values: number[][];
}

/** Behavior similarity matrices with how many ads each is over. */
export interface BehaviorMatrices {
  ads: { total: number; geographic: number; noStateDelivery: number; demographic: number };
  ageMapping: AgeMapping;
  matrices: Record<DimensionId, NamedMatrix & { ads: number }>;
}

/**
 * Eq. 1 over a stream of ads: each ad adds its within-ad ranks to one CorrelationAccumulator per
 * dimension (sufficient statistics only, so memory does not grow with the number of ads).
 * Ads that reached no state are left out of the geographic matrices, ads with no delivery in any
 * mapped age × sex cell out of the demographic ones.
 */
export class BehaviorSimilarity {
  private readonly weights: number[][];
  private readonly acc: Record<DimensionId, CorrelationAccumulator>;
  private total = 0;
  private noState = 0;

  constructor(readonly ageMapping: AgeMapping) {
    // Rows of the weights are AGE_GROUPS, the first rows of the stored vector (DEMOGRAPHIC_AGES).
    this.weights = ageWeightMatrix(ageMapping);
    const make = (k: number) => new CorrelationAccumulator(k, (k + 1) / 2);
    this.acc = {
      state: make(US_STATES.length),
      region: make(CENSUS_REGIONS.length),
      agesex: make(AGESEX_CELLS.length),
      age: make(PEW_AGE_GROUPS.length),
      sex: make(PEW_SEXES.length),
    };
  }

  /** Adds one ad: its state delivery (as RegionShare list) and its stored 24-cell demographics. */
  add(regions: readonly RegionShare[], demographics: readonly number[]): void {
    this.total++;
    const geo = geographicRanks(regions);
    if (geo) {
      this.acc.state.add(geo.state);
      this.acc.region.add(geo.region);
    } else this.noState++;
    const cells = ageSexShares(demographics, this.weights);
    if (cells) {
      const m = ageSexMarginals(cells);
      this.acc.agesex.add(averageRanks(cells));
      this.acc.age.add(averageRanks(m.age));
      this.acc.sex.add(averageRanks(m.sex));
    }
  }

  get adsSeen(): number {
    return this.total;
  }

  result(): BehaviorMatrices {
    const matrices = {} as BehaviorMatrices["matrices"];
    for (const d of DIMENSIONS) {
      const a = this.acc[d.id];
      matrices[d.id] = { names: d.cells, values: a.correlations(), ads: a.count };
    }
    return {
      ads: {
        total: this.total,
        geographic: this.acc.state.count,
        noStateDelivery: this.noState,
        demographic: this.acc.agesex.count,
      },
      ageMapping: this.ageMapping,
      matrices,
    };
  }
}
