import type { Range } from "../core/types.js";
import type { Store } from "../store/store.js";
import { rangeText } from "./compute.js";
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

interface Row {
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
  state_interest: string;
  state_ranking: string;
  top_states: string;
  region_interest: string;
  region_ranking: string;
  best_age_group: string | null;
  best_gender: string | null;
  impressions_per_usd: number | null;
  synthetic: boolean;
}

function range(lower: string | null, upper: string | null): Range | null {
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

export function toSignalRecord(r: Row): SignalRecord {
  const spend = range(r.spend_lower, r.spend_upper);
  const impressions = range(r.impressions_lower, r.impressions_upper);
  const audience = range(r.audience_lower, r.audience_upper);
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
    state_interest: zip(US_STATES, JSON.parse(r.state_interest)),
    state_ranking: JSON.parse(r.state_ranking),
    top_states: JSON.parse(r.top_states),
    region_interest: zip(CENSUS_REGIONS, JSON.parse(r.region_interest)),
    region_ranking: JSON.parse(r.region_ranking),
    best_age_group: r.best_age_group,
    best_gender: r.best_gender,
    impressions_per_usd: r.impressions_per_usd,
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
    SELECT a.ad_id, a.page_id, a.page_name, a.byline, a.body, a.title, a.platforms,
           strftime(a.start_date, '%Y-%m-%d') AS start_date, strftime(a.end_date, '%Y-%m-%d') AS end_date,
           a.currency, a.spend_lower, a.spend_upper, a.impressions_lower, a.impressions_upper,
           a.audience_lower, a.audience_upper,
           s.state_interest, s.state_ranking, s.top_states, s.region_interest, s.region_ranking,
           s.best_age_group, s.best_gender, s.impressions_per_usd, a.synthetic
    FROM ads a JOIN signals s USING (ad_id)
    ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
    ORDER BY a.run_id, a.source, a.line, a.ad_id
    ${q.limit !== undefined ? `LIMIT ${Math.floor(q.limit)}` : ""}`;
  for await (const row of store.stream<Row>(sql, params)) yield toSignalRecord(row);
}
