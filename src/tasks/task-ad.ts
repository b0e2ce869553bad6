/** A stored ad row → the `TaskAd` the templates and the pair miner read. Pure. */
import { AvakitError } from "../core/errors.js";
import { AGE_GROUPS, GENDERS, type Range } from "../core/types.js";
import { computeSignals } from "../signals/compute.js";
import { demographicsFromColumn, regionsFromColumns } from "../store/rows.js";
import type { TaskAd } from "./types.js";

/** The columns `taskAdFromRow` needs, as `AD_ROW_SQL` selects them. */
export interface TaskAdRow {
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
  media: string;
  synthetic: boolean;
}

/** The select list for `TaskAdRow` over `ads a`. */
export const AD_ROW_SQL = `a.ad_id, a.page_id, a.page_name, a.byline, a.body, a.title, a.platforms,
  strftime(a.start_date, '%Y-%m-%d') AS start_date, strftime(a.end_date, '%Y-%m-%d') AS end_date,
  a.currency, a.spend_lower, a.spend_upper, a.impressions_lower, a.impressions_upper,
  a.audience_lower, a.audience_upper, a.state_delivery, a.other_regions, a.demographics,
  a.media, a.synthetic`;

function range(lower: string | null, upper: string | null): Range | null {
  if (lower === null) return null;
  return { lower: Number(lower), upper: upper === null ? null : Number(upper) };
}

/**
 * Signals come from `computeSignals` (the one implementation). Age shares sum the female and
 * male cells and gender shares the known-age cells, the same cells bestAgeGroup/bestGender use.
 */
export function taskAdFromRow(r: TaskAdRow, body: string = r.body): TaskAd {
  const demographics = demographicsFromColumn(r.demographics);
  const spend = range(r.spend_lower, r.spend_upper);
  const impressions = range(r.impressions_lower, r.impressions_upper);
  const s = computeSignals({
    adId: r.ad_id,
    regions: regionsFromColumns(r.state_delivery, r.other_regions),
    demographics,
    spend,
    impressions,
    currency: r.currency,
  });
  if (!s)
    throw new AvakitError(`stored ad ${r.ad_id} has no US-state delivery (database damaged?)`);
  const ageShares = AGE_GROUPS.map(() => 0);
  const genderShares = GENDERS.map(() => 0);
  for (const d of demographics) {
    if (d.gender !== "unknown") {
      const i = AGE_GROUPS.indexOf(d.age as (typeof AGE_GROUPS)[number]);
      if (i >= 0) ageShares[i]! += d.share;
    }
    if (d.age !== "unknown") {
      const g = GENDERS.indexOf(d.gender as (typeof GENDERS)[number]);
      if (g >= 0) genderShares[g]! += d.share;
    }
  }
  return {
    adId: r.ad_id,
    pageId: r.page_id,
    marketer: r.page_name ?? r.byline ?? r.page_id,
    title: r.title,
    body,
    platforms: JSON.parse(r.platforms) as string[],
    startDate: r.start_date,
    endDate: r.end_date,
    market: "USA",
    currency: r.currency,
    audienceSize: range(r.audience_lower, r.audience_upper),
    spend,
    impressions,
    stateInterest: s.stateInterest,
    stateRanking: s.stateRanking,
    topStates: s.topStates,
    ageShares,
    genderShares,
    bestAgeGroup: s.bestAgeGroup,
    bestGender: s.bestGender,
    keywords: [],
  };
}
