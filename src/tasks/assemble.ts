/**
 * The assemble stage of `avakit build`: reads every shard's work file with DuckDB, balances the
 * TAP test sets, applies --sample, adds mixed chat data, and writes the split files in bounded
 * shards, ordered by record id so that the same inputs and seed give byte-identical files.
 */
import { join } from "node:path";
import { AvakitError } from "../core/errors.js";
import type { Store } from "../store/store.js";
import type { BuildConfig } from "./config.js";
import { WORK_RECORD_COLUMNS } from "./records.js";
import { SPLITS, type Split } from "./splits.js";

export interface AssembledFile {
  /** Path relative to the dataset folder, e.g. data/train-00000.parquet. */
  path: string;
  split: Split;
  records: number;
}

export interface AssembleResult {
  files: AssembledFile[];
  /** Final records per task per split. */
  counts: Record<string, Partial<Record<Split, number>>>;
  /** TAP test records removed to balance the answer classes, per split and task. */
  balancedAway: Record<string, number>;
  /** Train records left out by --sample. */
  sampledAway: number;
  mixed: number;
}

function lit(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * `workFiles`: the shard files; `mixFile`: an optional work file of mixed chat records (split
 * train, task MIX, `messages` set) whose count is decided by the caller from `trainCount`.
 */
export async function assemble(
  store: Store,
  cfg: BuildConfig,
  workFiles: string[],
  outDir: string,
  mix: ((trainCount: number) => Promise<string | null>) | null,
): Promise<AssembleResult> {
  const columns = WORK_RECORD_COLUMNS.map(([n, t]) => `${n}: '${t}'`).join(", ");
  const read = (files: string[]) =>
    `read_json([${files.map(lit).join(", ")}], format = 'newline_delimited', columns = {${columns}})`;
  for (const t of ["build_work", "build_keep", "build_order"])
    await store.run(`DROP TABLE IF EXISTS temp.${t}`);
  await store.run(`CREATE TEMP TABLE build_work AS SELECT * FROM ${read(workFiles)}`);

  // Which records stay, decided on a slim table (no text) so that DuckDB's windows stay small.
  // Balanced TAP test sets: per (split, task) keep, from every answer class, as many records as
  // the rarest class has, the ones with the smallest seeded priority.
  const balance = cfg.balanceTapTest
    ? `split <> 'train' AND task LIKE 'TAP-%' AND answer_class IS NOT NULL`
    : "false";
  await store.run(`
    CREATE TEMP TABLE build_keep AS
    WITH r AS (
      SELECT id, split, task, prio, ${balance} AS balanced,
        count(*) OVER (PARTITION BY split, task, answer_class) AS class_n,
        row_number() OVER (PARTITION BY split, task, answer_class ORDER BY prio, id) AS class_rank
      FROM build_work
    ),
    m AS (SELECT split, task, min(class_n) AS keep FROM r WHERE balanced GROUP BY split, task)
    SELECT id, split, task, prio FROM r LEFT JOIN m USING (split, task)
    WHERE NOT r.balanced OR r.class_rank <= m.keep`);
  const away = await store.query<{ split: string; task: string; n: string }>(`
    SELECT w.split, w.task, count(*) - coalesce(any_value(k.n), 0) AS n
    FROM build_work w LEFT JOIN (SELECT split, task, count(*) AS n FROM build_keep GROUP BY ALL) k USING (split, task)
    GROUP BY w.split, w.task HAVING count(*) <> coalesce(any_value(k.n), 0)`);
  const balancedAway: Record<string, number> = {};
  for (const a of away) balancedAway[`${a.split}/${a.task}`] = Number(a.n);

  const count = async (where: string): Promise<number> => {
    const r = await store.query<{ n: string }>(
      `SELECT count(*) AS n FROM build_keep WHERE ${where}`,
    );
    return Number(r[0]!.n);
  };
  let sampledAway = 0;
  if (cfg.sample !== null) {
    const train = await count("split = 'train'");
    if (train < cfg.sample)
      throw new AvakitError(
        `--sample ${cfg.sample} asks for more train records than the build has (${train}); lower it or build from more ads`,
      );
    // The records with the smallest seeded priority (balancing uses it on test splits only).
    await store.run(`
      DELETE FROM build_keep WHERE split = 'train' AND id NOT IN (
        SELECT id FROM build_keep WHERE split = 'train' ORDER BY prio, id LIMIT ${cfg.sample})`);
    sampledAway = train - cfg.sample;
  }

  let mixed = 0;
  if (mix) {
    const file = await mix(await count("split = 'train'"));
    if (file) {
      await store.run(`INSERT INTO build_work BY NAME SELECT * FROM ${read([file])}`);
      await store.run(
        `INSERT INTO build_keep SELECT id, split, task, prio FROM build_work WHERE task = 'MIX'`,
      );
      mixed = await count("task = 'MIX'");
    }
  }

  await store.run(`
    CREATE TEMP TABLE build_order AS
    SELECT id, split, row_number() OVER (PARTITION BY split ORDER BY id) AS rn FROM build_keep`);
  const messages = `coalesce(w.messages, [
      {'role': 'user', 'content': w.prompt}, {'role': 'assistant', 'content': w.response}
    ]) AS messages`;
  const select = `w.id, w.task, w.split, w.prompt, w.response, ${messages}, w.ad_ids, w.page_id, w.meta`;

  const files: AssembledFile[] = [];
  const ext = cfg.format === "parquet" ? "parquet" : "jsonl";
  const format = cfg.format === "parquet" ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT json";
  for (const split of SPLITS) {
    const r = await store.query<{ n: string }>(
      `SELECT count(*) AS n FROM build_order WHERE split = ${lit(split)}`,
    );
    const total = Number(r[0]!.n);
    for (let i = 0, lo = 0; lo < total; i++, lo += cfg.maxRecordsPerFile) {
      const rel = `data/${split}-${String(i).padStart(5, "0")}.${ext}`;
      await store.run(
        `COPY (SELECT ${select} FROM build_work w JOIN build_order o USING (id)
          WHERE o.split = ${lit(split)} AND o.rn > ${lo} AND o.rn <= ${lo + cfg.maxRecordsPerFile}
          ORDER BY o.rn) TO ${lit(join(outDir, rel))} (${format})`,
      );
      files.push({ path: rel, split, records: Math.min(cfg.maxRecordsPerFile, total - lo) });
    }
  }

  const rows = await store.query<{ task: string; split: Split; n: string }>(
    "SELECT task, split, count(*) AS n FROM build_keep GROUP BY ALL ORDER BY task, split",
  );
  const counts: AssembleResult["counts"] = {};
  for (const r of rows) {
    const c = counts[r.task] ?? {};
    c[r.split] = Number(r.n);
    counts[r.task] = c;
  }
  for (const t of ["build_order", "build_keep", "build_work"])
    await store.run(`DROP TABLE temp.${t}`);
  return { files, counts, balancedAway, sampledAway, mixed };
}
