import { basename } from "node:path";
import { leaderboard, readResultsFile } from "../eval/leaderboard.js";
import type { ResultRow, ResultsFile } from "../eval/results.js";
import type { GroupScore } from "./charts.js";

/** A leaderboard cell: the value with its n and bootstrap 95% interval (× 100). */
export interface LeaderboardCell {
  value: number;
  n: number;
  ci95: [number, number];
}

/** Per-group scores of one (benchmark, metric, variant), e.g. steerability per steering group. */
export interface GroupChart {
  title: string;
  metric: string;
  rows: GroupScore[];
}

export interface EvaluationInfo {
  files: { path: string; benchmark: string; model: string; baseline: boolean }[];
  columns: string[];
  rows: { model: string; cells: (LeaderboardCell | null)[] }[];
  groups: GroupChart[];
}

/**
 * The column of a population-level row, as `leaderboard()` (eval/leaderboard.ts) names it; the
 * report's tests check that the two agree.
 */
export function leaderboardColumn(r: ResultRow): string {
  return `${r.benchmark} ${r.metric} (${r.variant})`;
}

/** Reads results files (`avakit eval --out`) into the leaderboard and the per-group charts. */
export async function readEvaluation(paths: readonly string[]): Promise<EvaluationInfo> {
  const files: ResultsFile[] = [];
  for (const p of paths) files.push(await readResultsFile(p));
  return evaluationOf(files, paths);
}

/**
 * Table 2 from `leaderboard()` (one row per model, later files win a shared column), each cell
 * with the interval of the row it came from; and every metric reported per group as a chart,
 * steerability first.
 */
export function evaluationOf(
  files: readonly ResultsFile[],
  paths: readonly string[] = [],
): EvaluationInfo {
  const table = leaderboard(files);
  const cells = new Map<string, Map<string, LeaderboardCell>>();
  const groups = new Map<string, GroupChart>();
  for (const f of files) {
    const byColumn = cells.get(f.model.spec) ?? new Map<string, LeaderboardCell>();
    cells.set(f.model.spec, byColumn);
    for (const r of f.results) {
      // Behavior-task rows (ava-tasks) belong to the per-task tables, not to Table 2's columns.
      if (r.task !== undefined && r.task !== null) continue;
      if (r.group === null) {
        byColumn.set(leaderboardColumn(r), { value: r.value, n: r.n, ci95: r.ci95 });
        continue;
      }
      const key = leaderboardColumn(r);
      const chart = groups.get(key) ?? { title: key, metric: r.metric, rows: [] };
      groups.set(key, chart);
      const row = {
        model: f.model.spec,
        group: r.group,
        value: r.value,
        lo: r.ci95[0],
        hi: r.ci95[1],
      };
      // A later file of the same model replaces its earlier score for the group.
      const at = chart.rows.findIndex((x) => x.model === row.model && x.group === row.group);
      if (at >= 0) chart.rows[at] = row;
      else chart.rows.push(row);
    }
  }
  return {
    files: files.map((f, i) => ({
      path: basename(paths[i] ?? `results-${i + 1}.json`),
      benchmark: f.benchmark,
      model: f.model.spec,
      baseline: f.model.backend === "uniform" || f.model.backend === "human",
    })),
    columns: table.columns,
    rows: table.rows.map((r) => ({
      model: r.model,
      cells: table.columns.map((c) => cells.get(r.model)?.get(c) ?? null),
    })),
    groups: [...groups.values()].sort(
      (a, b) => Number(b.metric === "steerability") - Number(a.metric === "steerability"),
    ),
  };
}
