import { AvakitError } from "../core/errors.js";
import type { Range } from "../core/types.js";
import { demographicsFromColumn, regionsFromColumns } from "../store/rows.js";
import type { Store } from "../store/store.js";
import { computeSignals, rangeText } from "./compute.js";
import { CENSUS_REGIONS, US_STATES } from "./geography.js";

/** One line of `avakit signals --format jsonl`. Field names are a public contract. */
export interface SignalRecord {
  ad_id: string;
  page_id: string;
  page_name: string | null;
  byline: string | null;
  body: string;
  title: string | null;
  platforms: string[];
  start_date: string;
  end_date: string | null;
  currency: string | null;
  spend: Range | null;
  impressions: Range | null;
  audience_size: Range | null;
  spend_text: string | null;
  impressions_text: string | null;
  audience_size_text: string | null;
  state_interest: Record<string, number>;
  state_ranking: string[];
  top_states: string[];
  region_interest: Record<string, number>;
  region_ranking: string[];
  best_age_group: string | null;
  best_gender: string | null;
  impressions_per_usd: number | null;
  synthetic: boolean;
}

/** The stored columns a signal record is made from (`STORED_AD_SQL` selects them). */
export interface StoredAdRow {
  ad_id: string;
  page_id: string;
  page_name: string | null;
  byline: string | null;
  body: string;
  title: string | null;
  platforms: string;
  start_date: string;
  end_date: string | null;
  currency: string | null;
  spend_lower: string | null;
  spend_upper: string | null;
  impressions_lower: string | null;
  impressions_upper: string | null;
  audience_lower: string | null;
  audience_upper: string | null;
  state_delivery: string;
  other_regions: string | null;
  demographics: string;
  synthetic: boolean;
}

/** A stored range from its two columns (BIGINTs read as strings); null without a lower bound. */
export function rangeOf(lower: string | null, upper: string | null): Range | null {
  if (lower === null) return null;
  return { lower: Number(lower), upper: upper === null ? null : Number(upper) };
}

function zip(names: readonly string[], values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((n, i) => {
    out[n] = values[i]!;
  });
  return out;
}

/** The select list for `StoredAdRow` over `ads a`. */
export const STORED_AD_SQL = `a.ad_id, a.page_id, a.page_name, a.byline, a.body, a.title, a.platforms,
  strftime(a.start_date, '%Y-%m-%d') AS start_date, strftime(a.end_date, '%Y-%m-%d') AS end_date,
  a.currency, a.spend_lower, a.spend_upper, a.impressions_lower, a.impressions_upper,
  a.audience_lower, a.audience_upper, a.state_delivery, a.other_regions, a.demographics,
  a.synthetic`;

/** A stored ad with its signals, recomputed from the stored delivery by `computeSignals`. */
export function toSignalRecord(r: StoredAdRow): SignalRecord {
  const spend = rangeOf(r.spend_lower, r.spend_upper);
  const impressions = rangeOf(r.impressions_lower, r.impressions_upper);
  const audience = rangeOf(r.audience_lower, r.audience_upper);
  const s = computeSignals({
    adId: r.ad_id,
    regions: regionsFromColumns(r.state_delivery, r.other_regions),
    demographics: demographicsFromColumn(r.demographics),
    spend,
    impressions,
    currency: r.currency,
  });
  if (!s)
    throw new AvakitError(`stored ad ${r.ad_id} has no US-state delivery (database damaged?)`);
  return {
    ad_id: r.ad_id,
    page_id: r.page_id,
    page_name: r.page_name,
    byline: r.byline,
    body: r.body,
    title: r.title,
    platforms: JSON.parse(r.platforms),
    start_date: r.start_date,
    end_date: r.end_date,
    currency: r.currency,
    spend,
    impressions,
    audience_size: audience,
    spend_text: spend ? rangeText(spend, r.currency ?? "USD") : null,
    impressions_text: impressions ? rangeText(impressions) : null,
    audience_size_text: audience ? rangeText(audience) : null,
    state_interest: zip(US_STATES, s.stateInterest),
    state_ranking: s.stateRanking,
    top_states: s.topStates,
    region_interest: zip(CENSUS_REGIONS, s.regionInterest),
    region_ranking: s.regionRanking,
    best_age_group: s.bestAgeGroup,
    best_gender: s.bestGender,
    impressions_per_usd: s.impressionsPerUsd,
    synthetic: r.synthetic,
  };
}

export interface SignalQuery {
  pageId?: string;
  limit?: number;
}

/** Streams every kept ad with its signals, in ingest order. */
export async function* readSignals(
  store: Store,
  q: SignalQuery = {},
): AsyncGenerator<SignalRecord> {
  const where: string[] = [];
  const params: string[] = [];
  if (q.pageId !== undefined) {
    params.push(q.pageId);
    where.push(`a.page_id = $${params.length}`);
  }
  const sql = `
    SELECT ${STORED_AD_SQL}
    FROM ads a
    ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
    ORDER BY a.run_id, a.source, a.line, a.ad_id
    ${q.limit !== undefined ? `LIMIT ${Math.floor(q.limit)}` : ""}`;
  for await (const row of store.stream<StoredAdRow>(sql, params)) yield toSignalRecord(row);
}
