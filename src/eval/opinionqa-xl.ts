import { readFile } from "node:fs/promises";
import { AvakitError, errorMessage } from "../core/errors.js";
import type { OpinionRecord } from "../opinions/build.js";
import { limited } from "./common.js";
import {
  loadOpinionRecords,
  type OpinionQaQuestion,
  type OpinionQaRunOptions,
  scoreOpinionQuestions,
} from "./opinionqa.js";
import { runAvaCodeSteer } from "./opinionqa-steer.js";
import type { BenchmarkOutcome } from "./results.js";

/**
 * OpinionQA-XL (the AVA paper): questions from its released `opinionqa-xl.json`
 * (`{"W54": {"SPORTPOL": {question, options}, ...}}`), human distributions from
 * `avakit opinions build --questions opinionqa-xl.json` (matched on wave and variable
 * `SPORTPOL_W54`). The OpinionQA prompt offers the record's ordinal options in order, then its
 * refusal options; the XL file's question text is asked. XL questions the opinions file has no
 * distribution for (a wave not built, or a question the build skipped) are left out and counted.
 */

export interface LoadOpinionQaXlOptions {
  /** The XL question file. */
  data: string;
  opinions: string;
  /** Only these waves; default: the XL waves the opinions file covers. */
  surveys?: string[];
}

/** The AVA code drops the literal "Refused" and NaN options (get_log_prob_hf_xl.py). */
const AVA_DROPPED = (o: string) => o === "Refused" || o.toLowerCase() === "nan";

export async function loadOpinionQaXl(opts: LoadOpinionQaXlOptions): Promise<{
  questions: OpinionQaQuestion[];
  excluded: Record<string, number>;
  /** XL questions whose options are not its distribution's, with why (left out). */
  mismatched: string[];
}> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(opts.data, "utf8"));
  } catch (err) {
    throw new AvakitError(
      `--data ${opts.data}: cannot read the OpinionQA-XL JSON (${errorMessage(err)})`,
      {
        cause: err,
      },
    );
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new AvakitError(`--data ${opts.data}: expected {"W<n>": {qcode: {question, options}}}`);
  }
  const waves = raw as Record<string, Record<string, { question?: unknown; options?: unknown }>>;
  const byKey = new Map<string, OpinionRecord>();
  for (const rec of (await loadOpinionRecords(opts.opinions)).values()) {
    byKey.set(rec.key.toUpperCase(), rec);
  }
  const covered = new Set([...byKey.values()].map((r) => r.survey.toUpperCase()));
  const wanted = opts.surveys?.map((s) => s.trim().toUpperCase());
  if (wanted) {
    const missing = wanted.filter((w) => !(w in waves));
    if (missing.length > 0)
      throw new AvakitError(`--surveys: ${missing.join(", ")} not in ${opts.data}`);
    const unbuilt = wanted.filter((w) => !covered.has(w));
    if (unbuilt.length > 0) {
      throw new AvakitError(
        `--surveys: ${opts.opinions} has no distributions for ${unbuilt.join(", ")} (build them with avakit opinions build --questions ${opts.data})`,
      );
    }
  }
  const surveys = Object.keys(waves)
    .filter((w) => (wanted ? wanted.includes(w) : covered.has(w)))
    .sort((a, b) => Number.parseFloat(a.slice(1)) - Number.parseFloat(b.slice(1)));
  const questions: OpinionQaQuestion[] = [];
  let noDistribution = 0;
  const mismatched: string[] = [];
  for (const survey of surveys) {
    for (const [code, q] of Object.entries(waves[survey] ?? {})) {
      const where = `${opts.data} ${survey} ${code}`;
      if (typeof q?.question !== "string" || !Array.isArray(q.options)) {
        throw new AvakitError(`${where}: no question text or options list`);
      }
      const key = (
        new RegExp(`_${survey}$`, "i").test(code) ? code : `${code}_${survey}`
      ).toUpperCase();
      const rec = byKey.get(key);
      if (!rec) {
        noDistribution++;
        continue;
      }
      const xlOptions = q.options.map((o) => String(o));
      const known = [...rec.options, ...rec.refusal_options];
      const unknown = xlOptions.filter((o) => !AVA_DROPPED(o) && !known.includes(o));
      if (unknown.length > 0) {
        // The released XL file pairs a few qcodes with another variable's options (its script
        // strips the wave suffix with rindex("_")): such a question cannot be scored, only counted.
        mismatched.push(`${rec.key}: [${unknown.join(", ")}] not in [${known.join(", ")}]`);
        continue;
      }
      const options = [...rec.options, ...rec.refusal_options];
      questions.push({
        survey,
        key: rec.key,
        question: q.question,
        options,
        ordinalIndex: rec.options.map((_, i) => i),
        ordinal: rec.ordinal,
        distributions: rec.distributions,
        avaOptions: xlOptions.filter((o) => !AVA_DROPPED(o)),
      });
    }
  }
  return {
    questions,
    excluded: { no_distribution: noDistribution, options_mismatch: mismatched.length },
    mismatched,
  };
}

export interface OpinionQaXlRunOptions
  extends Omit<OpinionQaRunOptions, "data" | "surveys">,
    LoadOpinionQaXlOptions {
  /** Steerability (ava-code only: the OpinionQA steering contexts are defined for disagreement-500). */
  steer?: boolean;
}

/**
 * Runs OpinionQA-XL: the same metrics as opinionqa. With `metricVariant: "ava-code"` the questions
 * its script skips are skipped too (≤ 5 words, > 50 options) and counted.
 */
export async function runOpinionQaXl(opts: OpinionQaXlRunOptions): Promise<BenchmarkOutcome> {
  const loaded = await loadOpinionQaXl(opts);
  let all = loaded.questions;
  const excluded = { ...loaded.excluded };
  if (opts.metricVariant === "ava-code") {
    const kept = all.filter(
      (q) =>
        q.question.split(" ").length > 5 &&
        (q.avaOptions?.length ?? 0) <= 50 &&
        (q.avaOptions?.length ?? 0) > 0,
    );
    excluded.ava_code_skipped = all.length - kept.length;
    all = kept;
  }
  const questions = limited(all, opts.limit);
  const run = {
    benchmark: "opinionqa-xl" as const,
    config: {
      data: opts.data,
      opinions: opts.opinions,
      surveys: [...new Set(questions.map((q) => q.survey))],
      options_mismatch: loaded.mismatched,
    },
    excluded,
  };
  if (opts.steer) {
    if (opts.metricVariant !== "ava-code") {
      throw new AvakitError(
        "opinionqa-xl --steer needs --metric-variant ava-code (OpinionQA's steering contexts are for its disagreement-500 questions)",
      );
    }
    return runAvaCodeSteer(questions, opts, run);
  }
  return scoreOpinionQuestions(questions, opts, run);
}
