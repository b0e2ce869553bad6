import type { Store } from "../store/store.js";

export interface StoreSummary {
  ads: number;
  advertisers: number;
  synthetic: number;
  firstDate: string | null;
  lastDate: string | null;
  quarantined: Record<string, number>;
  bestAgeGroups: Record<string, number>;
  bestGenders: Record<string, number>;
  /** States that are most often an ad's top state (by population-normalised interest), top 5. */
  mostFrequentTopStates: { state: string; ads: number }[];
  medianImpressionsPerUsd: number | null;
}

/** A few numbers that say what the store holds: for `avakit demo`, `avakit stats` and the report. */
export async function summarizeStore(store: Store): Promise<StoreSummary> {
  const [head] = await store.query<{
    ads: string;
    advertisers: string;
    synthetic: string;
    first: string | null;
    last: string | null;
    ipu: number | null;
  }>(`SELECT count(*) AS ads, count(DISTINCT page_id) AS advertisers,
        count(*) FILTER (WHERE synthetic) AS synthetic,
        strftime(min(start_date), '%Y-%m-%d') AS first, strftime(max(start_date), '%Y-%m-%d') AS last,
        (SELECT median(impressions_per_usd) FROM signals) AS ipu
      FROM ads`);
  const counts = async (sql: string) => {
    const out: Record<string, number> = {};
    for (const r of await store.query<{ k: string | null; n: string }>(sql))
      out[r.k ?? "none"] = Number(r.n);
    return out;
  };
  const quarantined = await counts(
    "SELECT rule AS k, count(*) AS n FROM quarantine GROUP BY rule ORDER BY n DESC, k",
  );
  const bestAgeGroups = await counts(
    "SELECT best_age_group AS k, count(*) AS n FROM signals GROUP BY 1 ORDER BY k NULLS LAST",
  );
  const bestGenders = await counts(
    "SELECT best_gender AS k, count(*) AS n FROM signals GROUP BY 1 ORDER BY k NULLS LAST",
  );
  const top = await store.query<{ state: string; ads: string }>(
    "SELECT top_state AS state, count(*) AS ads FROM signals GROUP BY 1 ORDER BY ads DESC, state LIMIT 5",
  );
  return {
    ads: Number(head?.ads ?? 0),
    advertisers: Number(head?.advertisers ?? 0),
    synthetic: Number(head?.synthetic ?? 0),
    firstDate: head?.first ?? null,
    lastDate: head?.last ?? null,
    quarantined,
    bestAgeGroups,
    bestGenders,
    mostFrequentTopStates: top.map((t) => ({ state: t.state, ads: Number(t.ads) })),
    medianImpressionsPerUsd: head?.ipu ?? null,
  };
}

export function formatSummary(s: StoreSummary): string {
  const q = Object.entries(s.quarantined);
  const fmt = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  return [
    `ads          ${s.ads}${s.synthetic ? ` (${s.synthetic} SYNTHETIC)` : ""}`,
    `advertisers  ${s.advertisers}`,
    `dates        ${s.firstDate ?? "-"} .. ${s.lastDate ?? "-"}`,
    `quarantined  ${q.length ? q.map(([k, v]) => `${k} ${v}`).join(", ") : "none"}`,
    `best age     ${fmt(s.bestAgeGroups)}`,
    `best gender  ${fmt(s.bestGenders)}`,
    `top state    ${s.mostFrequentTopStates.map((t) => `${t.state} ${t.ads}`).join(", ")}  (most frequent top state by interest)`,
    `impressions/USD median ${s.medianImpressionsPerUsd === null ? "-" : s.medianImpressionsPerUsd.toFixed(1)}`,
  ].join("\n");
}
