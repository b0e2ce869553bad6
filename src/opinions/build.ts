import { AvakitError } from "../core/errors.js";
import { groupOpinion, tallyAnswers } from "./distribution.js";
import {
  assignGroups,
  type GroupAssignment,
  type GroupMapping,
  loadGroupMapping,
} from "./groups.js";
import { type CodedOption, type InfoQuestion, loadInfo } from "./info.js";
import { loadQuestionKeys } from "./questions-file.js";
import { readSav, type SavFile, type SavVariable, surveyOf, weightVariable } from "./sav.js";

/** One question of one wave with its human opinion distributions: one line of the output JSONL. */
export interface OpinionRecord {
  /** ATP wave, e.g. "W26". */
  survey: string;
  /** Pew variable, e.g. "GUNKILLF2_W26" (OpinionQA's key). */
  key: string;
  /** info.csv's question text where given, else the variable label without its "NAME. " prefix. */
  question: string;
  /** Ordinal answer options in order, refusal-like answers removed. */
  options: string[];
  /** Ordinal positions of `options` (info.csv `option_ordinal`; 1..N without it). */
  ordinal: number[];
  /** Refusal-like answers ("Refused", and "Not sure" etc. where info.csv puts them there). */
  refusal_options: string[];
  /** .sav value codes of `options` and `refusal_options`. */
  option_codes: number[];
  refusal_codes: number[];
  /** Where options/ordinal came from. */
  source: "info.csv" | "sav";
  /** Whether `distributions` use WEIGHT_W<n> (false: counts-based, --unweighted). */
  weighted: boolean;
  /** "Overall" and "ATTRIBUTE:Group" → distribution over `options` (sums to 1). */
  distributions: Record<string, number[]>;
  /** Same keys → share of refusal-like answers among all labelled answers (OpinionQA's R_H). */
  refusal: Record<string, number>;
  /** Same keys → unweighted respondent counts per option. */
  counts: Record<string, number[]>;
  /** Same keys → unweighted respondent counts per refusal option. */
  refusal_counts: Record<string, number[]>;
}

/** What a build did with one wave (the CLI's summary). */
export interface WaveReport {
  survey: string;
  file: string;
  respondents: number;
  weightVariable: string | null;
  questions: number;
  /** Attributes (and so their groups) this wave's file cannot supply. */
  groupsMissing: GroupAssignment["missing"];
  /** Selected questions left out, with why (not in the file, no value labels, ...). */
  skipped: Array<{ key: string; reason: string }>;
}

export interface BuildOpinionsOptions {
  savFiles: string[];
  /** OpinionQA `human_resp` folder (or one wave's folder) with info.csv. */
  infoDir?: string;
  /** Restrict to these questions (OpinionQA-XL JSON or a JSON array of variable names). */
  questionsFile?: string;
  /** Weight by WEIGHT_W<n> (true) or count respondents (false). */
  weighted: boolean;
  /** Groups mapping (default data/opinionqa-groups.json). */
  groups?: GroupMapping;
  onWave?: ((report: WaveReport) => void) | undefined;
  /** Called after each question record (progress). */
  onQuestion?: ((survey: string) => void) | undefined;
}

/**
 * Builds human opinion distributions from Pew ATP .sav files, one record per question, the way
 * OpinionQA built its human side (tatsu-lab/opinions_qa helpers.py extract_human_opinions).
 * Questions: those of --questions if given, else info.csv's rows for the wave if --info is given,
 * else every labelled question variable of the wave (how OpinionQA-XL spans every ATP wave).
 */
export async function* buildOpinions(opts: BuildOpinionsOptions): AsyncGenerator<OpinionRecord> {
  const mapping = opts.groups ?? loadGroupMapping();
  const info = opts.infoDir ? await loadInfo(opts.infoDir) : undefined;
  const selected = opts.questionsFile ? await loadQuestionKeys(opts.questionsFile) : undefined;
  for (const file of opts.savFiles) {
    const sav = await readSav(file);
    yield* waveOpinions(sav, {
      mapping,
      info,
      selected,
      weighted: opts.weighted,
      onWave: opts.onWave,
      onQuestion: opts.onQuestion,
    });
  }
}

/** What `waveOpinions` needs besides the decoded file (buildOpinions loads these once). */
export interface WaveOptions {
  mapping: GroupMapping;
  /** info.csv rows by upper-cased key (loadInfo). */
  info?: Map<string, InfoQuestion[]> | undefined;
  /** Question keys per wave (loadQuestionKeys). */
  selected?: ((survey: string) => string[]) | undefined;
  weighted: boolean;
  onWave?: ((report: WaveReport) => void) | undefined;
  onQuestion?: ((survey: string) => void) | undefined;
}

/** The records of one decoded wave; its report goes to `onWave` at the end. */
export function* waveOpinions(sav: SavFile, ctx: WaveOptions): Generator<OpinionRecord> {
  const survey = surveyOf(sav);
  const weightName = ctx.weighted ? weightVariable(sav, survey) : null;
  const weights = weightName ? sav.numeric(weightName) : null;
  const groups = assignGroups(sav, survey, ctx.mapping);
  const report: WaveReport = {
    survey,
    file: sav.path,
    respondents: sav.rowCount,
    weightVariable: weightName,
    questions: 0,
    groupsMissing: groups.missing,
    skipped: [],
  };
  for (const q of selectQuestions(sav, survey, ctx, report)) {
    const answers = sav.numeric(q.variable.name);
    const columnOf = new Map<number, number>();
    for (const o of [...q.options, ...q.refusals]) columnOf.set(o.code, columnOf.size);
    for (const code of q.variable.valueLabels.keys()) {
      if (!columnOf.has(code)) columnOf.set(code, columnOf.size);
    }
    const tally = tallyAnswers({
      answers,
      weights,
      columnOf,
      columns: columnOf.size,
      membership: groups.membership,
      attributeCount: groups.attributeCount,
      groupCount: groups.keys.length,
    });
    const keys = ["Overall", ...groups.keys];
    const opinions = keys.map((_, slot) =>
      groupOpinion(tally, slot, q.options.length, q.refusals.length),
    );
    if (!opinions[0]) {
      report.skipped.push({ key: q.key, reason: "no respondent chose an ordinal option" });
      continue;
    }
    for (const text of q.texts) {
      const rec: OpinionRecord = {
        survey,
        key: q.key,
        question: text,
        options: q.options.map((o) => o.label),
        ordinal: q.ordinal,
        refusal_options: q.refusals.map((o) => o.label),
        option_codes: q.options.map((o) => o.code),
        refusal_codes: q.refusals.map((o) => o.code),
        source: q.source,
        weighted: weights !== null,
        distributions: {},
        refusal: {},
        counts: {},
        refusal_counts: {},
      };
      keys.forEach((k, slot) => {
        const g = opinions[slot];
        if (!g) return;
        rec.distributions[k] = g.distribution;
        rec.refusal[k] = g.refusal;
        rec.counts[k] = g.counts;
        rec.refusal_counts[k] = g.refusalCounts;
      });
      report.questions++;
      ctx.onQuestion?.(survey);
      yield rec;
    }
  }
  ctx.onWave?.(report);
}

interface SelectedQuestion {
  key: string;
  variable: SavVariable;
  /** One record per text: info.csv repeats a few keys with piped question texts. */
  texts: string[];
  options: CodedOption[];
  ordinal: number[];
  refusals: CodedOption[];
  source: "info.csv" | "sav";
}

// Survey administration variables: labelled, but not questions.
const NOT_A_QUESTION =
  /^(QKEY|F_.*|WEIGHT.*|(NEW_)?DEVICE_TYPE.*|LANG(UAGE)?_.*|FORM_.*|INTERVIEW_.*|.*_FLAG)$/i;
// Refusal-like answers when no info.csv says which answers are ordinal: Pew's 99 codes and
// the labels OpinionQA's info.csv always puts after the ordinal options.
const REFUSAL_LABEL = /^(refused.*|no answer|don['’]t know|dk\/ref.*|not sure|i['’]m not sure)$/i;

function isRefusal(code: number, label: string): boolean {
  return code === 99 || REFUSAL_LABEL.test(label.trim());
}

function* selectQuestions(
  sav: SavFile,
  survey: string,
  ctx: WaveOptions,
  report: WaveReport,
): Generator<SelectedQuestion> {
  const tag = new RegExp(`_${survey}(_|$)`, "i");
  let keys: string[];
  if (ctx.selected) keys = ctx.selected(survey);
  else if (ctx.info) {
    keys = [...ctx.info.keys()].filter((k) => tag.test(k));
    if (keys.length === 0)
      report.skipped.push({ key: "*", reason: `info.csv has no question of ${survey}` });
  } else {
    keys = sav.variables
      .filter((v) => v.type === "numeric" && v.valueLabels.size > 0)
      .filter((v) => !NOT_A_QUESTION.test(v.name) && tag.test(v.name))
      .map((v) => v.name);
  }
  for (const key of keys) {
    const variable = sav.variable(key);
    if (!variable) {
      report.skipped.push({ key, reason: "not in the .sav file" });
      continue;
    }
    const rows = ctx.info?.get(key.toUpperCase());
    if (rows?.length) {
      const first = rows[0]!;
      for (const o of [...first.options, ...first.refusals]) {
        if (!variable.valueLabels.has(o.code)) {
          throw new AvakitError(
            `${sav.path}: question ${variable.name}: info.csv option ${o.code} "${o.label}" (${first.file}) ` +
              `has no value label in the file (labels: ${[...variable.valueLabels].map(([c, l]) => `${c}=${l}`).join(", ")})`,
          );
        }
      }
      yield {
        key: variable.name,
        variable,
        texts: rows.map((r) => r.question),
        options: first.options,
        ordinal: first.ordinal,
        refusals: first.refusals,
        source: "info.csv",
      };
      continue;
    }
    if (variable.type !== "numeric" || variable.valueLabels.size === 0) {
      report.skipped.push({ key, reason: "no value labels (not a multiple-choice question)" });
      continue;
    }
    const options: CodedOption[] = [];
    const refusals: CodedOption[] = [];
    for (const [code, label] of [...variable.valueLabels].sort((a, b) => a[0] - b[0])) {
      (isRefusal(code, label) ? refusals : options).push({ code, label: label.trim() });
    }
    if (options.length < 2) {
      report.skipped.push({
        key,
        reason: `only ${options.length} labelled answer(s) besides refusals`,
      });
      continue;
    }
    yield {
      key: variable.name,
      variable,
      texts: [questionFromLabel(variable)],
      options,
      ordinal: options.map((_, i) => i + 1),
      refusals,
      source: "sav",
    };
  }
}

/** The variable label without the leading "SATISF. " / "SPORTPOL_W54. " that Pew puts there. */
export function questionFromLabel(v: SavVariable): string {
  const label = v.label.replace(/\s+/g, " ").trim();
  const m = /^([A-Za-z][A-Za-z0-9_]*)\.\s+/.exec(label);
  if (m) {
    const token = m[1]!.toUpperCase();
    const name = v.name.toUpperCase();
    if (name.startsWith(token) || token.startsWith(name.replace(/_W\d+.*$/, ""))) {
      return label.slice(m[0].length).trim();
    }
  }
  return label;
}
