import type { OpenAIApi } from "../backends/openai.js";
import { createBackend, formatModelSpec, parseModelSpec } from "../backends/spec.js";
import { UsageError } from "../core/errors.js";
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
import { bool, type Command, int, type ParsedArgs, str, strs } from "./command.js";

const USAGE =
  "avakit eval opinionqa|opinionqa-xl|globalopinionqa|culturenli|culturebank --model SPEC --data PATH --out results.json [--base-url URL] [--api completions|chat] [--judge SPEC [--judge-base-url URL] [--judge-api chat|completions]] [--concurrency N] [--cache DIR] [--opinions FILE.jsonl] [--surveys W26,W92] [--steer [--steer-max best-style|per-question]] [--metric-variant opinionqa|ava-code] [--jsd-variant standard|culturebank] [--limit N] [--seed S] [--allow-failures] [--quiet]";

const BENCHMARKS = [
  "opinionqa",
  "opinionqa-xl",
  "globalopinionqa",
  "culturenli",
  "culturebank",
] as const;

export const evalCommand: Command = {
  name: "eval",
  summary:
    "Score a model (or a baseline) on OpinionQA, OpinionQA-XL, GlobalOpinionQA, CultureNLI or CultureBank",
  usage: USAGE,
  positionals: true,
  options: {
    model: {
      type: "string",
      description: "openai:MODEL, ollama:MODEL, uniform or human:GROUP",
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
    limit: { type: "string", description: "only the first N questions/pairs" },
    seed: { type: "string", description: "bootstrap seed", default: "0" },
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
  const [benchmark, ...extra] = args.positionals;
  if (!benchmark || !(BENCHMARKS as readonly string[]).includes(benchmark) || extra.length > 0) {
    throw new UsageError(
      `${benchmark ? `unknown benchmark "${[benchmark, ...extra].join(" ")}"` : "missing benchmark"}: use ${BENCHMARKS.join(", ")}\nusage: ${USAGE}`,
    );
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
  const backend = createBackend(spec, {
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(apiText !== undefined
      ? { api: apiText as OpenAIApi }
      : benchmark === "culturebank"
        ? { api: "chat" as const }
        : {}),
    ...(cacheDir !== undefined ? { cacheDir } : {}),
  });
  const progress = new Progress({
    label: `eval ${benchmark}`,
    unit: "items",
    enabled: !bool(args, "quiet"),
  });
  const limit = positiveInt(args, "limit", 1);
  const common: EvalRunOptions = {
    backend,
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
    const judge = createBackend(judgeSpec, {
      api: judgeApi,
      ...(judgeBaseUrl !== undefined ? { baseUrl: judgeBaseUrl } : {}),
      ...(cacheDir !== undefined ? { cacheDir } : {}),
    });
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
