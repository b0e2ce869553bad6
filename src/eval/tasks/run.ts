/**
 * `avakit eval tasks`: the AVA tasks themselves (§4 "task learning", Tables A5–A18) on a held-out
 * split (test-advertiser or test-time) of a dataset folder. Assembled, not subclassed: dataset
 * (dataset-reader.ts) → prompt (few-shot.ts) → backend (generate at temperature 0; prompt
 * log-probabilities for perplexity) → scorer:
 *
 * - Generation tasks (TAG-*, TS-*, TC-*): corpus BLEU-1..4 (sacrebleu, 13a, exp smoothing) and
 *   ROUGE-L F1 (rouge_score, no stemming) × 100 against the ground-truth response; BERTScore F1
 *   with a token embedder, else null with the reason; PPL of the ground truth given the prompt
 *   (mean over records) and, with a baseline model, Δ PPL = baseline PPL − model PPL over the
 *   records both scored. Sign: the paper reads "lower post-training perplexity … indicates
 *   improved alignment" and its trained models have positive Δ PPL, so Δ = before − after, here
 *   baseline − model (positive: the model finds the true ads likelier than the baseline does).
 * - Prediction tasks (TAP-*): the answer parsed into a class (parse-answer.ts); accuracy × 100,
 *   beside the random-guess accuracy 100/K for the K classes the scored records' answers take (the
 *   balanced test set's classes), and the count of unreadable answers (scored wrong). TAP-R:
 *   `top1` (first state right) or `top3-overlap` (|predicted top 3 ∩ true top 3| / the number of
 *   true states, at most 3, so a perfect answer for an ad that reached fewer states scores 1;
 *   random: 3/K for K states seen in the true lists).
 *
 * Intervals: seeded bootstrap over records (1,000 resamples) of the same statistic (corpus BLEU
 * from summed per-record n-gram statistics, means otherwise).
 */
import { type PoolProgress, runPool } from "../../backends/pool.js";
import type { TokenEmbedder } from "../../backends/transformers-tokens.js";
import type { Backend } from "../../backends/types.js";
import { AvakitError } from "../../core/errors.js";
import { AGE_GROUPS, GENDERS } from "../../core/types.js";
import type { EvalRunOptions } from "../common.js";
import { bleuN, computeBleu, corpusBleu } from "../metrics/bleu.js";
import { bootstrap, bootstrapMean } from "../metrics/bootstrap.js";
import { corpusRougeL, rougeL } from "../metrics/rouge.js";
import type {
  BenchmarkOutcome,
  ItemFailure,
  MaybeMetric,
  MetricName,
  ResultRow,
  TaskSummary,
} from "../results.js";
import { taskBertScore } from "./bertscore.js";
import {
  checkTaskCodes,
  readFewShotPool,
  readSplitRecords,
  type TaskRecord,
} from "./dataset-reader.js";
import {
  chooseShots,
  cutAtStop,
  FEW_SHOT_SEPARATOR,
  fewShotPrompt,
  GENERATION_STOP,
  type PromptFormat,
  type ShotExample,
} from "./few-shot.js";
import {
  type AnswerRange,
  answerText,
  parseTapAnswer,
  rangeMatches,
  TAP_VARIABLES,
  type TapVariable,
} from "./parse-answer.js";
import { promptLogprobSource, responsePerplexity } from "./ppl.js";

export const AVA_TASKS_TEMPLATE = "ava-tasks-fewshot-v1";
export const EVAL_SPLITS = ["test-advertiser", "test-time"] as const;
export type TapRMetric = "top1" | "top3-overlap";
export const DEFAULT_MAX_TOKENS = 256;
/** Train examples sampled per task for the few-shot choice. */
const POOL_PER_TASK = 256;

export interface AvaTasksRunOptions extends EvalRunOptions {
  /** Dataset folder of `avakit build`. */
  dataset: string;
  split: string;
  /** Only these tasks (default: all the split has). */
  tasks?: string[];
  /** Examples from the train split before each prompt (default 0). */
  shots?: number;
  maxTokens?: number;
  /** text: one completions prompt; chat: examples as user/assistant turns (default text). */
  promptFormat?: PromptFormat;
  /** The Δ PPL reference (the untrained model), when given. */
  baseline?: Backend;
  baselineSpec?: string;
  tapRMetric?: TapRMetric;
  /** BERTScore's token embedder, or why there is none. */
  embedder?: TokenEmbedder | { unavailable: string };
  bertscoreIdf?: boolean;
  /** Progress of each phase ("generate", "ppl", "baseline ppl"). */
  onPhase?: (phase: string, total: number) => void;
}

export const isGenerationTask = (task: string) => !task.startsWith("TAP-");

interface Answered {
  record: TaskRecord;
  text: string;
}

export async function runAvaTasks(o: AvaTasksRunOptions): Promise<BenchmarkOutcome> {
  const backend = o.backend;
  const spec = `${backend.name}${backend.model ? `:${backend.model}` : ""}`;
  if (!backend.capabilities.generate) {
    throw new AvakitError(
      `${spec} cannot generate text, and every AVA task asks for a written answer: use a model (openai:MODEL, ollama:MODEL); uniform and human:GROUP answer multiple-choice questions only`,
    );
  }
  if (!(EVAL_SPLITS as readonly string[]).includes(o.split)) {
    throw new AvakitError(`--split expects ${EVAL_SPLITS.join(" or ")}, got "${o.split}"`);
  }
  if (o.tasks) checkTaskCodes(o.tasks);
  const shots = o.shots ?? 0;
  if (!Number.isInteger(shots) || shots < 0)
    throw new AvakitError(`--shots expects an integer ≥ 0, got ${shots}`);
  const maxTokens = o.maxTokens ?? DEFAULT_MAX_TOKENS;
  const seed = o.seed ?? 0;
  const format = o.promptFormat ?? "text";
  const tapR = o.tapRMetric ?? "top1";
  const records = await readSplitRecords(o.dataset, o.split, {
    ...(o.tasks ? { tasks: o.tasks } : {}),
    ...(o.limit !== undefined ? { limitPerTask: o.limit } : {}),
  });
  const tasks = [...new Set(records.map((r) => r.task))];

  // Few-shot examples.
  let pool = new Map<string, ShotExample[]>();
  const shortPools: Record<string, number> = {};
  if (shots > 0) {
    pool = await readFewShotPool(o.dataset, tasks, Math.max(POOL_PER_TASK, shots * 4), seed);
    for (const t of tasks) {
      const n = pool.get(t)?.length ?? 0;
      if (n < shots) shortPools[t] = n;
    }
  }
  const shotsOf = records.map((r) => chooseShots(pool.get(r.task) ?? [], shots, seed, r.id));
  const prompts = records.map((r, i) => fewShotPrompt(r.prompt, shotsOf[i]!, format));

  // 1. Generate.
  o.onPhase?.("generate", records.length);
  const gen = await runPool(
    records,
    (_r, i) =>
      backend.generate(prompts[i]!, {
        maxTokens,
        temperature: 0,
        stop: [...GENERATION_STOP],
        ...(o.signal ? { signal: o.signal } : {}),
      }),
    poolOpts(o),
  );
  const failures: ItemFailure[] = [];
  let serverModel: string | null = null;
  const answered = new Map<string, Answered[]>();
  gen.forEach((g, i) => {
    const record = records[i]!;
    if (!g.ok) {
      failures.push({ id: `${record.task}/${record.id}`, error: g.error });
      return;
    }
    serverModel ??= g.value.serverModel ?? null;
    const list = answered.get(record.task) ?? [];
    list.push({ record, text: cutAtStop(g.value.text) });
    answered.set(record.task, list);
  });

  // 2. Perplexity of the ground truth (generation tasks).
  const pplIdx = records.flatMap((r, i) => (isGenerationTask(r.task) ? [i] : []));
  const contextOf = (i: number) => fewShotPrompt(records[i]!.prompt, shotsOf[i]!, "text") as string;
  const pplOf = async (who: Backend, label: string) => {
    const source = promptLogprobSource(who);
    if ("reason" in source) return { reason: source.reason, values: new Map<string, number>() };
    o.onPhase?.(label, pplIdx.length);
    const res = await runPool(
      pplIdx,
      (i) => responsePerplexity(source, contextOf(i), records[i]!.response),
      poolOpts(o),
    );
    const values = new Map<string, number>();
    res.forEach((p, k) => {
      const r = records[pplIdx[k]!]!;
      if (p.ok) values.set(r.id, p.value.ppl);
      else failures.push({ id: `${r.task}/${r.id} (${label})`, error: p.error });
    });
    return { reason: null, values };
  };
  const noPpl = { reason: null, values: new Map<string, number>() };
  const modelPpl = pplIdx.length > 0 ? await pplOf(backend, "ppl") : noPpl;
  const basePpl = o.baseline && pplIdx.length > 0 ? await pplOf(o.baseline, "baseline ppl") : null;

  // 3. Score.
  const results: ResultRow[] = [];
  const summaries: Record<string, TaskSummary> = {};
  const excluded: Record<string, number> = {};
  const boot = { seed, ...(o.resamples !== undefined ? { resamples: o.resamples } : {}) };
  for (const task of tasks) {
    const all = records.filter((r) => r.task === task);
    const ans = answered.get(task) ?? [];
    const row = (
      metric: MetricName,
      variant: string,
      est: { value: number; n: number; ci95: [number, number] },
    ) =>
      results.push({
        benchmark: "ava-tasks",
        task,
        metric,
        group: null,
        variant,
        value: est.value,
        n: est.n,
        ci95: est.ci95,
      });
    if (isGenerationTask(task)) {
      const s: TaskSummary = {
        kind: "generation",
        total: all.length,
        n: ans.length,
        failed: all.length - ans.length,
      };
      if (ans.length > 0) {
        const hyps = ans.map((a) => a.text);
        const refs = ans.map((a) => a.record.response);
        const stats = ans.map((a) =>
          corpusBleu([a.text], [[a.record.response]], { maxNgramOrder: 4 }),
        );
        for (const n of [1, 2, 3, 4] as const) {
          const value = bleuN(n, hyps, [refs]).score;
          const est = bootstrap(stats, (sample) => bleuFromStats(sample, n), boot);
          s[`bleu_${n}`] = value;
          row(`bleu_${n}`, "sacrebleu-13a-exp", { value, n: ans.length, ci95: est.ci95 });
        }
        const rouge = corpusRougeL(hyps, [refs]);
        const perItem = ans.map((a) => 100 * rougeL(a.record.response, a.text).fmeasure);
        s.rouge_l = rouge.score;
        row("rouge_l", "rouge_score", {
          value: rouge.score,
          n: ans.length,
          ci95: bootstrapMean(perItem, boot).ci95,
        });
        const bs = await taskBertScore(
          o.embedder ?? { unavailable: "no --bertscore-model given" },
          hyps,
          refs,
          { idf: o.bertscoreIdf ?? false },
        );
        if (bs.value === null) s.bertscore_f1 = { value: null, reason: bs.reason };
        else {
          s.bertscore_f1 = { value: bs.value };
          row("bertscore_f1", `${bs.embedder}${o.bertscoreIdf ? " idf" : ""}`, {
            value: bs.value,
            n: ans.length,
            ci95: bootstrapMean(bs.perItem, boot).ci95,
          });
        }
      }
      // Perplexity (independent of what the model generated).
      const ids = all.map((r) => r.id);
      if (modelPpl.reason !== null) {
        s.ppl = { value: null, reason: modelPpl.reason };
        s.delta_ppl = { value: null, reason: modelPpl.reason };
      } else {
        const mine = ids.filter((id) => modelPpl.values.has(id));
        s.ppl = pplMetric(mine.map((id) => modelPpl.values.get(id)!));
        if (s.ppl.value !== null)
          row("ppl", "echo", {
            value: s.ppl.value,
            n: mine.length,
            ci95: bootstrapMean(
              mine.map((id) => modelPpl.values.get(id)!),
              boot,
            ).ci95,
          });
      }
      if (!basePpl) {
        if (modelPpl.reason === null)
          s.delta_ppl = { value: null, reason: "not computed: no --baseline model" };
      } else if (basePpl.reason !== null) {
        s.baseline_ppl = { value: null, reason: basePpl.reason };
        s.delta_ppl = { value: null, reason: basePpl.reason };
      } else {
        const theirs = ids.filter((id) => basePpl.values.has(id));
        s.baseline_ppl = pplMetric(theirs.map((id) => basePpl.values.get(id)!));
        if (s.baseline_ppl.value !== null)
          row("baseline_ppl", `echo ${o.baselineSpec ?? ""}`.trim(), {
            value: s.baseline_ppl.value,
            n: theirs.length,
            ci95: bootstrapMean(
              theirs.map((id) => basePpl.values.get(id)!),
              boot,
            ).ci95,
          });
        if (modelPpl.reason === null) {
          const both = ids.filter((id) => modelPpl.values.has(id) && basePpl.values.has(id));
          if (both.length === 0)
            s.delta_ppl = { value: null, reason: "not computed: no record has both perplexities" };
          else {
            const diffs = both.map((id) => basePpl.values.get(id)! - modelPpl.values.get(id)!);
            const est = bootstrapMean(diffs, boot);
            s.delta_ppl = { value: est.value };
            row("delta_ppl", `baseline − model (${o.baselineSpec ?? "baseline"})`, est);
          }
        }
      }
      summaries[task] = s;
      continue;
    }
    // Prediction.
    const variable = TAP_VARIABLES[task] as TapVariable;
    const scored: { score: number; truthKeys: string[] }[] = [];
    let unparseable = 0;
    const unreadable: string[] = [];
    let noTruth = 0;
    for (const a of ans) {
      const truth = truthOf(a.record, variable);
      if (truth === null) {
        noTruth++;
        continue;
      }
      const pred = parseTapAnswer(variable, a.text);
      if (pred === null) {
        unparseable++;
        if (unreadable.length < 3) unreadable.push(a.text.slice(0, 200));
      }
      scored.push({
        score: pred === null ? 0 : scoreTap(variable, pred.value, truth, tapR),
        truthKeys: classKeys(variable, truth, tapR),
      });
    }
    if (noTruth > 0) excluded[`${task}: no ground-truth class`] = noTruth;
    const classes = new Set(scored.flatMap((x) => x.truthKeys)).size;
    const s: TaskSummary = {
      kind: "prediction",
      total: all.length,
      n: scored.length,
      failed: all.length - ans.length,
      unparseable,
      ...(unreadable.length > 0 ? { unparseable_examples: unreadable } : {}),
      classes,
      ...(variable === "region" ? { metric_variant: tapR } : {}),
    };
    if (scored.length > 0) {
      const est = bootstrapMean(
        scored.map((x) => 100 * x.score),
        boot,
      );
      s.accuracy = est.value;
      const random =
        100 *
        (variable === "region" && tapR === "top3-overlap" ? Math.min(1, 3 / classes) : 1 / classes);
      s.random_accuracy = random;
      const v = variable === "region" ? tapR : variable;
      row("accuracy", v, est);
      row("random_accuracy", `1/${classes} classes`, {
        value: random,
        n: scored.length,
        ci95: [random, random],
      });
    }
    summaries[task] = s;
  }

  const answeredCount = [...answered.values()].reduce((a, l) => a + l.length, 0);
  return {
    benchmark: "ava-tasks",
    templates: { [AVA_TASKS_TEMPLATE]: "1" },
    config: {
      dataset: o.dataset,
      split: o.split,
      tasks,
      shots,
      prompt_format: format,
      few_shot_separator: shots > 0 && format === "text" ? FEW_SHOT_SEPARATOR : null,
      stop: [...GENERATION_STOP],
      max_tokens: maxTokens,
      temperature: 0,
      seed,
      limit_per_task: o.limit ?? null,
      baseline: o.baselineSpec ?? null,
      tap_r_metric: tapR,
      bertscore_model: o.embedder && !("unavailable" in o.embedder) ? o.embedder.id : null,
      bertscore_idf: o.bertscoreIdf ?? false,
      ...(Object.keys(shortPools).length > 0
        ? {
            few_shot_short: Object.entries(shortPools).map(([t, n]) => `${t}: ${n} train examples`),
          }
        : {}),
    },
    total: records.length,
    failures,
    mass: { mean: null, low: 0, threshold: 0, n: answeredCount },
    serverModel,
    excluded,
    results,
    tasks: summaries,
  };
}

function poolOpts(o: AvaTasksRunOptions) {
  return {
    concurrency: o.concurrency,
    ...(o.onProgress ? { onProgress: (p: PoolProgress) => o.onProgress?.(p) } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

function pplMetric(values: readonly number[]): MaybeMetric {
  if (values.length === 0)
    return { value: null, reason: "not computed: every perplexity request failed" };
  return { value: values.reduce((a, b) => a + b, 0) / values.length };
}

/** Corpus BLEU-n from per-record statistics (what corpusBleu sums). */
function bleuFromStats(
  sample: readonly { counts: number[]; totals: number[]; sysLen: number; refLen: number }[],
  n: number,
): number {
  const correct = new Array<number>(n).fill(0);
  const total = new Array<number>(n).fill(0);
  let sys = 0;
  let ref = 0;
  for (const s of sample) {
    for (let k = 0; k < n; k++) {
      correct[k]! += s.counts[k]!;
      total[k]! += s.totals[k]!;
    }
    sys += s.sysLen;
    ref += s.refLen;
  }
  return computeBleu(correct, total, sys, ref, { smoothMethod: "exp", maxNgramOrder: n }).score;
}

type Truth = string | string[] | AnswerRange;

/** The record's true class: meta.target as the builder wrote it, else its response read back. */
export function truthOf(record: TaskRecord, variable: TapVariable): Truth | null {
  const t = record.meta.target;
  switch (variable) {
    case "gender":
      if (typeof t === "string" && (GENDERS as readonly string[]).includes(t)) return t;
      break;
    case "age":
      if (typeof t === "string" && (AGE_GROUPS as readonly string[]).includes(t)) return t;
      break;
    case "region":
      if (Array.isArray(t) && t.length > 0 && t.every((s) => typeof s === "string"))
        return t as string[];
      break;
    case "budget":
    case "impressions":
      if (t && typeof t === "object" && typeof (t as AnswerRange).lower === "number") {
        const r = t as AnswerRange;
        return { lower: r.lower, upper: typeof r.upper === "number" ? r.upper : null };
      }
      break;
  }
  const parsed = parseTapAnswer(variable, answerText(record.response));
  if (parsed === null) return null;
  const v = parsed.value;
  return typeof v === "object" && !Array.isArray(v) ? { lower: v.lower, upper: v.upper } : v;
}

function scoreTap(variable: TapVariable, pred: Truth, truth: Truth, tapR: TapRMetric): number {
  if (variable === "region") {
    const p = pred as string[];
    const t = truth as string[];
    if (tapR === "top1") return p[0] === t[0] ? 1 : 0;
    const top = t.slice(0, 3);
    return p.slice(0, 3).filter((s) => top.includes(s)).length / top.length;
  }
  if (variable === "budget" || variable === "impressions") {
    return rangeMatches(pred as AnswerRange, truth as AnswerRange) ? 1 : 0;
  }
  return pred === truth ? 1 : 0;
}

function classKeys(variable: TapVariable, truth: Truth, tapR: TapRMetric): string[] {
  if (variable === "region") {
    const t = truth as string[];
    return tapR === "top1" ? [t[0]!] : t.slice(0, 3);
  }
  if (typeof truth === "string") return [truth];
  const r = truth as AnswerRange;
  return [`${r.lower}-${r.upper ?? ""}`];
}
