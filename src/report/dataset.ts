import { existsSync, readFileSync } from "node:fs";
import { join, normalize, sep } from "node:path";
import { AvakitError, errorMessage } from "../core/errors.js";
import { Store } from "../store/store.js";
import { taskFacetsText } from "../tasks/card.js";
import { SPLITS, type Split } from "../tasks/splits.js";
import { TASK_CODES } from "../tasks/types.js";

/** The largest prompt or response shown for an example record (longer ones are cut, saying so). */
export const EXAMPLE_CHARS = 4000;

export interface ExampleRecord {
  task: string;
  split: string;
  id: string;
  prompt: string;
  response: string;
}

export interface DatasetInfo {
  dir: string;
  records: number;
  counts: Record<string, Partial<Record<Split, number>>>;
  /** `taskTable`: header row, one row per task, Total row. */
  table: string[][];
  embedder: string | null;
  synthetic: string | null;
  /** One record per task: the first of the earliest split, by id. */
  examples: ExampleRecord[];
}

interface Manifest {
  counts?: Record<string, Partial<Record<Split, number>>>;
  embedder?: string | null;
  inputs?: { synthetic?: string };
  files?: { path: string; split: string; records: number }[];
}

/** Reads a built dataset folder (`avakit build --out`): manifest.json and one record per task. */
export async function readDataset(dir: string): Promise<DatasetInfo> {
  const file = join(dir, "manifest.json");
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8")) as Manifest;
  } catch (err) {
    throw new AvakitError(`--dataset ${dir}: cannot read manifest.json (${errorMessage(err)})`, {
      cause: err,
    });
  }
  if (!manifest.counts || typeof manifest.counts !== "object") {
    throw new AvakitError(`--dataset ${dir}: manifest.json has no task × split counts`);
  }
  const counts = manifest.counts;
  const table = taskTable(counts);
  const records = Number(table[table.length - 1]!.at(-1));
  return {
    dir,
    records,
    counts,
    table,
    embedder: manifest.embedder ?? null,
    synthetic: manifest.inputs?.synthetic ?? null,
    examples: await exampleRecords(dir, manifest.files ?? []),
  };
}

async function exampleRecords(
  dir: string,
  files: Manifest["files"] & {},
): Promise<ExampleRecord[]> {
  const inside = files
    .map((f) => normalize(f.path))
    .filter((p) => !p.startsWith("..") && !p.startsWith(sep) && existsSync(join(dir, p)));
  const parquet = inside.filter((p) => p.endsWith(".parquet")).map((p) => join(dir, p));
  const jsonl = inside.filter((p) => p.endsWith(".jsonl")).map((p) => join(dir, p));
  const sources = [
    ...(parquet.length
      ? [`SELECT task, split, id, prompt, response FROM read_parquet(${list(parquet)})`]
      : []),
    ...(jsonl.length
      ? [
          `SELECT task, split, id, prompt, response FROM read_json(${list(jsonl)}, format = 'newline_delimited', columns = {task: 'VARCHAR', split: 'VARCHAR', id: 'VARCHAR', prompt: 'VARCHAR', response: 'VARCHAR'})`,
        ]
      : []),
  ];
  if (sources.length === 0) return [];
  const splitOrder = `CASE split ${SPLITS.map((s, i) => `WHEN ${lit(s)} THEN ${i}`).join(" ")} ELSE ${SPLITS.length} END`;
  const mem = await Store.open(":memory:");
  try {
    const rows = await mem.query<ExampleRecord>(
      `SELECT task, split, id, left(prompt, ${EXAMPLE_CHARS + 1}) AS prompt, left(response, ${EXAMPLE_CHARS + 1}) AS response
       FROM (${sources.join(" UNION ALL ")})
       QUALIFY row_number() OVER (PARTITION BY task ORDER BY ${splitOrder}, id) = 1
       ORDER BY task`,
    );
    return rows;
  } catch (err) {
    throw new AvakitError(`--dataset ${dir}: cannot read its records (${errorMessage(err)})`, {
      cause: err,
    });
  } finally {
    mem.close();
  }
}

/**
 * The task × split table in Table A3's layout, as `taskSplitTable` (tasks/card.ts) prints it:
 * header, one row per task present (paper order, then MIX), then a Total row.
 */
export function taskTable(counts: DatasetInfo["counts"]): string[][] {
  const tasks = [...TASK_CODES, "MIX", ...Object.keys(counts).sort()].filter(
    (t, i, all) => counts[t] && all.indexOf(t) === i,
  );
  const rows = tasks.map((t) => {
    const cells = SPLITS.map((s) => counts[t]![s] ?? 0);
    const f = taskFacetsText(t);
    return [t, f.constants, f.variable, ...cells.map(String), String(sum(cells))];
  });
  const totals = SPLITS.map((s) => sum(tasks.map((t) => counts[t]![s] ?? 0)));
  return [
    ["Task", "Constants", "Variable", ...SPLITS, "total"],
    ...rows,
    ["Total", "", "", ...totals.map(String), String(sum(totals))],
  ];
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function lit(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function list(paths: string[]): string {
  return `[${paths.map(lit).join(", ")}]`;
}
