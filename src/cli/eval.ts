import { LETTER_SCORINGS, type LetterScoring } from "../backends/letters.js";
import { LLAMACPP_DEFAULT_CONTEXT, LLAMACPP_MAX_SEQUENCES } from "../backends/llamacpp.js";
import type { OpenAIApi } from "../backends/openai.js";
import {
  type CreateBackendOptions,
  createBackend,
  formatModelSpec,
  parseModelSpec,
} from "../backends/spec.js";
import { type TokenEmbedder, TransformersTokenEmbedder } from "../backends/transformers-tokens.js";
import type { Backend } from "../backends/types.js";
import { AvakitError, errorMessage, UsageError } from "../core/errors.js";
import { Progress } from "../core/progress.js";
import type { EvalRunOptions } from "../eval/common.js";
import { runCultureBank } from "../eval/culturebank.js";
import { runCultureNli } from "../eval/culturenli.js";
import { runGlobalOpinionQa } from "../eval/globalopinionqa.js";
import type { JsVariant } from "../eval/metrics/jensen-shannon.js";
import type { SteerabilityMode } from "../eval/metrics/steerability.js";
import { type MetricVariant, runOpinionQa } from "../eval/opinionqa.js";
import { runOpinionQaSteer } from "../eval/opinionqa-steer.js";
import { runOpinionQaXl } from "../eval/opinionqa-xl.js";
import { type BenchmarkOutcome, toResultsFile, writeResultsFile } from "../eval/results.js";
import { NearestTrainBaseline } from "../eval/tasks/nearest.js";
import { type AvaTasksRunOptions, runAvaTasks, type TapRMetric } from "../eval/tasks/run.js";
import { tasksSummary } from "../eval/tasks/summary.js";
import { bool, type Command, int, type ParsedArgs, str, strs } from "./command.js";

const TASKS_USAGE =
  "avakit eval tasks --dataset DIR --split test-advertiser|test-time --model SPEC --out results.json [--tasks TAG-G,TAP-R,...] [--shots K] [--seed S] [--max-tokens N] [--concurrency N] [--limit N] [--cache DIR] [--base-url URL] [--api completions|chat] [--baseline SPEC [--baseline-base-url URL]] [--tap-r-metric top1|top3-overlap] [--bertscore-model PATH [--bertscore-idf]] [--ctx-size N] [--gpu auto|none|cuda|vulkan|metal] [--threads N] [--allow-failures] [--quiet]";

const USAGE =
  "avakit eval opinionqa|opinionqa-xl|globalopinionqa|culturenli|culturebank --model SPEC --data PATH --out results.json [--base-url URL] [--api completions|chat] [--judge SPEC [--judge-base-url URL] [--judge-api chat|completions]] [--concurrency N] [--cache DIR] [--opinions FILE.jsonl] [--surveys W26,W92] [--steer [--steer-max best-style|per-question]] [--metric-variant opinionqa|ava-code] [--jsd-variant standard|culturebank] [--letter-scoring sum|opinionqa] [--limit N] [--seed S] [--ctx-size N] [--gpu auto|none|cuda|vulkan|metal] [--threads N] [--allow-failures] [--quiet]";

/** Flags only `avakit eval tasks` takes. */
const TASKS_ONLY = [
  "dataset",
  "split",
  "tasks",
  "shots",
  "max-tokens",
  "baseline",
  "baseline-base-url",
  "tap-r-metric",
  "bertscore-model",
  "bertscore-idf",
] as const;

const BENCHMARKS = [
  "tasks",
  "opinionqa",
  "opinionqa-xl",
  "globalopinionqa",
  "culturenli",
  "culturebank",
] as const;

export const evalCommand: Command = {
  name: "eval",
  summary:
    "Score a model (or a baseline) on OpinionQA, OpinionQA-XL, GlobalOpinionQA, CultureNLI or CultureBank, or on the AVA tasks themselves (eval tasks)",
  usage: `${USAGE}\n       ${TASKS_USAGE}`,
  positionals: true,
  options: {
    model: {
      type: "string",
      description: "openai:MODEL, ollama:MODEL, llamacpp:PATH.gguf, uniform or human:GROUP",
    },
    "base-url": { type: "string", description: "server of openai:/ollama: models" },
    api: { type: "string", description: "openai: completions or chat" },
    concurrency: { type: "string", description: "requests in flight at once", default: "8" },
    cache: { type: "string", description: "request cache folder (a rerun sends no request twice)" },
    data: {
      type: "string",
      multiple: true,
      description:
        "opinionqa: folder with model_input/ and human_resp/; opinionqa-xl: opinionqa-xl.json; globalopinionqa: .json or .csv; culturenli: data.tsv; culturebank: reddit/tiktok .csv/.jsonl files or their folder (repeat --data)",
    },
    judge: {
      type: "string",
      description:
        "culturebank: the judge, any chat backend with logprobs (openai:MODEL, ollama:MODEL)",
    },
    "judge-base-url": { type: "string", description: "culturebank: the judge's server" },
    "judge-api": {
      type: "string",
      description: "culturebank, openai: judge: chat (the only flavour the judge prompt fits)",
    },
    opinions: {
      type: "string",
      description: "opinionqa, opinionqa-xl: avakit opinions build's JSONL",
    },
    surveys: {
      type: "string",
      multiple: true,
      description: "opinionqa, opinionqa-xl: only these waves (W26,W92)",
    },
    steer: {
      type: "boolean",
      description:
        "opinionqa: steerability on the disagreement-500 questions (22 groups × QA/BIO/PORTRAY contexts) instead of representativeness; opinionqa-xl: with --metric-variant ava-code",
    },
    "steer-max": {
      type: "string",
      description:
        "opinionqa --steer: best-style (OpinionQA's code) or per-question (the AVA paper's formula)",
      default: "best-style",
    },
    "metric-variant": {
      type: "string",
      description:
        "opinionqa, opinionqa-xl: opinionqa or ava-code (the AVA paper's released prompt and scoring)",
      default: "opinionqa",
    },
    "jsd-variant": {
      type: "string",
      description: "globalopinionqa: standard or culturebank",
      default: "standard",
    },
    dataset: { type: "string", description: "tasks: dataset folder of avakit build" },
    split: { type: "string", description: "tasks: test-advertiser or test-time" },
    tasks: {
      type: "string",
      multiple: true,
      description: "tasks: only these task codes (TAG-G,TS-B,TAP-R,...; default all in the split)",
    },
    shots: {
      type: "string",
      description: "tasks: K examples of the same task from the train split before each prompt",
      default: "0",
    },
    "max-tokens": {
      type: "string",
      description: "tasks: most tokens generated per answer",
      default: "256",
    },
    baseline: {
      type: "string",
      description:
        "tasks: the reference model for Δ PPL (baseline PPL − model PPL), e.g. the untrained model",
    },
    "baseline-base-url": { type: "string", description: "tasks: the baseline's server" },
    "tap-r-metric": {
      type: "string",
      description: "tasks: TAP-R scoring, top1 or top3-overlap",
      default: "top1",
    },
    "bertscore-model": {
      type: "string",
      description:
        "tasks: local ONNX transformers model folder for BERTScore (without it BERTScore is null)",
    },
    "bertscore-idf": { type: "boolean", description: "tasks: idf-weighted BERTScore" },
    limit: { type: "string", description: "only the first N questions/pairs (tasks: per task)" },
    seed: {
      type: "string",
      description: "bootstrap seed (tasks: also the few-shot choice)",
      default: "0",
    },
    "letter-scoring": {
      type: "string",
      description:
        "opinionqa, opinionqa-xl, globalopinionqa, culturenli: sum (each letter's token variants summed) or opinionqa (OpinionQA's helpers.py: the larger variant, absent letters imputed)",
      default: "sum",
    },
    "ctx-size": {
      type: "string",
      description: `llamacpp: tokens per sequence (default ${LLAMACPP_DEFAULT_CONTEXT}, at most the model's)`,
    },
    gpu: {
      type: "string",
      description:
        "llamacpp: auto (CUDA, Vulkan or Metal when present, else CPU), none, cuda, vulkan or metal",
      default: "auto",
    },
    threads: { type: "string", description: "llamacpp: CPU threads (default: all cores)" },
    "allow-failures": { type: "boolean", description: "exit 0 even when some items failed" },
    out: { type: "string", short: "o", description: "results.json to write" },
    quiet: { type: "boolean", short: "q", description: "no progress on stderr" },
  },
  run(args) {
    return evalRun(args, process.stdout);
  },
};

function need(args: ParsedArgs, key: string): string {
  const v = str(args, key);
  if (v === undefined || v === "") throw new UsageError(`--${key} is required\nusage: ${USAGE}`);
  return v;
}

/**
 * `llamacpp:` settings from --ctx-size, --gpu and --threads. Parallel sequences follow
 * --concurrency, at most LLAMACPP_MAX_SEQUENCES (each holds its own KV cache of --ctx-size tokens).
 */
function llamacppOptions(args: ParsedArgs): NonNullable<CreateBackendOptions["llamacpp"]> {
  const gpu = str(args, "gpu") ?? "auto";
  if (!["auto", "none", "cuda", "vulkan", "metal"].includes(gpu)) {
    throw new UsageError(`--gpu expects auto, none, cuda, vulkan or metal, got "${gpu}"`);
  }
  const ctx = positiveInt(args, "ctx-size", 16);
  const threads = positiveInt(args, "threads", 1);
  const concurrency = positiveInt(args, "concurrency", 1) ?? 8;
  return {
    gpu: gpu === "none" ? false : (gpu as "auto" | "cuda" | "vulkan" | "metal"),
    sequences: Math.min(concurrency, LLAMACPP_MAX_SEQUENCES),
    ...(ctx !== undefined ? { contextSize: ctx } : {}),
    ...(threads !== undefined ? { threads } : {}),
  };
}

function positiveInt(args: ParsedArgs, key: string, min: number): number | undefined {
  const v = int(args, key);
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
    throw new UsageError(`--${key} expects an integer ≥ ${min}, got ${v}`);
  }
  return v;
}

/** `avakit eval`: a summary table on `stdout`, progress on stderr, results in --out. */
export async function evalRun(
  args: ParsedArgs,
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown } = process.stderr,
): Promise<number> {
  // Backends that hold a model in this process (llamacpp:) are freed however the run ends.
  const opened: Backend[] = [];
  try {
    return await evalMain(args, stdout, stderr, (b) => {
      opened.push(b);
      return b;
    });
  } finally {
    for (const b of opened) await b.close?.().catch(() => {});
  }
}

type Opened = <B extends Backend>(backend: B) => B;

async function evalMain(
  args: ParsedArgs,
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown },
  open: Opened,
): Promise<number> {
  const [benchmark, ...extra] = args.positionals;
  if (!benchmark || !(BENCHMARKS as readonly string[]).includes(benchmark) || extra.length > 0) {
    throw new UsageError(
      `${benchmark ? `unknown benchmark "${[benchmark, ...extra].join(" ")}"` : "missing benchmark"}: use ${BENCHMARKS.join(", ")}\nusage: ${USAGE}`,
    );
  }
  if (benchmark === "tasks") return evalTasksRun(args, stdout, stderr, open);
  for (const k of TASKS_ONLY) {
    const v = args.values[k];
    const isDefault =
      (k === "shots" && v === "0") ||
      (k === "max-tokens" && v === "256") ||
      (k === "tap-r-metric" && v === "top1");
    if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0) && !isDefault) {
      throw new UsageError(`--${k} applies to eval tasks only`);
    }
  }
  const spec = parseModelSpec(need(args, "model"));
  const dataList = strs(args, "data").filter((d) => d !== "");
  if (dataList.length === 0) throw new UsageError(`--data is required\nusage: ${USAGE}`);
  if (dataList.length > 1 && benchmark !== "culturebank") {
    throw new UsageError(`--data takes one path for ${benchmark}`);
  }
  const data = dataList[0] as string;
  const out = need(args, "out");
  const apiText = str(args, "api");
  if (apiText !== undefined && apiText !== "completions" && apiText !== "chat") {
    throw new UsageError(`--api expects completions or chat, got "${apiText}"`);
  }
  const jsd = str(args, "jsd-variant") ?? "standard";
  if (jsd !== "standard" && jsd !== "culturebank") {
    throw new UsageError(`--jsd-variant expects standard or culturebank, got "${jsd}"`);
  }
  const steerMax = str(args, "steer-max") ?? "best-style";
  if (steerMax !== "best-style" && steerMax !== "per-question") {
    throw new UsageError(`--steer-max expects best-style or per-question, got "${steerMax}"`);
  }
  const metricVariant = str(args, "metric-variant") ?? "opinionqa";
  if (metricVariant !== "opinionqa" && metricVariant !== "ava-code") {
    throw new UsageError(`--metric-variant expects opinionqa or ava-code, got "${metricVariant}"`);
  }
  if (metricVariant !== "opinionqa" && !benchmark.startsWith("opinionqa")) {
    throw new UsageError(`--metric-variant applies to opinionqa and opinionqa-xl only`);
  }
  const steer = bool(args, "steer");
  if (steer && !benchmark.startsWith("opinionqa")) {
    throw new UsageError(`--steer applies to opinionqa and opinionqa-xl only\nusage: ${USAGE}`);
  }
  if (steer && benchmark === "opinionqa-xl" && metricVariant !== "ava-code") {
    throw new UsageError(
      "opinionqa-xl --steer needs --metric-variant ava-code (OpinionQA's steering contexts are for its disagreement-500 questions)",
    );
  }
  const judgeText = str(args, "judge");
  const judgeApi = str(args, "judge-api") ?? "chat";
  if (judgeApi !== "completions" && judgeApi !== "chat") {
    throw new UsageError(`--judge-api expects completions or chat, got "${judgeApi}"`);
  }
  if (benchmark !== "culturebank") {
    for (const k of ["judge", "judge-base-url", "judge-api"]) {
      if (str(args, k) !== undefined) throw new UsageError(`--${k} applies to culturebank only`);
    }
  } else {
    if (judgeText === undefined || judgeText === "") {
      throw new UsageError(`culturebank needs --judge SPEC\nusage: ${USAGE}`);
    }
    if (judgeApi === "completions") {
      throw new UsageError(
        "culturebank asks the judge in a chat (CultureBank's system and user turns): use --judge-api chat (the default)",
      );
    }
    if (apiText === "completions") {
      throw new UsageError(
        "culturebank asks the model in a chat (its chat template): use --api chat (the default here)",
      );
    }
  }
  const baseUrl = str(args, "base-url");
  const cacheDir = str(args, "cache");
  const llamacpp = llamacppOptions(args);
  const backend = open(
    createBackend(spec, {
      llamacpp,
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      ...(apiText !== undefined
        ? { api: apiText as OpenAIApi }
        : benchmark === "culturebank"
          ? { api: "chat" as const }
          : {}),
      ...(cacheDir !== undefined ? { cacheDir } : {}),
    }),
  );
  const progress = new Progress({
    label: `eval ${benchmark}`,
    unit: "items",
    enabled: !bool(args, "quiet"),
  });
  const limit = positiveInt(args, "limit", 1);
  const letterScoring = str(args, "letter-scoring") ?? "sum";
  if (!(LETTER_SCORINGS as readonly string[]).includes(letterScoring)) {
    throw new UsageError(
      `--letter-scoring expects ${LETTER_SCORINGS.join(" or ")}, got "${letterScoring}"`,
    );
  }
  if (letterScoring !== "sum" && benchmark === "culturebank") {
    throw new UsageError(
      "--letter-scoring does not apply to culturebank (its judge answers Yes/No)",
    );
  }
  const common: EvalRunOptions = {
    backend,
    letterScoring: letterScoring as LetterScoring,
    concurrency: positiveInt(args, "concurrency", 1) ?? 8,
    seed: positiveInt(args, "seed", 0) ?? 0,
    ...(limit !== undefined ? { limit } : {}),
    onProgress: (p) =>
      progress.update(p.done, p.failed > 0 ? `${p.failed} failed` : "", p.done / p.total),
  };
  let outcome: BenchmarkOutcome;
  if (benchmark === "opinionqa" || benchmark === "opinionqa-xl") {
    const surveys = strs(args, "surveys")
      .flatMap((s) => s.split(","))
      .map((s) => s.trim())
      .filter(Boolean);
    const oqa = {
      ...common,
      data,
      opinions: need(args, "opinions"),
      ...(surveys.length > 0 ? { surveys } : {}),
    };
    const variant = { metricVariant: metricVariant as MetricVariant };
    if (benchmark === "opinionqa-xl") outcome = await runOpinionQaXl({ ...oqa, ...variant, steer });
    else if (steer) {
      outcome = await runOpinionQaSteer({
        ...oqa,
        ...variant,
        steerMax: steerMax as SteerabilityMode,
      });
    } else outcome = await runOpinionQa({ ...oqa, ...variant });
  } else if (benchmark === "globalopinionqa") {
    outcome = await runGlobalOpinionQa({ ...common, data, jsdVariant: jsd as JsVariant });
  } else if (benchmark === "culturebank") {
    const judgeSpec = parseModelSpec(judgeText as string);
    const judgeBaseUrl = str(args, "judge-base-url");
    const judge = open(
      createBackend(judgeSpec, {
        api: judgeApi,
        llamacpp,
        ...(judgeBaseUrl !== undefined ? { baseUrl: judgeBaseUrl } : {}),
        ...(cacheDir !== undefined ? { cacheDir } : {}),
      }),
    );
    outcome = await runCultureBank({
      ...common,
      data: dataList,
      judge,
      judgeSpec: formatModelSpec(judgeSpec),
    });
  } else {
    outcome = await runCultureNli({ ...common, data });
  }
  progress.done(outcome.failures.length > 0 ? `${outcome.failures.length} failed` : "");
  const results = toResultsFile(outcome, {
    spec: formatModelSpec(spec),
    backend: backend.name,
    baseUrl: backend.baseUrl,
  });
  if (benchmark !== "culturebank") results.config.letter_scoring = letterScoring;
  await writeResultsFile(out, results);
  const lines = [
    `${benchmark}  ${results.model.spec}${results.model.server_model ? ` (server: ${results.model.server_model})` : ""}  ${results.items.total} items, ${results.items.failed} failed  → ${out}`,
  ];
  if (results.letter_mass.mean !== null) {
    lines.push(
      `${benchmark === "culturebank" ? "judge Yes/No mass" : "letter mass"}: mean ${results.letter_mass.mean.toFixed(3)}, ${results.letter_mass.low} items below ${results.letter_mass.threshold}`,
    );
  }
  for (const [why, n] of Object.entries(results.excluded))
    if (n > 0) lines.push(`excluded (${why}): ${n}`);
  for (const r of results.results.filter((r) => r.group === null || results.results.length <= 12)) {
    lines.push(
      `${r.metric.padEnd(24)} ${(r.group ?? "").padEnd(20)} ${r.value.toFixed(2).padStart(7)}  [${r.ci95[0].toFixed(2)}, ${r.ci95[1].toFixed(2)}]  n=${r.n}  (${r.variant})`,
    );
  }
  const grouped = results.results.filter((r) => r.group !== null).length;
  if (results.results.length > 12 && grouped > 0)
    lines.push(`(${grouped} per-group rows in ${out})`);
  for (const f of results.failures.slice(0, 5)) lines.push(`failed: ${f.id}: ${f.error}`);
  if (results.failures.length > 5)
    lines.push(`failed: ... and ${results.failures.length - 5} more (see ${out})`);
  stdout.write(`${lines.join("\n")}\n`);
  if (results.failures.length > 0 && !bool(args, "allow-failures")) {
    stderr.write(
      `avakit eval: ${results.failures.length} of ${results.items.total} items failed (results written; --allow-failures to exit 0)\n`,
    );
    return 1;
  }
  return 0;
}

/** `avakit eval tasks`: Tables A5–A18 for one model on one held-out split. */
async function evalTasksRun(
  args: ParsedArgs,
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown },
  open: Opened,
): Promise<number> {
  const needT = (key: string) => {
    const v = str(args, key);
    if (v === undefined || v === "")
      throw new UsageError(`--${key} is required\nusage: ${TASKS_USAGE}`);
    return v;
  };
  for (const k of [
    "data",
    "opinions",
    "surveys",
    "judge",
    "judge-base-url",
    "judge-api",
    "steer",
  ]) {
    const v = args.values[k];
    if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) {
      throw new UsageError(`--${k} does not apply to eval tasks (it reads --dataset)`);
    }
  }
  if ((str(args, "letter-scoring") ?? "sum") !== "sum") {
    throw new UsageError(
      "--letter-scoring does not apply to eval tasks (TAP answers are parsed from text)",
    );
  }
  const dataset = needT("dataset");
  const split = needT("split");
  if (split !== "test-advertiser" && split !== "test-time") {
    throw new UsageError(`--split expects test-advertiser or test-time, got "${split}"`);
  }
  const modelText = needT("model");
  // `nearest`: the model-free retrieval baseline over this dataset's train split.
  const spec = modelText.trim() === "nearest" ? null : parseModelSpec(modelText);
  const out = needT("out");
  const apiText = str(args, "api");
  if (apiText !== undefined && apiText !== "completions" && apiText !== "chat") {
    throw new UsageError(`--api expects completions or chat, got "${apiText}"`);
  }
  const tapR = str(args, "tap-r-metric") ?? "top1";
  if (tapR !== "top1" && tapR !== "top3-overlap") {
    throw new UsageError(`--tap-r-metric expects top1 or top3-overlap, got "${tapR}"`);
  }
  const tasks = strs(args, "tasks")
    .flatMap((t) => t.split(","))
    .map((t) => t.trim().toUpperCase())
    .filter(Boolean);
  const baseUrl = str(args, "base-url");
  const cacheDir = str(args, "cache");
  const llamacpp = llamacppOptions(args);
  const backend: Backend =
    spec === null
      ? new NearestTrainBaseline(dataset)
      : open(
          createBackend(spec, {
            llamacpp,
            ...(baseUrl !== undefined ? { baseUrl } : {}),
            ...(apiText !== undefined ? { api: apiText as OpenAIApi } : {}),
            ...(cacheDir !== undefined ? { cacheDir } : {}),
          }),
        );
  if (!backend.capabilities.generate) {
    throw new UsageError(
      `--model ${spec === null ? "nearest" : formatModelSpec(spec)} cannot generate text, and every AVA task asks for a written answer: use openai:MODEL, ollama:MODEL or nearest`,
    );
  }
  const baselineText = str(args, "baseline");
  const baselineSpec = baselineText !== undefined ? parseModelSpec(baselineText) : undefined;
  const baselineBaseUrl = str(args, "baseline-base-url") ?? baseUrl;
  const baseline =
    baselineSpec !== undefined
      ? open(
          createBackend(baselineSpec, {
            // Δ PPL needs prompt log-probabilities: the completions API.
            api: "completions",
            llamacpp,
            ...(baselineBaseUrl !== undefined ? { baseUrl: baselineBaseUrl } : {}),
            ...(cacheDir !== undefined ? { cacheDir } : {}),
          }),
        )
      : undefined;
  let embedder: TokenEmbedder | { unavailable: string } = {
    unavailable: "no --bertscore-model given",
  };
  const bsModel = str(args, "bertscore-model");
  if (bsModel !== undefined) {
    try {
      embedder = new TransformersTokenEmbedder({ path: bsModel });
    } catch (err) {
      if (!(err instanceof AvakitError)) throw err;
      embedder = { unavailable: errorMessage(err) };
      stderr.write(`avakit eval tasks: BERTScore will not be computed: ${errorMessage(err)}\n`);
    }
  }
  const progress = new Progress({
    label: "eval tasks",
    unit: "requests",
    enabled: !bool(args, "quiet"),
  });
  const limit = positiveInt(args, "limit", 1);
  const shots = positiveInt(args, "shots", 0) ?? 0;
  const maxTokens = positiveInt(args, "max-tokens", 1) ?? 256;
  let phase = "generate";
  const opts: AvaTasksRunOptions = {
    backend,
    concurrency: positiveInt(args, "concurrency", 1) ?? 8,
    seed: positiveInt(args, "seed", 0) ?? 0,
    ...(limit !== undefined ? { limit } : {}),
    dataset,
    split,
    ...(tasks.length > 0 ? { tasks } : {}),
    shots,
    maxTokens,
    promptFormat:
      backend.name === "openai" && (backend as { api?: string }).api === "chat" ? "chat" : "text",
    ...(baseline !== undefined ? { baseline, baselineSpec: formatModelSpec(baselineSpec!) } : {}),
    tapRMetric: tapR as TapRMetric,
    embedder,
    bertscoreIdf: bool(args, "bertscore-idf"),
    onPhase: (p) => {
      phase = p;
    },
    onProgress: (p) =>
      progress.update(
        p.done,
        `${phase}${p.failed > 0 ? `, ${p.failed} failed` : ""}`,
        p.done / p.total,
      ),
  };
  let outcome: BenchmarkOutcome;
  try {
    outcome = await runAvaTasks(opts);
  } finally {
    if (!("unavailable" in embedder)) await embedder.close?.();
  }
  progress.done(outcome.failures.length > 0 ? `${outcome.failures.length} failed` : "");
  const results = toResultsFile(outcome, {
    spec: spec === null ? "nearest" : formatModelSpec(spec),
    backend: backend.name,
    baseUrl: backend.baseUrl,
  });
  await writeResultsFile(out, results);
  stdout.write(tasksSummary(results, out));
  if (results.failures.length > 0 && !bool(args, "allow-failures")) {
    stderr.write(
      `avakit eval tasks: ${results.failures.length} requests failed (results written; --allow-failures to exit 0)\n`,
    );
    return 1;
  }
  return 0;
}
