import {
  type Ad,
  type AdSignals,
  AGE_GROUPS,
  type DemographicShare,
  GENDERS,
  type QuarantineEntry,
  type RegionShare,
} from "../core/types.js";
import { stateIndex, US_STATES } from "../signals/geography.js";

/*
 * How records become rows of the store's tables. Pure (no DuckDB), so the ingest workers can
 * serialise rows in parallel; store.ts bulk-inserts them with read_json. Each row is one JSON
 * object whose keys are exactly the table's columns (tests check this against schema.ts).
 * List-valued columns are JSON text inside a JSON string: DuckDB then only copies the text (no
 * parse and re-serialise), and the per-ad vectors hold numbers only, so there is nothing to
 * escape. In SQL, `state_delivery::DOUBLE[]` gives the vector.
 */

/** A stored column: its name and the type read_json reads it as. */
export type Column = readonly [name: string, readType: string];

export const AD_COLUMNS: readonly Column[] = [
  ["ad_id", "VARCHAR"],
  ["page_id", "VARCHAR"],
  ["page_name", "VARCHAR"],
  ["byline", "VARCHAR"],
  ["body", "VARCHAR"],
  ["bodies", "VARCHAR"],
  ["title", "VARCHAR"],
  ["link_caption", "VARCHAR"],
  ["link_description", "VARCHAR"],
  ["platforms", "VARCHAR"],
  ["languages", "VARCHAR"],
  ["currency", "VARCHAR"],
  ["created_date", "DATE"],
  ["start_date", "DATE"],
  ["end_date", "DATE"],
  ["spend_lower", "BIGINT"],
  ["spend_upper", "BIGINT"],
  ["impressions_lower", "BIGINT"],
  ["impressions_upper", "BIGINT"],
  ["audience_lower", "BIGINT"],
  ["audience_upper", "BIGINT"],
  ["state_delivery", "VARCHAR"],
  ["other_regions", "VARCHAR"],
  ["demographics", "VARCHAR"],
  ["snapshot_url", "VARCHAR"],
  ["media", "VARCHAR"],
  ["source", "VARCHAR"],
  ["line", "INTEGER"],
  ["record_key", "VARCHAR"],
  ["body_key", "VARCHAR"],
  ["synthetic", "BOOLEAN"],
  ["run_id", "INTEGER"],
];

/** Where an ad came from and its keys: stored beside the ad's own fields. */
export interface AdProvenance {
  source: string;
  line: number | null;
  recordKey: string;
  bodyKey: string;
  runId: number;
}

export function adRow(ad: Omit<Ad, "source" | "line" | "recordKey">, p: AdProvenance): object {
  return {
    ad_id: ad.adId,
    page_id: ad.pageId,
    page_name: ad.pageName,
    byline: ad.byline,
    body: ad.body,
    bodies: ad.bodies.length > 1 ? JSON.stringify(ad.bodies) : null,
    title: ad.title,
    link_caption: ad.linkCaption,
    link_description: ad.linkDescription,
    platforms: JSON.stringify(ad.platforms),
    languages: JSON.stringify(ad.languages),
    currency: ad.currency,
    created_date: ad.createdDate,
    start_date: ad.startDate,
    end_date: ad.endDate,
    spend_lower: ad.spend?.lower ?? null,
    spend_upper: ad.spend?.upper ?? null,
    impressions_lower: ad.impressions?.lower ?? null,
    impressions_upper: ad.impressions?.upper ?? null,
    audience_lower: ad.audienceSize?.lower ?? null,
    audience_upper: ad.audienceSize?.upper ?? null,
    state_delivery: JSON.stringify(stateVector(ad.regions)),
    other_regions: otherRegionsJson(ad.regions),
    demographics: JSON.stringify(demographicVector(ad.demographics)),
    snapshot_url: ad.snapshotUrl,
    media: JSON.stringify(ad.media),
    source: p.source,
    line: p.line,
    record_key: p.recordKey,
    body_key: p.bodyKey,
    synthetic: ad.synthetic,
    run_id: p.runId,
  };
}

export const SIGNAL_COLUMNS: readonly Column[] = [
  ["ad_id", "VARCHAR"],
  ["top_state", "VARCHAR"],
  ["top_states", "VARCHAR"],
  ["top_region", "VARCHAR"],
  ["best_age_group", "VARCHAR"],
  ["best_gender", "VARCHAR"],
  ["impressions_per_usd", "DOUBLE"],
];

export function signalRow(s: AdSignals): object {
  return {
    ad_id: s.adId,
    top_state: s.topStates[0] ?? s.stateRanking[0]!,
    top_states: JSON.stringify(s.topStates),
    top_region: s.regionRanking[0]!,
    best_age_group: s.bestAgeGroup,
    best_gender: s.bestGender,
    impressions_per_usd: s.impressionsPerUsd,
  };
}

export const QUARANTINE_COLUMNS: readonly Column[] = [
  ["rule", "VARCHAR"],
  ["detail", "VARCHAR"],
  ["source", "VARCHAR"],
  ["line", "INTEGER"],
  ["ad_id", "VARCHAR"],
  ["page_id", "VARCHAR"],
  ["record_key", "VARCHAR"],
  ["raw", "VARCHAR"],
  ["run_id", "INTEGER"],
];

export function quarantineRow(q: QuarantineEntry, runId: number): object {
  return {
    rule: q.rule,
    detail: q.detail,
    source: q.source,
    line: q.line,
    ad_id: q.adId,
    page_id: q.pageId,
    record_key: q.recordKey,
    raw: q.raw,
    run_id: runId,
  };
}

export function adRowJson(ad: Omit<Ad, "source" | "line" | "recordKey">, p: AdProvenance): string {
  return JSON.stringify(adRow(ad, p));
}

export function signalRowJson(s: AdSignals): string {
  return JSON.stringify(signalRow(s));
}

export function quarantineRowJson(q: QuarantineEntry, runId: number): string {
  return JSON.stringify(quarantineRow(q, runId));
}

/** Delivery shares of the 51 states in US_STATES order, as given (not renormalised). */
export function stateVector(regions: readonly RegionShare[]): number[] {
  const v = new Array<number>(US_STATES.length).fill(0);
  for (const r of regions) {
    const i = stateIndex(r.region);
    if (i >= 0) v[i]! += r.share;
  }
  return v;
}

function otherRegionsJson(regions: readonly RegionShare[]): string | null {
  let out: [string, number][] | null = null;
  for (const r of regions) {
    if (stateIndex(r.region) >= 0) continue;
    out ??= [];
    out.push([r.region, r.share]);
  }
  return out ? JSON.stringify(out) : null;
}

/** Age rows × gender columns of `demographicVector`: Meta's buckets, then "unknown". */
export const DEMOGRAPHIC_AGES: readonly DemographicShare["age"][] = [...AGE_GROUPS, "unknown"];
export const DEMOGRAPHIC_GENDERS: readonly DemographicShare["gender"][] = [...GENDERS, "unknown"];

/**
 * Demographic shares as a fixed-order vector of 24 numbers (age-major: 13-17 female, 13-17 male,
 * 13-17 unknown, 18-24 female, ...), 0 for cells without delivery.
 */
export function demographicVector(demo: readonly DemographicShare[]): number[] {
  const v = new Array<number>(DEMOGRAPHIC_AGES.length * DEMOGRAPHIC_GENDERS.length).fill(0);
  for (const d of demo) {
    const i =
      DEMOGRAPHIC_AGES.indexOf(d.age) * DEMOGRAPHIC_GENDERS.length +
      DEMOGRAPHIC_GENDERS.indexOf(d.gender);
    v[i]! += d.share;
  }
  return v;
}

/** The region list of an ad back from its stored columns: reached states, then other regions. */
export function regionsFromColumns(
  stateDelivery: string,
  otherRegionsJson: string | null,
): RegionShare[] {
  const v = JSON.parse(stateDelivery) as number[];
  const out: RegionShare[] = [];
  v.forEach((share, i) => {
    if (share > 0) out.push({ region: US_STATES[i]!, share });
  });
  if (otherRegionsJson) {
    for (const [region, share] of JSON.parse(otherRegionsJson) as [string, number][]) {
      out.push({ region, share });
    }
  }
  return out;
}

/** The demographic cells of an ad back from its stored vector (cells with delivery only). */
export function demographicsFromColumn(json: string): DemographicShare[] {
  const v = JSON.parse(json) as number[];
  const out: DemographicShare[] = [];
  const g = DEMOGRAPHIC_GENDERS.length;
  v.forEach((share, i) => {
    if (share > 0) {
      out.push({
        age: DEMOGRAPHIC_AGES[Math.floor(i / g)]!,
        gender: DEMOGRAPHIC_GENDERS[i % g]!,
        share,
      });
    }
  });
  return out;
}
