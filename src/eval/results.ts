import { rename, rm, writeFile } from "node:fs/promises";
import { AvakitError, errorMessage } from "../core/errors.js";

/**
 * The typed `results.json` of one `avakit eval` run (issue 4, "Results and comparison"): who
 * answered (model spec, backend, the model name the server reported), with which prompt templates,
 * how much probability the answer letters covered, which items failed and why, and one row per
 * (benchmark, metric, group) on the paper's Table 2 scale (× 100) with n and a seeded bootstrap
 * 95% interval. A leaderboard reads many of these side by side.
 */

export const RESULTS_FORMAT = 1;

/** The metric names of issue 4 (`results[].metric`). */
export type MetricName =
  | "representativeness"
  | "steerability"
  | "group_representativeness"
  | "avg_similarity"
  | "skew"
  | "f1_us"
  | "f1_in"
  | "entailment_reddit"
  | "entailment_tiktok";

export type BenchmarkName =
  | "opinionqa"
  | "opinionqa-xl"
  | "globalopinionqa"
  | "culturenli"
  | "culturebank";

export interface ResultRow {
  benchmark: BenchmarkName;
  metric: MetricName;
  /** null: the whole population; else a survey group ("CREGION:Northeast") or a country. */
  group: string | null;
  /** Which published form of the metric ("opinionqa", "standard", "culturebank", ...). */
  variant: string;
  /** On the paper's scale (× 100). */
  value: number;
  /** Items (questions, question × country pairs, premise/hypothesis pairs) it is computed over. */
  n: number;
  /** Seeded bootstrap 95% percentile interval, same scale as `value`. */
  ci95: [number, number];
}

/** An item that could not be scored, with why (a rejected record is data with a reason). */
export interface ItemFailure {
  id: string;
  error: string;
}

export interface LetterMassSummary {
  /** Mean probability the offered letters covered over the answered items; null when none. */
  mean: number | null;
  /** Answered items whose letter mass was below `threshold` (flagged, still scored). */
  low: number;
  threshold: number;
  /** Answered items. */
  n: number;
}

export interface ResultsFile {
  format: typeof RESULTS_FORMAT;
  benchmark: BenchmarkName;
  model: {
    /** `--model` as given (e.g. "openai:meta-llama/Llama-3.1-8B"). */
    spec: string;
    /** Backend kind: "openai", "ollama", "uniform", "human". */
    backend: string;
    /** The model name the server reported (first answer that said), null when none did. */
    server_model: string | null;
    /** The server asked (no credentials), null for baselines. */
    base_url: string | null;
  };
  /** Prompt template id → version, so results from different prompts are never compared blindly. */
  templates: Record<string, string>;
  /** The run's settings that change the numbers (data path, surveys, variants, seed, limit, ...). */
  config: Record<string, string | number | boolean | string[] | null>;
  items: { total: number; answered: number; failed: number };
  letter_mass: LetterMassSummary;
  failures: ItemFailure[];
  /** Items answered but left out of a metric, and why (e.g. zero ordinal denominator). */
  excluded: Record<string, number>;
  results: ResultRow[];
  created_at: string;
}

/** Writes `results` to `path` through a temporary file renamed into place (never a half file). */
export async function writeResultsFile(path: string, results: ResultsFile): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, `${JSON.stringify(results, null, 2)}\n`);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new AvakitError(`cannot write ${path}: ${errorMessage(err)}`, { cause: err });
  }
}

/** A row from an estimate on the [0, 1] scale (bootstrapMean of per-item scores): × 100. */
export function rowFromUnitEstimate(
  base: Omit<ResultRow, "value" | "n" | "ci95">,
  est: { value: number; n: number; ci95: [number, number] },
): ResultRow {
  return {
    ...base,
    value: est.value * 100,
    n: est.n,
    ci95: [est.ci95[0] * 100, est.ci95[1] * 100],
  };
}

/** What a benchmark run hands back; `toResultsFile` adds who answered. */
export interface BenchmarkOutcome {
  benchmark: BenchmarkName;
  templates: Record<string, string>;
  config: ResultsFile["config"];
  /** Items asked. */
  total: number;
  failures: ItemFailure[];
  mass: LetterMassSummary;
  serverModel: string | null;
  excluded: Record<string, number>;
  results: ResultRow[];
}

export function toResultsFile(
  outcome: BenchmarkOutcome,
  model: { spec: string; backend: string; baseUrl?: string | undefined },
): ResultsFile {
  return {
    format: RESULTS_FORMAT,
    benchmark: outcome.benchmark,
    model: {
      spec: model.spec,
      backend: model.backend,
      server_model: outcome.serverModel,
      base_url: model.baseUrl ?? null,
    },
    templates: outcome.templates,
    config: outcome.config,
    items: {
      total: outcome.total,
      answered: outcome.mass.n,
      failed: outcome.failures.length,
    },
    letter_mass: outcome.mass,
    failures: outcome.failures,
    excluded: outcome.excluded,
    results: outcome.results,
    created_at: new Date().toISOString(),
  };
}
