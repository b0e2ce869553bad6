import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LetterItem } from "../backends/types.js";
import { AvakitError, errorMessage } from "../core/errors.js";
import type { OpinionRecord } from "../opinions/build.js";
import { parseCsv } from "../opinions/csv.js";
import { type InfoQuestion, loadInfo } from "../opinions/info.js";
import { parsePythonLiteral } from "../opinions/python-literal.js";
import { askLetters, optionLetters } from "./ask.js";
import { type EvalRunOptions, limited } from "./common.js";
import { bootstrapMean } from "./metrics/bootstrap.js";
import {
  avaCodeAlignment,
  avaCodeRepresentativeness,
  opinionAlignment,
} from "./metrics/opinion-alignment.js";
import { type BenchmarkOutcome, type ResultRow, rowFromUnitEstimate } from "./results.js";

/**
 * OpinionQA (Santurkar et al. 2023): questions from `model_input/<wave>.csv`, ordinal options
 * from `human_resp/<wave>/info.csv`, human distributions from `avakit opinions build`'s JSONL,
 * HELM's zero-shot multiple-choice prompt, representativeness and group representativeness.
 */

export const OPINIONQA_TEMPLATE = "opinionqa-helm-mcq-joint/1";

/** One OpinionQA question, ready to ask. */
export interface OpinionQaQuestion {
  survey: string;
  key: string;
  question: string;
  /** All options in prompt order (model_input's order: ordinal options, then refusals). */
  options: string[];
  /** For each ordinal option (info.csv order), its index in `options`. */
  ordinalIndex: number[];
  ordinal: number[];
  /** The human distributions over the ordinal options, by group ("Overall", "CREGION:Northeast"). */
  distributions: Record<string, number[]>;
  /** OpinionQA-XL: the options in the XL file's order, refusals removed (the AVA code's prompt). */
  avaOptions?: string[];
}

/**
 * HELM's multiple-choice-joint prompt as OpinionQA ran it (no instructions, input noun
 * "Question", output noun "Answer", the refusal option offered as the last letter):
 * "Question: {q}\nA. {o1}\nB. {o2}\n...\nAnswer:".
 */
export function opinionQaPrompt(question: string, options: readonly string[]): string {
  const letters = optionLetters(options.length);
  const lines = options.map((o, i) => `${letters[i]}. ${o}`);
  return `Question: ${question}\n${lines.join("\n")}\nAnswer:`;
}

export interface LoadOpinionQaOptions {
  /** Folder holding `model_input/` and `human_resp/`. */
  data: string;
  /** `avakit opinions build`'s JSONL. */
  opinions: string;
  /** Only these waves ("W26"); all 15 when absent. */
  surveys?: string[];
}

const WAVE_FILE = /^Pew_American_Trends_Panel_(W\d+)\.csv$/;

/** Reads the JSONL of `avakit opinions build`, keyed by upper-cased key + question text. */
export async function loadOpinionRecords(path: string): Promise<Map<string, OpinionRecord>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new AvakitError(`--opinions ${path}: cannot read (${errorMessage(err)})`, { cause: err });
  }
  const out = new Map<string, OpinionRecord>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let rec: OpinionRecord;
    try {
      rec = JSON.parse(line) as OpinionRecord;
    } catch (err) {
      throw new AvakitError(`${path} line ${i + 1}: not JSON (${errorMessage(err)})`, {
        cause: err,
      });
    }
    if (typeof rec.key !== "string" || typeof rec.question !== "string" || !rec.distributions) {
      throw new AvakitError(
        `${path} line ${i + 1}: not an opinions record (key, question, distributions)`,
      );
    }
    out.set(recordKey(rec.key, rec.question), rec);
  });
  return out;
}

const recordKey = (key: string, question: string) => `${key.toUpperCase()}\n${question}`;

export function stringList(text: string, where: string): string[] {
  const v = parsePythonLiteral(text);
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new AvakitError(`${where}: options is not a list of strings`);
  }
  return v as string[];
}

/**
 * The questions of the chosen waves, joined to info.csv (options, ordinals) and to the human
 * distributions, matching key AND question text (a few keys repeat with piped question texts).
 * A question whose options do not match info.csv or its distribution is an error naming it.
 */
export async function loadOpinionQa(opts: LoadOpinionQaOptions): Promise<OpinionQaQuestion[]> {
  const inputDir = join(opts.data, "model_input");
  const humanDir = join(opts.data, "human_resp");
  if (!existsSync(inputDir) || !existsSync(humanDir)) {
    throw new AvakitError(
      `--data ${opts.data}: expected OpinionQA's model_input/ and human_resp/ folders there`,
    );
  }
  const wanted = opts.surveys?.map((s) => s.trim().toUpperCase());
  const files = (await readdir(inputDir))
    .flatMap((f) => {
      const m = WAVE_FILE.exec(f);
      return m?.[1] ? [{ file: join(inputDir, f), survey: m[1] }] : [];
    })
    .filter((f) => wanted === undefined || wanted.includes(f.survey))
    .sort((a, b) => Number(a.survey.slice(1)) - Number(b.survey.slice(1)));
  if (wanted) {
    const missing = wanted.filter((w) => !files.some((f) => f.survey === w));
    if (missing.length > 0) {
      throw new AvakitError(
        `--surveys: no model_input file for ${missing.join(", ")} in ${inputDir}`,
      );
    }
  }
  const info = await loadInfo(humanDir);
  const records = await loadOpinionRecords(opts.opinions);
  const out: OpinionQaQuestion[] = [];
  for (const { file, survey } of files) {
    const rows = parseCsv(await readFile(file, "utf8"), "\t");
    rows.forEach((row, n) => {
      out.push(
        joinOpinionQaRow(
          row,
          survey,
          `${file} row ${n + 2} (${row.key})`,
          info,
          records,
          opts.opinions,
        ),
      );
    });
  }
  return out;
}

/**
 * One model_input row joined to info.csv (options, ordinals) and to its human distribution,
 * matching key AND question text (a few keys repeat with piped question texts). A question whose
 * options do not match info.csv or its distribution is an error naming it (`where`).
 */
export function joinOpinionQaRow(
  row: Record<string, string | undefined>,
  survey: string,
  where: string,
  info: Map<string, InfoQuestion[]>,
  records: Map<string, OpinionRecord>,
  opinionsPath: string,
): OpinionQaQuestion {
  const key = row.key ?? "";
  const question = row.question ?? "";
  if (!key || !question) throw new AvakitError(`${where}: no key or question`);
  const options = stringList(row.options ?? "", where);
  const q = (info.get(key.toUpperCase()) ?? []).find((x: InfoQuestion) => x.question === question);
  if (!q) throw new AvakitError(`${where}: no info.csv row with this key and question text`);
  const refs = [...q.options, ...q.refusals].map((o) => o.label);
  if (refs.length !== options.length || !refs.every((r) => options.includes(r))) {
    throw new AvakitError(
      `${where}: options [${options.join(", ")}] do not match info.csv's [${refs.join(", ")}]`,
    );
  }
  const rec = records.get(recordKey(key, question));
  if (!rec) {
    throw new AvakitError(
      `${where}: no human distribution in ${opinionsPath} for this key and question (build it with avakit opinions build --info)`,
    );
  }
  const ordinalLabels = q.options.map((o) => o.label);
  if (
    rec.options.length !== ordinalLabels.length ||
    !rec.options.every((o, i) => o === ordinalLabels[i])
  ) {
    throw new AvakitError(
      `${where}: the options of its distribution [${rec.options.join(", ")}] do not match info.csv's ordinal options [${ordinalLabels.join(", ")}]`,
    );
  }
  for (const [group, d] of Object.entries(rec.distributions)) {
    if (d.length !== ordinalLabels.length) {
      throw new AvakitError(
        `${where}: distribution of ${group} has ${d.length} values for ${ordinalLabels.length} options`,
      );
    }
  }
  return {
    survey,
    key,
    question,
    options,
    ordinalIndex: ordinalLabels.map((l) => options.indexOf(l)),
    ordinal: q.ordinal,
    distributions: rec.distributions,
  };
}

/** The letter item of a question; `human` spreads each group's distribution over all letters (0 on refusals). */
export function opinionQaItem(q: OpinionQaQuestion): LetterItem {
  const human: Record<string, number[]> = {};
  for (const [group, d] of Object.entries(q.distributions)) {
    const full = new Array<number>(q.options.length).fill(0);
    q.ordinalIndex.forEach((idx, j) => {
      full[idx] = d[j] ?? 0;
    });
    human[group] = full;
  }
  return {
    id: `${q.key}`,
    prompt: opinionQaPrompt(q.question, q.options),
    letters: optionLetters(q.options.length),
    human,
  };
}

/** D_M: the model's distribution over the ordinal options, renormalised (refusals dropped); null if all mass was on refusals. */
export function ordinalDistribution(
  probs: readonly number[],
  ordinalIndex: readonly number[],
): number[] | null {
  const d = ordinalIndex.map((i) => probs[i] ?? 0);
  const total = d.reduce((a, b) => a + b, 0);
  return total > 0 ? d.map((x) => x / total) : null;
}

export interface OpinionQaRunOptions extends EvalRunOptions, LoadOpinionQaOptions {
  /** "opinionqa" (default) or "ava-code" (the AVA paper's released prompt and scoring). */
  metricVariant?: MetricVariant;
}

export type MetricVariant = "opinionqa" | "ava-code";

export const AVA_CODE_TEMPLATE = "ava-code-oqaxl/1";

/**
 * The AVA paper's released prompt (behavior-in-the-wild/AlignViaActions50M OQA-XL
 * get_log_prob_hf_xl.py): refusal options removed, "Question: {q}\nA. {o1}\n...\nAnswer only with
 * A,B or C and nothing else :". `prefix` is the steering sentence of its steerability script.
 */
export function avaCodePrompt(question: string, options: readonly string[], prefix = ""): string {
  const letters = optionLetters(options.length);
  const lines = options.map((o, i) => `${letters[i]}. ${o}`);
  const last = letters[letters.length - 1] ?? "";
  const ask = `Answer only with ${letters.slice(0, -1).join(",")} or ${last} and nothing else :`;
  const head = prefix
    ? `${prefix} Question: ${question}\nPossible answers:`
    : `Question: ${question}`;
  return `${head}\n${lines.join("\n")}\n${ask}`;
}

/** The options the AVA code offers (refusals removed; XL: its file's order) and each group's distribution over them (0 where the human distribution has no such option). */
export function avaCodeOptions(q: OpinionQaQuestion): {
  options: string[];
  human: Record<string, number[]>;
} {
  const ordinalLabels = q.ordinalIndex.map((i) => q.options[i] ?? "");
  const options = q.avaOptions ?? ordinalLabels;
  const human: Record<string, number[]> = {};
  for (const [group, d] of Object.entries(q.distributions)) {
    human[group] = options.map((o) => {
      const j = ordinalLabels.indexOf(o);
      return j < 0 ? 0 : (d[j] ?? 0);
    });
  }
  return { options, human };
}

/** Runs OpinionQA: representativeness against "Overall" and group representativeness for every group. */
export async function runOpinionQa(opts: OpinionQaRunOptions): Promise<BenchmarkOutcome> {
  const questions = limited(await loadOpinionQa(opts), opts.limit);
  return scoreOpinionQuestions(questions, opts, {
    benchmark: "opinionqa",
    config: {
      data: opts.data,
      opinions: opts.opinions,
      surveys: [...new Set(questions.map((q) => q.survey))],
    },
    excluded: {},
  });
}

/**
 * Asks and scores OpinionQA-style questions (opinionqa, opinionqa-xl): representativeness and
 * group representativeness, OpinionQA's definitions or, with `metricVariant: "ava-code"`, the AVA
 * paper's released prompt and scoring.
 */
export async function scoreOpinionQuestions(
  questions: readonly OpinionQaQuestion[],
  opts: EvalRunOptions & { metricVariant?: MetricVariant },
  meta: {
    benchmark: "opinionqa" | "opinionqa-xl";
    config: BenchmarkOutcome["config"];
    excluded: Record<string, number>;
  },
): Promise<BenchmarkOutcome> {
  const variant = opts.metricVariant ?? "opinionqa";
  const ava = variant === "ava-code";
  if (questions.length === 0) throw new AvakitError(`${meta.benchmark}: no questions selected`);
  const avaQs = ava ? questions.map(avaCodeOptions) : [];
  const items: LetterItem[] = questions.map((q, i) => {
    if (!ava) return opinionQaItem(q);
    const a = avaQs[i]!;
    return {
      id: q.key,
      prompt: avaCodePrompt(q.question, a.options),
      letters: optionLetters(a.options.length),
      human: a.human,
    };
  });
  // Items ids must be unique for failures to name one question: add the question index on repeats.
  const seen = new Map<string, number>();
  for (const item of items) {
    const k = seen.get(item.id) ?? 0;
    seen.set(item.id, k + 1);
    if (k > 0) item.id = `${item.id}#${k + 1}`;
  }
  const asked = await askLetters(opts.backend, items, opts);
  const failures = [...asked.failures];
  let zeroDenominator = 0;
  let allRefusal = 0;
  const overall: (number | null)[] = [];
  const byGroup = new Map<string, (number | null)[]>();
  const push = (group: string, a: number | null) => {
    if (group === "Overall") overall.push(a);
    else {
      const list = byGroup.get(group);
      if (list) list.push(a);
      else byGroup.set(group, [a]);
    }
  };
  questions.forEach((q, i) => {
    const probs = asked.probs[i];
    if (ava) {
      // The AVA scripts divide by every question in the file: a failed item counts as 0.
      for (const [group, dh] of Object.entries(avaQs[i]!.human)) {
        const a = probs ? avaCodeAlignment(probs, dh) : null;
        if (probs && a === null && group === "Overall") zeroDenominator++;
        push(group, a);
      }
      return;
    }
    if (!probs) return;
    const dm = ordinalDistribution(probs, q.ordinalIndex);
    if (dm === null) {
      allRefusal++;
      return;
    }
    for (const [group, dh] of Object.entries(q.distributions)) {
      const a = opinionAlignment(dm, dh, q.ordinal);
      if (a === null) {
        if (group === "Overall") zeroDenominator++;
        continue;
      }
      push(group, a);
    }
  });
  const boot = { seed: opts.seed ?? 0, ...(opts.resamples ? { resamples: opts.resamples } : {}) };
  const results: ResultRow[] = [];
  const base = { benchmark: meta.benchmark, variant } as const;
  const estimate = (values: (number | null)[]) => {
    if (!ava) {
      const scored = values.filter((v): v is number => v !== null);
      return scored.length > 0 ? bootstrapMean(scored, boot) : null;
    }
    // avaCodeRepresentativeness: sum of the scored / questions in the file; n = questions scored.
    const score = avaCodeRepresentativeness(values, values.length);
    const est = bootstrapMean(
      values.map((v) => v ?? 0),
      boot,
    );
    return { value: (score.value ?? 0) / 100, n: score.n, ci95: est.ci95 };
  };
  const over = estimate(overall);
  if (over) {
    results.push(rowFromUnitEstimate({ ...base, metric: "representativeness", group: null }, over));
  }
  for (const [group, values] of byGroup) {
    const est = estimate(values);
    if (est) {
      results.push(
        rowFromUnitEstimate({ ...base, metric: "group_representativeness", group }, est),
      );
    }
  }
  return {
    benchmark: meta.benchmark,
    templates: ava
      ? { [meta.benchmark]: AVA_CODE_TEMPLATE }
      : { [meta.benchmark]: OPINIONQA_TEMPLATE },
    config: {
      ...meta.config,
      limit: opts.limit ?? null,
      seed: opts.seed ?? 0,
      metric_variant: variant,
    },
    total: items.length,
    failures,
    mass: asked.mass,
    serverModel: asked.serverModel,
    excluded: {
      ...meta.excluded,
      zero_denominator: zeroDenominator,
      all_mass_on_refusal: allRefusal,
    },
    results,
  };
}
