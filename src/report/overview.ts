import { STATE_POPULATION_SHARE, US_STATES } from "../signals/geography.js";
import { type StoreSummary, summarizeStore } from "../signals/summary.js";
import type { Store } from "../store/store.js";

/** How many example ads and advertisers the overview lists (never one element per ad). */
export const EXAMPLE_ADS = 5;
export const TOP_ADVERTISERS = 10;

export interface ExampleAd {
  adId: string;
  pageId: string;
  pageName: string | null;
  startDate: string;
  body: string;
  topState: string | null;
}

export interface StateInterestMap {
  /** Ads averaged over (those with delivery in a US state). */
  ads: number;
  /** Mean population-normalised interest per state, in `US_STATES` order; null without ads. */
  mean: (number | null)[];
}

export interface DataOverview {
  summary: StoreSummary;
  /** The advertiser chosen with `--page`, or null for all ads. */
  page: { id: string; names: string[]; ads: number } | null;
  interest: StateInterestMap;
  topAdvertisers: { pageId: string; pageName: string | null; ads: number }[];
  examples: ExampleAd[];
}

/**
 * What the store holds, aggregated in DuckDB so that its size does not grow with the ads: the
 * summary, the mean state interest (all ads or one advertiser's), the largest advertisers and a
 * few example ads in ingest order.
 */
export async function readOverview(store: Store, pageId?: string): Promise<DataOverview> {
  const summary = await summarizeStore(store);
  const where = pageId === undefined ? "" : "WHERE page_id = $1";
  const params = pageId === undefined ? [] : [pageId];
  let page: DataOverview["page"] = null;
  if (pageId !== undefined) {
    const names = await store.query<{ name: string | null; n: string }>(
      "SELECT page_name AS name, count(*) AS n FROM ads WHERE page_id = $1 GROUP BY 1 ORDER BY n DESC, name LIMIT 5",
      params,
    );
    page = {
      id: pageId,
      names: names.flatMap((r) => (r.name === null ? [] : [r.name])),
      ads: names.reduce((a, r) => a + Number(r.n), 0),
    };
  }
  const interest = await meanStateInterest(store, where, params);
  const top = await store.query<{ page_id: string; name: string | null; n: string }>(
    `SELECT page_id, arg_max(page_name, start_date) AS name, count(*) AS n FROM ads
     GROUP BY page_id ORDER BY n DESC, page_id LIMIT ${TOP_ADVERTISERS}`,
  );
  const examples = await store.query<{
    ad_id: string;
    page_id: string;
    page_name: string | null;
    start_date: string;
    body: string;
    top_state: string | null;
  }>(
    `SELECT a.ad_id, a.page_id, a.page_name, strftime(a.start_date, '%Y-%m-%d') AS start_date,
            a.body, (SELECT s.top_state FROM signals s WHERE s.ad_id = a.ad_id LIMIT 1) AS top_state
     FROM (SELECT * FROM ads ${where} ORDER BY run_id, source, line, ad_id LIMIT ${EXAMPLE_ADS}) a
     ORDER BY a.run_id, a.source, a.line, a.ad_id`,
    params,
  );
  return {
    summary,
    page,
    interest,
    topAdvertisers: top.map((r) => ({ pageId: r.page_id, pageName: r.name, ads: Number(r.n) })),
    examples: examples.map((r) => ({
      adId: r.ad_id,
      pageId: r.page_id,
      pageName: r.page_name,
      startDate: r.start_date,
      body: r.body,
      topState: r.top_state,
    })),
  };
}

/**
 * Mean over ads of §3.1's state interest (signals/compute.ts `stateInterest`: the state's share of
 * the ad's US-state delivery ÷ its population share). The population share is the same for every
 * ad, so the mean is the mean delivery share ÷ the population share: one pass in DuckDB.
 */
async function meanStateInterest(
  store: Store,
  where: string,
  params: string[],
): Promise<StateInterestMap> {
  const avgs = US_STATES.map((_, i) => `avg(v[${i + 1}] / t) AS s${i}`).join(", ");
  const [r] = await store.query<Record<string, number | string | null>>(
    `SELECT count(*) AS n, ${avgs}
     FROM (SELECT v, list_sum(v) AS t FROM (SELECT state_delivery::DOUBLE[] AS v FROM ads ${where}))
     WHERE t > 0`,
    params,
  );
  const ads = Number(r?.n ?? 0);
  return {
    ads,
    mean: US_STATES.map((_, i) => {
      const share = r?.[`s${i}`];
      return ads === 0 || share === null || share === undefined
        ? null
        : Number(share) / STATE_POPULATION_SHARE[i]!;
    }),
  };
}
