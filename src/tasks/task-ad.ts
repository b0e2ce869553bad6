/** A stored ad row → the `TaskAd` the templates and the pair miner read. Pure. */
import { AvakitError } from "../core/errors.js";
import { AGE_GROUPS, GENDERS } from "../core/types.js";
import { computeSignals } from "../signals/compute.js";
import { rangeOf, STORED_AD_SQL, type StoredAdRow } from "../signals/records.js";
import { demographicsFromColumn, regionsFromColumns } from "../store/rows.js";
import type { TaskAd } from "./types.js";

/** The columns `taskAdFromRow` needs: a stored ad and its media (`AD_ROW_SQL` selects them). */
export interface TaskAdRow extends StoredAdRow {
  media: string;
}

/** The select list for `TaskAdRow` over `ads a`. */
export const AD_ROW_SQL = `${STORED_AD_SQL}, a.media`;

/**
 * Signals come from `computeSignals` (the one implementation). Age shares sum the female and
 * male cells and gender shares the known-age cells, the same cells bestAgeGroup/bestGender use.
 */
export function taskAdFromRow(r: TaskAdRow, body: string = r.body): TaskAd {
  const demographics = demographicsFromColumn(r.demographics);
  const spend = rangeOf(r.spend_lower, r.spend_upper);
  const impressions = rangeOf(r.impressions_lower, r.impressions_upper);
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
    audienceSize: rangeOf(r.audience_lower, r.audience_upper),
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
