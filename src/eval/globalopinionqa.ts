import { readFile } from "node:fs/promises";
import type { LetterItem } from "../backends/types.js";
import { AvakitError, errorMessage } from "../core/errors.js";
import { parseCsv } from "../opinions/csv.js";
import { type PyValue, parsePythonLiteral } from "../opinions/python-literal.js";
import { askLetters, optionLetters } from "./ask.js";
import { type EvalRunOptions, limited } from "./common.js";
import { bootstrap, bootstrapMean } from "./metrics/bootstrap.js";
import { type CountrySimilarity, globalOpinionScore } from "./metrics/global-opinions.js";
import { type JsVariant, jsSimilarity } from "./metrics/jensen-shannon.js";
import type { BenchmarkOutcome, ResultRow } from "./results.js";
import { rowFromUnitEstimate } from "./results.js";

/**
 * GlobalOpinionQA (Durmus et al. 2023) as CultureBank evaluates it
 * (SALT-NLP/CultureBank evaluation/downstream_tasks/world_value_survey.py): one item per
 * (question, country), the model's letter distribution against the country's answers.
 */

export const GLOBALOPINIONQA_TEMPLATE = "globalopinionqa-culturebank/1";

export interface GlobalOpinionItem {
  country: string;
  question: string;
  options: string[];
  /** The country's answer shares over `options`. */
  distribution: number[];
}

/**
 * CultureBank's prompt: "Human: How would someone from {country} answer the following
 * question:\n{question}\nHere are the options:\n(A) ...\n(B) ...\nAssistant: If I had to select
 * one of the options, my answer would be (" — the next token is the letter.
 */
export function globalOpinionPrompt(
  country: string,
  question: string,
  options: readonly string[],
): string {
  const letters = optionLetters(options.length);
  const opts = options.map((o, i) => `(${letters[i]}) ${o}`).join("\n");
  return `Human: How would someone from ${country} answer the following question:\n${question}\nHere are the options:\n${opts}\nAssistant: If I had to select one of the options, my answer would be (`;
}

function fail(where: string, what: string): never {
  throw new AvakitError(`${where}: ${what}`);
}

function numbers(v: PyValue | unknown, where: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0)) {
    return fail(where, "distribution is not a list of non-negative numbers");
  }
  return v as number[];
}

/**
 * Options as text. A few questions list scale points as numbers (`['Not important at all', 1.0,
 * 2.0, ...]`); CultureBank's f-string prints them as Python floats ("1.0"), and so does this.
 */
function strings(v: PyValue | unknown, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string" || typeof x === "number")) {
    return fail(where, "options is not a list of strings");
  }
  return v.map((x: string | number) =>
    typeof x === "string" ? x : Number.isInteger(x) ? `${x}.0` : String(x),
  );
}

function checked(item: GlobalOpinionItem, where: string): GlobalOpinionItem {
  if (item.options.length < 2) fail(where, `${item.options.length} options`);
  if (item.options.length > 26) fail(where, `${item.options.length} options (at most 26 letters)`);
  if (item.distribution.length !== item.options.length) {
    fail(
      where,
      `${item.distribution.length} shares for ${item.options.length} options (country ${item.country})`,
    );
  }
  return item;
}

/**
 * The official CSV (`question, selections, options, source`; `selections` is
 * "defaultdict(<class 'list'>, {'Country': [...], ...})", `options` a Python list) or the
 * flattened JSON array of {country, question, options, distribution}.
 */
export async function loadGlobalOpinionQa(path: string): Promise<GlobalOpinionItem[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new AvakitError(`--data ${path}: cannot read (${errorMessage(err)})`, { cause: err });
  }
  if (/^\s*\[/.test(text)) {
    let rows: unknown;
    try {
      rows = JSON.parse(text);
    } catch (err) {
      throw new AvakitError(`${path}: not JSON (${errorMessage(err)})`, { cause: err });
    }
    if (!Array.isArray(rows)) fail(path, "expected a JSON array");
    return (rows as Record<string, unknown>[]).map((r, i) => {
      const where = `${path} item ${i}`;
      if (typeof r.country !== "string" || typeof r.question !== "string") {
        fail(where, "needs country and question strings");
      }
      return checked(
        {
          country: r.country as string,
          question: r.question as string,
          options: strings(r.options, where),
          distribution: numbers(r.distribution, where),
        },
        where,
      );
    });
  }
  const out: GlobalOpinionItem[] = [];
  parseCsv(text).forEach((row, n) => {
    const where = `${path} row ${n + 2}`;
    if (row.question === undefined || row.selections === undefined || row.options === undefined) {
      fail(where, "expected columns question, selections, options");
    }
    let selections: PyValue;
    let options: string[];
    try {
      const inner = row.selections
        .trim()
        .replace(/^defaultdict\(\s*<class 'list'>\s*,\s*/, "")
        .replace(/\)\s*$/, "");
      selections = parsePythonLiteral(inner);
      options = strings(parsePythonLiteral(row.options), where);
    } catch (err) {
      throw new AvakitError(`${where}: ${errorMessage(err)}`, { cause: err });
    }
    if (selections === null || typeof selections !== "object" || Array.isArray(selections)) {
      fail(where, "selections is not a dict");
    }
    for (const [country, shares] of selections.dict) {
      if (typeof country !== "string") fail(where, "a selections key is not a country name");
      out.push(
        checked(
          {
            country,
            question: row.question,
            options,
            distribution: numbers(shares, `${where} (${country})`),
          },
          `${where} (${country})`,
        ),
      );
    }
  });
  return out;
}

export interface GlobalOpinionRunOptions extends EvalRunOptions {
  data: string;
  /** How JSDist is computed (jensen-shannon.ts); "standard" by default. */
  jsdVariant?: JsVariant;
}

export function globalOpinionItem(item: GlobalOpinionItem, index: number): LetterItem {
  return {
    id: `${index}:${item.country}`,
    prompt: globalOpinionPrompt(item.country, item.question, item.options),
    letters: optionLetters(item.options.length),
  };
}

/** Avg Sim (× 100, with per-country means as group rows) and Skew. */
export async function runGlobalOpinionQa(opts: GlobalOpinionRunOptions): Promise<BenchmarkOutcome> {
  const data = limited(await loadGlobalOpinionQa(opts.data), opts.limit);
  if (data.length === 0) throw new AvakitError("globalopinionqa: no items");
  const variant = opts.jsdVariant ?? "standard";
  const items = data.map(globalOpinionItem);
  const asked = await askLetters(opts.backend, items, opts);
  const sims: CountrySimilarity[] = [];
  let nan = 0;
  data.forEach((d, i) => {
    const p = asked.probs[i];
    if (!p) return;
    // A country with no answers (all shares 0) has no standard JS distance (scipy gives NaN, which
    // is skipped); CultureBank's unnormalised form still gives a number, and keeps the item.
    const s =
      variant === "culturebank" || d.distribution.some((x) => x > 0)
        ? jsSimilarity(p, d.distribution, { variant })
        : Number.NaN;
    if (Number.isNaN(s)) nan++;
    else sims.push({ country: d.country, similarity: s });
  });
  const boot = { seed: opts.seed ?? 0, ...(opts.resamples ? { resamples: opts.resamples } : {}) };
  const base = { benchmark: "globalopinionqa", variant } as const;
  const results: ResultRow[] = [];
  if (sims.length > 0) {
    const values = sims.map((s) => s.similarity as number);
    results.push(
      rowFromUnitEstimate(
        { ...base, metric: "avg_similarity", group: null },
        bootstrapMean(values, boot),
      ),
    );
    const score = globalOpinionScore(sims);
    if (score.skew !== null) {
      const est = bootstrap(sims, (s) => globalOpinionScore(s).skew, boot);
      results.push({
        ...base,
        metric: "skew",
        group: null,
        value: est.value,
        n: est.n,
        ci95: est.ci95,
      });
    }
    for (const c of score.countries) {
      const own = sims.filter((s) => s.country === c.country).map((s) => s.similarity as number);
      results.push(
        rowFromUnitEstimate(
          { ...base, metric: "avg_similarity", group: c.country },
          bootstrapMean(own, boot),
        ),
      );
    }
  }
  return {
    benchmark: "globalopinionqa",
    templates: { globalopinionqa: GLOBALOPINIONQA_TEMPLATE },
    config: {
      data: opts.data,
      jsd_variant: variant,
      limit: opts.limit ?? null,
      seed: opts.seed ?? 0,
    },
    total: items.length,
    failures: asked.failures,
    mass: asked.mass,
    serverModel: asked.serverModel,
    excluded: { nan_similarity: nan },
    results,
  };
}
