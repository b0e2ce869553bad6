import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { LOW_MASS_THRESHOLD } from "../backends/letters.js";
import { runPool } from "../backends/pool.js";
import type { Backend, ChatMessage, TokenLogprob } from "../backends/types.js";
import { AvakitError, errorMessage } from "../core/errors.js";
import { parseCsv } from "../opinions/csv.js";
import { type EvalRunOptions, limited } from "./common.js";
import { bootstrapMean } from "./metrics/bootstrap.js";
import {
  type BenchmarkOutcome,
  type ItemFailure,
  type MetricName,
  type ResultRow,
  rowFromUnitEstimate,
} from "./results.js";

/**
 * CultureBank's grounded evaluation (SALT-NLP/CultureBank): the model answers each cluster's
 * `eval_question` in a chat (evaluation/grounded_eval.py, `GROUNDED_EVAL_PROMPT_TEMPLATE` from
 * utils/prompt_utils.py; sampled, T = 0.7, top-p 0.95, 512 new tokens), then a judge is asked
 * whether that answer entails the cluster's knowledge `eval_whole_desc`
 * (evaluation/knowledge_entailment.py, `KNOWLEDGE_ENTAIL_SYSTEM_PROMPT` and
 * `KNOWLEDGE_ENTAIL_USER_TEMPLATE`; top-5 log-probabilities of the first token). The item's score
 * is P("Yes") (0 when "Yes" is not among the top 5); the metric is the mean × 100, per source file
 * (Reddit, TikTok).
 */

export const CULTUREBANK_TEMPLATE = "culturebank-grounded/1";
export const CULTUREBANK_JUDGE_TEMPLATE = "culturebank-knowledge-entail/1";

/** Generation settings of the issue (grounded_eval.py: temperature 0.7, top_p 0.95, 512 tokens). */
export const CULTUREBANK_GENERATION = { maxTokens: 512, temperature: 0.7, topP: 0.95 } as const;
/** knowledge_entailment.py asks for `top_logprobs=5`. */
export const CULTUREBANK_JUDGE_K = 5;

export const SOURCES = [
  { source: "reddit", metric: "entailment_reddit" },
  { source: "tiktok", metric: "entailment_tiktok" },
] as const satisfies readonly { source: string; metric: MetricName }[];

export type CultureBankSource = (typeof SOURCES)[number]["source"];

/** prompt_utils.py's GROUNDED_EVAL_PROMPT_TEMPLATE, exactly, with the question filled in. */
export function groundedEvalPrompt(question: string): string {
  return `You are a helpful AI assistant trained to help users on their personal issues. Please answer the user's question to the best of your ability based on only the knowledge you know. Do NOT make up any unfounded statements or claims.\n\nUser's question: ${question}\n\nYour Answer:`;
}

/** prompt_utils.py's KNOWLEDGE_ENTAIL_SYSTEM_PROMPT, exactly. */
export const KNOWLEDGE_ENTAIL_SYSTEM_PROMPT = `You are an AI assistant trained to classify whether a given response from a language agent entails a specific cultural knowledge.\n\nParticularly, given a piece of cultural knowledge and a response from an agent, output "Yes" if the response entails the cultural knowledge and "No" otherwise.\n\nYour output should be Yes/No only. Even if you are uncertain, you must pick either "Yes" or "No" without using any other words.`;

/** prompt_utils.py's KNOWLEDGE_ENTAIL_USER_TEMPLATE, exactly (`.format(model_resp, desc)`). */
export function knowledgeEntailUserPrompt(response: string, knowledge: string): string {
  return `Response: ${response}\n\nKnowledge: ${knowledge}\n\nDoes the given response entail the provided knowledge?\n\nEntailment (Yes/No):`;
}

/** The model's conversation: one user turn (grounded_eval.py, zero-shot). */
export function groundedMessages(question: string): ChatMessage[] {
  return [{ role: "user", content: groundedEvalPrompt(question) }];
}

/** The judge's conversation (knowledge_entailment.py: a system turn and a user turn). */
export function judgeMessages(response: string, knowledge: string): ChatMessage[] {
  return [
    { role: "system", content: KNOWLEDGE_ENTAIL_SYSTEM_PROMPT },
    { role: "user", content: knowledgeEntailUserPrompt(response, knowledge) },
  ];
}

function bare(token: string): string {
  return token.replace(/^[\sĠ▁]+/u, "");
}

/**
 * P("Yes") and P("No") from the judge's top-k: the probabilities of every "Yes" (resp. "No")
 * variant summed (with or without a leading space, "Ġ" or "▁"; case kept, as the reference
 * compares `token == "Yes"`). A token absent from the list counts 0.
 */
export function yesNoProbability(tokens: readonly TokenLogprob[]): { yes: number; no: number } {
  let yes = 0;
  let no = 0;
  for (const t of tokens) {
    const b = bare(t.token);
    if (b === "Yes") yes += Math.exp(t.logprob);
    else if (b === "No") no += Math.exp(t.logprob);
  }
  return { yes: Math.min(1, yes), no: Math.min(1, no) };
}

export interface CultureBankItem {
  /** `<file name>:<row>` (or `cluster_id` when the file has one). */
  id: string;
  source: CultureBankSource;
  question: string;
  /** `eval_whole_desc`: the knowledge the answer should entail. */
  knowledge: string;
}

function sourceOf(text: string): CultureBankSource | null {
  const t = text.toLowerCase();
  const reddit = t.includes("reddit");
  const tiktok = t.includes("tiktok");
  if (reddit === tiktok) return null;
  return reddit ? "reddit" : "tiktok";
}

async function dataFiles(path: string): Promise<string[]> {
  let s: Awaited<ReturnType<typeof stat>>;
  try {
    s = await stat(path);
  } catch (err) {
    throw new AvakitError(`--data ${path}: cannot read (${errorMessage(err)})`, { cause: err });
  }
  if (!s.isDirectory()) return [path];
  const out: string[] = [];
  const entries = await readdir(path, { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await dataFiles(p)));
    else if (/\.(csv|jsonl)$/i.test(e.name) && sourceOf(p) !== null) out.push(p);
  }
  return out;
}

function rowsOf(path: string, text: string): Record<string, unknown>[] {
  if (extname(path).toLowerCase() === ".csv") return parseCsv(text);
  return text.split(/\r?\n/).flatMap((line, i) => {
    if (line.trim() === "") return [];
    try {
      const v: unknown = JSON.parse(line);
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
      return [v as Record<string, unknown>];
    } catch (err) {
      throw new AvakitError(`${path} line ${i + 1}: ${errorMessage(err)}`, { cause: err });
    }
  });
}

/**
 * Reads CultureBank files (the Hugging Face dataset's `reddit/culturebank_reddit.csv` and
 * `tiktok/culturebank_tiktok.csv`, or JSONL with the same keys), or every such file under a
 * folder. A row's source is its `source` column when it has one, else the file's path ("reddit"
 * or "tiktok" in it). Rows without an `eval_question` or `eval_whole_desc` are an error.
 */
export async function loadCultureBank(paths: readonly string[]): Promise<CultureBankItem[]> {
  const files = (await Promise.all(paths.map(dataFiles))).flat();
  if (files.length === 0) {
    throw new AvakitError(`--data ${paths.join(" ")}: no reddit/tiktok .csv or .jsonl files`);
  }
  const items: CultureBankItem[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new AvakitError(`--data ${file}: cannot read (${errorMessage(err)})`, { cause: err });
    }
    const fileSource = sourceOf(basename(file)) ?? sourceOf(file);
    const csv = extname(file).toLowerCase() === ".csv";
    rowsOf(file, text).forEach((row, i) => {
      const where = `${file} ${csv ? `row ${i + 2}` : `line ${i + 1}`}`;
      const q = row.eval_question;
      const k = row.eval_whole_desc;
      if (typeof q !== "string" || typeof k !== "string" || q.trim() === "" || k.trim() === "") {
        throw new AvakitError(`${where}: needs non-empty eval_question and eval_whole_desc`);
      }
      const col = typeof row.source === "string" && row.source !== "" ? row.source : null;
      const source = col !== null ? sourceOf(col) : fileSource;
      if (source === null) {
        throw new AvakitError(
          `${where}: source unknown (${col !== null ? `source column "${col}"` : "no source column, and the file name names neither reddit nor tiktok"})`,
        );
      }
      const cluster = row.cluster_id;
      const id =
        typeof cluster === "string" || typeof cluster === "number"
          ? `${source}:${cluster}`
          : `${source}:${basename(file)}:${csv ? i + 2 : i + 1}`;
      items.push({ id, source, question: q, knowledge: k });
    });
  }
  return items;
}

export interface CultureBankRunOptions extends EvalRunOptions {
  /** Files or folders (`--data`). */
  data: string[];
  /** The judge (`--judge`): any chat backend with log-probabilities. */
  judge: Backend;
  /** `--judge` as given, recorded in config. */
  judgeSpec: string;
}

interface Scored {
  source: CultureBankSource;
  yes: number;
  no: number;
  serverModel?: string;
  judgeModel?: string;
}

export async function runCultureBank(opts: CultureBankRunOptions): Promise<BenchmarkOutcome> {
  const all = await loadCultureBank(opts.data);
  // --limit applies per source, so both files are represented.
  const items = SOURCES.flatMap((s) =>
    limited(
      all.filter((it) => it.source === s.source),
      opts.limit,
    ),
  );
  if (items.length === 0) throw new AvakitError("culturebank: no items");
  if (!opts.backend.capabilities.generate) {
    throw new AvakitError(
      `culturebank: the model (${opts.backend.name}) cannot generate text; use a chat backend`,
    );
  }
  if (!opts.judge.capabilities.letterLogprobs) {
    throw new AvakitError(
      `culturebank: the judge (${opts.judgeSpec}) gives no log-probabilities; use a chat backend with logprobs`,
    );
  }
  const signal = opts.signal ? { signal: opts.signal } : {};
  const results = await runPool(
    items,
    async (item): Promise<Scored> => {
      const gen = await opts.backend.generate(groundedMessages(item.question), {
        ...CULTUREBANK_GENERATION,
        ...signal,
      });
      // grounded_eval_gpt.py keeps `message.content.strip()`.
      const answer = gen.text.trim();
      const judged = await opts.judge.topLogprobs(judgeMessages(answer, item.knowledge), {
        k: CULTUREBANK_JUDGE_K,
        ...signal,
      });
      const { yes, no } = yesNoProbability(judged.tokens.slice(0, CULTUREBANK_JUDGE_K));
      return {
        source: item.source,
        yes,
        no,
        ...(gen.serverModel !== undefined ? { serverModel: gen.serverModel } : {}),
        ...(judged.serverModel !== undefined ? { judgeModel: judged.serverModel } : {}),
      };
    },
    {
      concurrency: opts.concurrency,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...signal,
    },
  );
  const failures: ItemFailure[] = [];
  const scored: Scored[] = [];
  let serverModel: string | null = null;
  let judgeModel: string | null = null;
  results.forEach((r, i) => {
    if (!r.ok) {
      failures.push({ id: items[i]?.id ?? String(i), error: r.error });
      return;
    }
    serverModel ??= r.value.serverModel ?? null;
    judgeModel ??= r.value.judgeModel ?? null;
    scored.push(r.value);
  });
  const boot = { seed: opts.seed ?? 0, ...(opts.resamples ? { resamples: opts.resamples } : {}) };
  const rows: ResultRow[] = [];
  for (const s of SOURCES) {
    const values = scored.filter((x) => x.source === s.source).map((x) => x.yes);
    if (values.length === 0) continue;
    rows.push(
      rowFromUnitEstimate(
        { benchmark: "culturebank", metric: s.metric, group: null, variant: "culturebank" },
        bootstrapMean(values, boot),
      ),
    );
  }
  // "letter mass": the probability the judge's top-5 put on Yes or No.
  const masses = scored.map((x) => Math.min(1, x.yes + x.no));
  const neither = scored.filter((x) => x.yes === 0 && x.no === 0).length;
  return {
    benchmark: "culturebank",
    templates: { culturebank: CULTUREBANK_TEMPLATE, judge: CULTUREBANK_JUDGE_TEMPLATE },
    config: {
      data: [...opts.data],
      limit: opts.limit ?? null,
      seed: opts.seed ?? 0,
      judge: opts.judgeSpec,
      judge_backend: opts.judge.name,
      judge_base_url: opts.judge.baseUrl ?? null,
      judge_server_model: judgeModel,
      judge_top_k: CULTUREBANK_JUDGE_K,
      temperature: CULTUREBANK_GENERATION.temperature,
      top_p: CULTUREBANK_GENERATION.topP,
      max_tokens: CULTUREBANK_GENERATION.maxTokens,
      judge_neither_yes_nor_no: neither,
    },
    total: items.length,
    failures,
    mass: {
      mean: masses.length === 0 ? null : masses.reduce((a, b) => a + b, 0) / masses.length,
      low: masses.filter((m) => m < LOW_MASS_THRESHOLD).length,
      threshold: LOW_MASS_THRESHOLD,
      n: masses.length,
    },
    serverModel,
    excluded: {},
    results: rows,
  };
}
