import { readFile } from "node:fs/promises";
import { AvakitError, errorMessage } from "../core/errors.js";
import { RESULTS_FORMAT, type ResultsFile } from "./results.js";

/**
 * A Table 2-style comparison: one row per model (its `--model` spec), one column per
 * (benchmark, metric[, variant]) over the whole population (rows with `group` null). Several
 * results files of one model (one per benchmark) merge into its row; when two give the same
 * column, the later file wins.
 */

export interface Leaderboard {
  columns: string[];
  rows: { model: string; cells: (number | null)[] }[];
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
      if (r.group !== null) continue;
      const col = `${r.benchmark} ${r.metric} (${r.variant})`;
      if (!columns.includes(col)) columns.push(col);
      cells.set(col, r.value);
    }
  }
  return {
    columns,
    rows: [...byModel].map(([model, cells]) => ({
      model,
      cells: columns.map((c) => cells.get(c) ?? null),
    })),
  };
}

const fmt = (v: number | null) => (v === null ? "" : v.toFixed(2));

export function leaderboardMarkdown(t: Leaderboard): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const lines = [
    `| model | ${t.columns.map(esc).join(" | ")} |`,
    `| --- |${t.columns.map(() => " ---: |").join("")}`,
    ...t.rows.map((r) => `| ${esc(r.model)} | ${r.cells.map((c) => fmt(c) || "–").join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n`;
}

export function leaderboardCsv(t: Leaderboard): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [
    ["model", ...t.columns].map(q).join(","),
    ...t.rows.map((r) => [q(r.model), ...r.cells.map(fmt)].join(",")),
  ];
  return `${lines.join("\n")}\n`;
}
