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
  | "entailment_tiktok"
  // ava-tasks (Tables A5–A18): BLEU/ROUGE-L × 100, BERTScore F1 in [0, 1], perplexities as is,
  // accuracies × 100.
  | "bleu_1"
  | "bleu_2"
  | "bleu_3"
  | "bleu_4"
  | "rouge_l"
  | "bertscore_f1"
  | "ppl"
  | "baseline_ppl"
  | "delta_ppl"
  | "accuracy"
  | "random_accuracy";

export type BenchmarkName =
  | "opinionqa"
  | "opinionqa-xl"
  | "globalopinionqa"
  | "culturenli"
  | "culturebank"
  | "ava-tasks";

export interface ResultRow {
  benchmark: BenchmarkName;
  /** ava-tasks: the task code (TAG-G, TS-B, TAP-R, ...); absent for the opinion benchmarks. */
  task?: string;
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
  /**
   * ava-tasks only: per task, the Tables A5–A18 line with what is not a number said so (a
   * BERTScore or ΔPPL that could not be computed is null with its reason, never a number).
   */
  tasks?: Record<string, TaskSummary>;
  created_at: string;
}

/** A metric that may be unavailable: null with why. */
export interface MaybeMetric {
  value: number | null;
  reason?: string;
}

/** One task's line of Tables A5–A18. */
export interface TaskSummary {
  kind: "generation" | "prediction";
  /** Records asked. */
  total: number;
  /** Records answered and scored. */
  n: number;
  failed: number;
  /** Generation: BLEU-1..4 and ROUGE-L on the 0–100 scale. */
  bleu_1?: number;
  bleu_2?: number;
  bleu_3?: number;
  bleu_4?: number;
  rouge_l?: number;
  bertscore_f1?: MaybeMetric;
  /** Mean perplexity of the ground-truth response over the records (model). */
  ppl?: MaybeMetric;
  baseline_ppl?: MaybeMetric;
  /** baseline_ppl − ppl (the paper's Δ PPL: positive = the model finds the true ads likelier). */
  delta_ppl?: MaybeMetric;
  /** Prediction: accuracy × 100, the random-guess accuracy × 100 and its class count. */
  accuracy?: number;
  random_accuracy?: number;
  classes?: number;
  /** Answers that named no readable class (scored wrong). */
  unparseable?: number;
  /** The first few unreadable answers (cut to 200 characters), to see what the parser missed. */
  unparseable_examples?: string[];
  /** TAP-R: top1 or top3-overlap. */
  metric_variant?: string;
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
  /** ava-tasks: the per-task lines. */
  tasks?: Record<string, TaskSummary>;
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
    ...(outcome.tasks !== undefined ? { tasks: outcome.tasks } : {}),
    created_at: new Date().toISOString(),
  };
}
