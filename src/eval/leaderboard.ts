import { readFile } from "node:fs/promises";
import { AvakitError, errorMessage } from "../core/errors.js";
import { TASK_CODES } from "../tasks/types.js";
import { RESULTS_FORMAT, type ResultsFile, type TaskSummary } from "./results.js";

/**
 * A Table 2-style comparison: one row per model (its `--model` spec), one column per
 * (benchmark, metric[, variant]) over the whole population (rows with `group` null). Several
 * results files of one model (one per benchmark) merge into its row; when two give the same
 * column, the later file wins.
 *
 * AVA task results (benchmark "ava-tasks") are not columns of that table: they become one table
 * per (task, split) in the layout of Tables A5–A18 (models as rows; BLEU-1..4, ROUGE-L,
 * BERTScore, PPL, Δ PPL for generation tasks; accuracy, random accuracy, unparseable answers for
 * TAP tasks), with n. A metric that could not be computed is an empty cell.
 */

export interface Leaderboard {
  columns: string[];
  rows: { model: string; cells: (number | null)[] }[];
  /** ava-tasks: one table per task and split, in Table A3 order. */
  taskTables?: TaskTable[];
}

export interface TaskTable {
  task: string;
  split: string;
  columns: string[];
  rows: { model: string; cells: (number | null)[] }[];
}

const GENERATION_COLUMNS: [string, (s: TaskSummary) => number | null | undefined][] = [
  ["BLEU-1", (s) => s.bleu_1],
  ["BLEU-2", (s) => s.bleu_2],
  ["BLEU-3", (s) => s.bleu_3],
  ["BLEU-4", (s) => s.bleu_4],
  ["ROUGE-L", (s) => s.rouge_l],
  ["BERTScore", (s) => s.bertscore_f1?.value],
  ["PPL", (s) => s.ppl?.value],
  ["Δ PPL", (s) => s.delta_ppl?.value],
  ["n", (s) => s.n],
];

const PREDICTION_COLUMNS: [string, (s: TaskSummary) => number | null | undefined][] = [
  ["Accuracy", (s) => s.accuracy],
  ["Random", (s) => s.random_accuracy],
  ["Unparseable", (s) => s.unparseable],
  ["n", (s) => s.n],
];

const TASK_ORDER: readonly string[] = TASK_CODES;

/** Tables A5–A18 from the ava-tasks files: per (task, split), one row per model. */
export function taskTables(files: readonly ResultsFile[]): TaskTable[] {
  const tables = new Map<string, TaskTable>();
  for (const f of files) {
    if (f.benchmark !== "ava-tasks" || !f.tasks) continue;
    const split = String(f.config.split ?? "");
    for (const [task, s] of Object.entries(f.tasks)) {
      const key = `${task}\u0000${split}`;
      const cols = s.kind === "generation" ? GENERATION_COLUMNS : PREDICTION_COLUMNS;
      const t = tables.get(key) ?? { task, split, columns: cols.map(([c]) => c), rows: [] };
      tables.set(key, t);
      const model = s.metric_variant ? `${f.model.spec} (${s.metric_variant})` : f.model.spec;
      const row = { model, cells: cols.map(([, get]) => get(s) ?? null) };
      const at = t.rows.findIndex((r) => r.model === model);
      if (at >= 0) t.rows[at] = row;
      else t.rows.push(row);
    }
  }
  const order = (t: string) => {
    const i = TASK_ORDER.indexOf(t);
    return i < 0 ? TASK_ORDER.length : i;
  };
  return [...tables.values()].sort(
    (a, b) =>
      order(a.task) - order(b.task) ||
      a.task.localeCompare(b.task) ||
      a.split.localeCompare(b.split),
  );
}

export async function readResultsFile(path: string): Promise<ResultsFile> {
  let r: Partial<ResultsFile>;
  try {
    r = JSON.parse(await readFile(path, "utf8")) as Partial<ResultsFile>;
  } catch (err) {
    throw new AvakitError(`${path}: cannot read results (${errorMessage(err)})`, { cause: err });
  }
  if (r.format !== RESULTS_FORMAT || !Array.isArray(r.results) || !r.model) {
    throw new AvakitError(`${path}: not an avakit results.json (format ${RESULTS_FORMAT})`);
  }
  return r as ResultsFile;
}

export function leaderboard(files: readonly ResultsFile[]): Leaderboard {
  const columns: string[] = [];
  const byModel = new Map<string, Map<string, number>>();
  for (const f of files) {
    const cells = byModel.get(f.model.spec) ?? new Map<string, number>();
    byModel.set(f.model.spec, cells);
    for (const r of f.results) {
      if (r.group !== null || r.task !== undefined) continue;
      const col = `${r.benchmark} ${r.metric} (${r.variant})`;
      if (!columns.includes(col)) columns.push(col);
      cells.set(col, r.value);
    }
  }
  const tasks = taskTables(files);
  return {
    columns,
    rows: [...byModel]
      .filter(([, cells]) => columns.length === 0 || cells.size > 0 || tasks.length === 0)
      .map(([model, cells]) => ({
        model,
        cells: columns.map((c) => cells.get(c) ?? null),
      })),
    ...(tasks.length > 0 ? { taskTables: tasks } : {}),
  };
}

const fmt = (v: number | null) => (v === null ? "" : v.toFixed(2));

function markdownTable(columns: readonly string[], rows: Leaderboard["rows"]): string[] {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const cell = (c: number | null, col: string) =>
    c === null
      ? "–"
      : col === "n" || col === "Unparseable"
        ? String(c)
        : col === "BERTScore"
          ? c.toFixed(4)
          : fmt(c);
  return [
    `| model | ${columns.map(esc).join(" | ")} |`,
    `| --- |${columns.map(() => " ---: |").join("")}`,
    ...rows.map(
      (r) => `| ${esc(r.model)} | ${r.cells.map((c, i) => cell(c, columns[i]!)).join(" | ")} |`,
    ),
  ];
}

export function leaderboardMarkdown(t: Leaderboard): string {
  const parts: string[] = [];
  if (t.columns.length > 0 || !t.taskTables)
    parts.push(markdownTable(t.columns, t.rows).join("\n"));
  for (const tt of t.taskTables ?? []) {
    parts.push(
      [`### ${tt.task} (${tt.split})`, "", ...markdownTable(tt.columns, tt.rows)].join("\n"),
    );
  }
  return `${parts.join("\n\n")}\n`;
}

export function leaderboardCsv(t: Leaderboard): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const blocks: string[] = [];
  if (t.columns.length > 0 || !t.taskTables) {
    const lines = [
      ["model", ...t.columns].map(q).join(","),
      ...t.rows.map((r) => [q(r.model), ...r.cells.map(fmt)].join(",")),
    ];
    blocks.push(lines.join("\n"));
  }
  if (t.taskTables) {
    // Long form: one line per (task, split, model) over the union of the tables' columns; after
    // the opinion table and a blank line when both are there.
    const cols: string[] = [];
    for (const tt of t.taskTables) for (const c of tt.columns) if (!cols.includes(c)) cols.push(c);
    const lines = [["task", "split", "model", ...cols].map(q).join(",")];
    for (const tt of t.taskTables) {
      for (const r of tt.rows) {
        const byCol = new Map(tt.columns.map((c, i) => [c, r.cells[i] ?? null]));
        lines.push(
          [q(tt.task), q(tt.split), q(r.model), ...cols.map((c) => fmt(byCol.get(c) ?? null))].join(
            ",",
          ),
        );
      }
    }
    blocks.push(lines.join("\n"));
  }
  return `${blocks.join("\n\n")}\n`;
}
