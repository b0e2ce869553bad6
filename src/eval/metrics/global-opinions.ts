import { mean, sampleStandardDeviation } from "./summation.js";

/** One GlobalOpinionQA item: a (question, country) pair and its similarity 1 − JSDist. */
export interface CountrySimilarity {
  country: string;
  /** Null (or NaN) when it could not be scored; left out, as CultureBank skips NaN similarities. */
  similarity: number | null;
}

export interface CountryScore {
  country: string;
  /** Mean similarity × 100. */
  value: number;
  n: number;
}

export interface GlobalOpinionScore {
  /** Avg Sim: mean similarity over all scored items (not over countries) × 100; null if none. */
  avgSimilarity: number | null;
  /** Skew: sample standard deviation (n − 1) of the per-country means × 100; null under two countries. */
  skew: number | null;
  /** Items scored. */
  n: number;
  /** Items left out (null or NaN similarity). */
  excluded: number;
  /** Per-country means, in first-seen order. */
  countries: CountryScore[];
}

/**
 * GlobalOpinionQA Avg Sim and Skew (AVA paper Table 2), matching SALT-NLP/CultureBank
 * evaluation/downstream_tasks/world_value_survey.py `main`: `sum(similarities)/len(similarities)`,
 * per-country means of `sim_country`, and `statistics.stdev` of those means.
 */
export function globalOpinionScore(items: readonly CountrySimilarity[]): GlobalOpinionScore {
  const all: number[] = [];
  const byCountry = new Map<string, number[]>();
  for (const { country, similarity } of items) {
    if (similarity === null || Number.isNaN(similarity)) continue;
    all.push(similarity);
    const list = byCountry.get(country);
    if (list) list.push(similarity);
    else byCountry.set(country, [similarity]);
  }
  const countryMeans = [...byCountry].map(([country, sims]) => ({
    country,
    mean: mean(sims),
    n: sims.length,
  }));
  const sd = sampleStandardDeviation(countryMeans.map((c) => c.mean));
  return {
    avgSimilarity: all.length === 0 ? null : mean(all) * 100,
    skew: Number.isNaN(sd) ? null : sd * 100,
    n: all.length,
    excluded: items.length - all.length,
    countries: countryMeans.map((c) => ({ country: c.country, value: c.mean * 100, n: c.n })),
  };
}
