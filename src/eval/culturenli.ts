import { readFile } from "node:fs/promises";
import type { LetterItem } from "../backends/types.js";
import { AvakitError, errorMessage } from "../core/errors.js";
import { parsePythonLiteral } from "../opinions/python-literal.js";
import { askLetters } from "./ask.js";
import { type EvalRunOptions, limited } from "./common.js";
import { bootstrap } from "./metrics/bootstrap.js";
import { type CultureNliItem, cultureNliF1, majorityVote } from "./metrics/culture-nli.js";
import type { BenchmarkOutcome, MetricName, ResultRow } from "./results.js";

/**
 * CultureNLI (Huang & Yang 2023) as CultureBank evaluates it
 * (SALT-NLP/CultureBank evaluation/downstream_tasks/cultural_nli.py): each premise/hypothesis
 * pair asked once per culture, P(E) renormalised over E/N/C, F1 against that culture's majority.
 */

export const CULTURENLI_TEMPLATE = "culturenli-culturebank/1";

export const CULTURES = [
  { code: "US", name: "the United States", metric: "f1_us" },
  { code: "IN", name: "India", metric: "f1_in" },
] as const satisfies readonly { code: string; name: string; metric: MetricName }[];

export interface CultureNliPair {
  premise: string;
  hypothesis: string;
  /** Majority vote of each culture's annotators (first-seen on ties): "E", "N" or "C". */
  gold: { US: string; IN: string };
}

/**
 * cultural_nli.py's NLI_TEMPLATE, exactly (its curly apostrophe in "Let’s" and the space after
 * "Entail" included); the next token after "(" is the label letter.
 */
export function cultureNliPrompt(premise: string, hypothesis: string, culture: string): string {
  return `Premise: ${premise}\nHypothesis: ${hypothesis}\n\nLet’s think as someone who lives in ${culture}. What do you think is the relationship between the premise and the hypothesis?\n(E) Entail \n(N) Neutral\n(C) Contradict\n\nYour Answer (E/N/C): (`;
}

function votes(text: string, where: string): string[] {
  let v: unknown;
  try {
    v = parsePythonLiteral(text);
  } catch (err) {
    throw new AvakitError(`${where}: ${errorMessage(err)}`, { cause: err });
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => x === "E" || x === "N" || x === "C")) {
    throw new AvakitError(
      `${where}: ratings must be a non-empty list of 'E', 'N', 'C', got ${text}`,
    );
  }
  return v as string[];
}

/**
 * Reads `data.tsv` (premise, hypothesis, us_ratings, in_ratings; plain tab-separated, quotes are
 * text, as numpy.loadtxt reads it). A pair listed twice keeps its first position and its last
 * labels, as cultural_nli.py's nested dict does.
 */
export async function loadCultureNli(path: string): Promise<CultureNliPair[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new AvakitError(`--data ${path}: cannot read (${errorMessage(err)})`, { cause: err });
  }
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split("\t");
  if (header[0] !== "premise" || header[1] !== "hypothesis" || header.length < 4) {
    throw new AvakitError(`${path}: expected columns premise, hypothesis, us_ratings, in_ratings`);
  }
  const byPair = new Map<string, CultureNliPair>();
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${path} line ${i + 2}`;
    const cols = line.split("\t");
    if (cols.length !== 4) throw new AvakitError(`${where}: ${cols.length} columns, expected 4`);
    const [premise, hypothesis, us, inn] = cols as [string, string, string, string];
    byPair.set(`${premise}\t${hypothesis}`, {
      premise,
      hypothesis,
      gold: { US: majorityVote(votes(us, where)), IN: majorityVote(votes(inn, where)) },
    });
  });
  return [...byPair.values()];
}

export interface CultureNliRunOptions extends EvalRunOptions {
  data: string;
}

export async function runCultureNli(opts: CultureNliRunOptions): Promise<BenchmarkOutcome> {
  const pairs = limited(await loadCultureNli(opts.data), opts.limit);
  if (pairs.length === 0) throw new AvakitError("culturenli: no pairs");
  const items: LetterItem[] = CULTURES.flatMap((c) =>
    pairs.map((p, i) => ({
      id: `${c.code}:${i}`,
      prompt: cultureNliPrompt(p.premise, p.hypothesis, c.name),
      letters: ["E", "N", "C"],
    })),
  );
  const asked = await askLetters(opts.backend, items, opts);
  const boot = { seed: opts.seed ?? 0, ...(opts.resamples ? { resamples: opts.resamples } : {}) };
  const results: ResultRow[] = [];
  CULTURES.forEach((c, ci) => {
    const scored: CultureNliItem[] = [];
    pairs.forEach((p, i) => {
      const probs = asked.probs[ci * pairs.length + i];
      if (probs) scored.push({ gold: p.gold[c.code], pEntail: probs[0] ?? 0 });
    });
    if (scored.length === 0) return;
    const est = bootstrap(scored, (s) => cultureNliF1(s).value, boot);
    results.push({
      benchmark: "culturenli",
      metric: c.metric,
      group: null,
      variant: "culturebank",
      value: est.value,
      n: est.n,
      ci95: est.ci95,
    });
  });
  return {
    benchmark: "culturenli",
    templates: { culturenli: CULTURENLI_TEMPLATE },
    config: { data: opts.data, limit: opts.limit ?? null, seed: opts.seed ?? 0 },
    total: items.length,
    failures: asked.failures,
    mass: asked.mass,
    serverModel: asked.serverModel,
    excluded: {},
    results,
  };
}
