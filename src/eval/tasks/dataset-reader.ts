/**
 * Reading a split of an AVA dataset folder (`avakit build --out DIR`: data/{split}-NNNNN.parquet
 * or .jsonl, manifest.json) for evaluation, through DuckDB. The files are checked against the
 * manifest's sha256 first (train/dataset.ts), so a truncated copy stops here.
 */
import { join } from "node:path";
import { AvakitError } from "../../core/errors.js";
import { Store } from "../../store/store.js";
import { TASK_CODES } from "../../tasks/types.js";
import { type DatasetFile, readDatasetInfo, splitCounts, splitFiles } from "../../train/dataset.js";

/** One dataset record as the evaluator needs it. */
export interface TaskRecord {
  id: string;
  task: string;
  split: string;
  prompt: string;
  response: string;
  ad_ids: string[];
  page_id: string;
  /** `meta` parsed (a JSON string in parquet, an object in JSON Lines). */
  meta: Record<string, unknown>;
}

export interface ReadSplitOptions {
  /** Only these tasks (default: every task the split has). */
  tasks?: readonly string[];
  /** Only the first N records of each task, in id order (ids are content hashes: a fixed, unbiased order). */
  limitPerTask?: number;
}

const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;

const JSONL_COLUMNS = `{id: 'VARCHAR', task: 'VARCHAR', split: 'VARCHAR', prompt: 'VARCHAR', response: 'VARCHAR', ad_ids: 'VARCHAR[]', page_id: 'VARCHAR', meta: 'JSON'}`;

/** SQL over the split's files (parquet and JSON Lines alike), with `meta` as text. */
function splitSql(dir: string, files: readonly DatasetFile[]): string {
  const cols = "id, task, split, prompt, response, ad_ids, page_id, meta::VARCHAR AS meta";
  const parquet = files
    .filter((f) => f.path.endsWith(".parquet"))
    .map((f) => lit(join(dir, f.path)));
  const jsonl = files.filter((f) => f.path.endsWith(".jsonl")).map((f) => lit(join(dir, f.path)));
  const other = files.find((f) => !f.path.endsWith(".parquet") && !f.path.endsWith(".jsonl"));
  if (other) throw new AvakitError(`${other.path}: not a .parquet or .jsonl data file`);
  const parts: string[] = [];
  if (parquet.length) parts.push(`SELECT ${cols} FROM read_parquet([${parquet.join(", ")}])`);
  if (jsonl.length) {
    parts.push(
      `SELECT ${cols} FROM read_json([${jsonl.join(", ")}], format = 'newline_delimited', columns = ${JSONL_COLUMNS})`,
    );
  }
  return parts.join(" UNION ALL ");
}

function parseMeta(id: string, text: unknown): Record<string, unknown> {
  if (text === null || text === undefined) return {};
  if (typeof text === "object") return text as Record<string, unknown>;
  try {
    const v = JSON.parse(String(text)) as unknown;
    return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch (err) {
    throw new AvakitError(`record ${id}: meta is not JSON`, { cause: err });
  }
}

/** Checks task codes against Table A3's 18; an unknown one is an error naming the known ones. */
export function checkTaskCodes(tasks: readonly string[]): void {
  const bad = tasks.filter((t) => !(TASK_CODES as readonly string[]).includes(t));
  if (bad.length > 0) {
    throw new AvakitError(
      `unknown task${bad.length > 1 ? "s" : ""} ${bad.map((t) => `"${t}"`).join(", ")}: use ${TASK_CODES.join(", ")}`,
    );
  }
}

/**
 * The records of `split`, ordered by task (Table A3 order) then id. An empty split, or a
 * requested task the split lacks, is an AvakitError naming what the dataset has.
 */
export async function readSplitRecords(
  datasetDir: string,
  split: string,
  opts: ReadSplitOptions = {},
): Promise<TaskRecord[]> {
  if (opts.tasks) checkTaskCodes(opts.tasks);
  const info = readDatasetInfo(datasetDir);
  if (!(split in splitCounts(info))) {
    const have = Object.keys(splitCounts(info));
    throw new AvakitError(
      `${datasetDir} has no split "${split}"; its splits: ${have.length ? have.join(", ") : "none"}`,
    );
  }
  const files = await splitFiles(info, split);
  const where: string[] = [];
  if (opts.tasks && opts.tasks.length > 0)
    where.push(`task IN (${opts.tasks.map(lit).join(", ")})`);
  const limit =
    opts.limitPerTask !== undefined
      ? `QUALIFY row_number() OVER (PARTITION BY task ORDER BY id) <= ${Math.floor(opts.limitPerTask)}`
      : "";
  const sql = `SELECT * FROM (${splitSql(info.dir, files)}) ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ${limit} ORDER BY task, id`;
  const store = await Store.open(":memory:");
  let rows: (Omit<TaskRecord, "meta"> & { meta: unknown })[];
  try {
    rows = await store.query(sql);
  } catch (err) {
    throw new AvakitError(
      `cannot read split "${split}" of ${datasetDir}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  } finally {
    store.close();
  }
  const records = rows.map((r) => ({ ...r, meta: parseMeta(r.id, r.meta) }));
  const order = (t: string) => (TASK_CODES as readonly string[]).indexOf(t);
  records.sort((a, b) => order(a.task) - order(b.task) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (opts.tasks && opts.tasks.length > 0) {
    const present = new Set(records.map((r) => r.task));
    const missing = opts.tasks.filter((t) => !present.has(t));
    if (missing.length > 0) {
      const have = await tasksInSplit(info.dir, files);
      throw new AvakitError(
        `split "${split}" of ${datasetDir} has no records of ${missing.join(", ")}; tasks it has: ${have.length ? have.join(", ") : "none"}`,
      );
    }
  }
  if (records.length === 0) {
    throw new AvakitError(`split "${split}" of ${datasetDir} has no records`);
  }
  return records;
}

async function tasksInSplit(dir: string, files: readonly DatasetFile[]): Promise<string[]> {
  const store = await Store.open(":memory:");
  try {
    const rows = await store.query<{ task: string; n: number }>(
      `SELECT task, count(*) AS n FROM (${splitSql(dir, files)}) GROUP BY task ORDER BY task`,
    );
    return rows.map((r) => `${r.task} (${r.n})`);
  } finally {
    store.close();
  }
}

/** A few-shot pool: up to `perTask` train records of each task, a seeded sample (md5 order). */
export async function readFewShotPool(
  datasetDir: string,
  tasks: readonly string[],
  perTask: number,
  seed: number,
  split = "train",
): Promise<Map<string, { id: string; prompt: string; response: string }[]>> {
  const info = readDatasetInfo(datasetDir);
  const out = new Map<string, { id: string; prompt: string; response: string }[]>();
  if ((splitCounts(info)[split] ?? 0) === 0) {
    throw new AvakitError(
      `--shots needs examples from the "${split}" split, but ${datasetDir} has no ${split} records`,
    );
  }
  const files = await splitFiles(info, split);
  const store = await Store.open(":memory:");
  try {
    const rows = await store.query<{ id: string; task: string; prompt: string; response: string }>(
      `SELECT id, task, prompt, response FROM (${splitSql(info.dir, files)})
       WHERE task IN (${tasks.map(lit).join(", ")})
       QUALIFY row_number() OVER (PARTITION BY task ORDER BY md5(${lit(`${seed}:`)} || id)) <= ${Math.floor(perTask)}
       ORDER BY task, md5(${lit(`${seed}:`)} || id)`,
    );
    for (const r of rows) {
      const list = out.get(r.task) ?? [];
      list.push({ id: r.id, prompt: r.prompt, response: r.response });
      out.set(r.task, list);
    }
  } finally {
    store.close();
  }
  return out;
}
