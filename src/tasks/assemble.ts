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

const OUTPUT_COLUMNS = "id, task, split, prompt, response, messages, ad_ids, page_id, meta";

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
  await store.run("DROP TABLE IF EXISTS temp.build_work");
  await store.run("DROP TABLE IF EXISTS temp.build_final");
  await store.run(`CREATE TEMP TABLE build_work AS SELECT * FROM ${read(workFiles)}`);

  // Balanced TAP test sets: per (split, task) keep, from every answer class, as many records as
  // the rarest class has, the ones with the smallest seeded priority.
  const balance = cfg.balanceTapTest
    ? `split <> 'train' AND task LIKE 'TAP-%' AND answer_class IS NOT NULL`
    : "false";
  await store.run(`
    CREATE TEMP TABLE build_final AS
    WITH r AS (
      SELECT *, ${balance} AS balanced,
        count(*) OVER (PARTITION BY split, task, answer_class) AS class_n,
        row_number() OVER (PARTITION BY split, task, answer_class ORDER BY prio, id) AS class_rank
      FROM build_work
    ),
    m AS (SELECT split, task, min(class_n) AS keep FROM r WHERE balanced GROUP BY split, task)
    SELECT r.* EXCLUDE (balanced, class_n, class_rank, prio),
      r.prio AS prio
    FROM r LEFT JOIN m USING (split, task)
    WHERE NOT r.balanced OR r.class_rank <= m.keep`);
  const away = await store.query<{ split: string; task: string; n: string }>(`
    SELECT w.split, w.task, count(*) - coalesce(any_value(f.n), 0) AS n
    FROM build_work w LEFT JOIN (SELECT split, task, count(*) AS n FROM build_final GROUP BY ALL) f USING (split, task)
    GROUP BY w.split, w.task HAVING count(*) <> coalesce(any_value(f.n), 0)`);
  const balancedAway: Record<string, number> = {};
  for (const a of away) balancedAway[`${a.split}/${a.task}`] = Number(a.n);
  await store.run("DROP TABLE temp.build_work");

  let sampledAway = 0;
  if (cfg.sample !== null) {
    const [{ n }] = (await store.query<{ n: string }>(
      "SELECT count(*) AS n FROM build_final WHERE split = 'train'",
    )) as [{ n: string }];
    const train = Number(n);
    if (train < cfg.sample)
      throw new AvakitError(
        `--sample ${cfg.sample} asks for more train records than the build has (${train}); lower it or build from more ads`,
      );
    // The records with the smallest seeded priority (balancing uses it on test splits only).
    await store.run(`
      DELETE FROM build_final WHERE split = 'train' AND id NOT IN (
        SELECT id FROM build_final WHERE split = 'train' ORDER BY prio, id LIMIT ${cfg.sample})`);
    sampledAway = train - cfg.sample;
  }

  let mixed = 0;
  if (mix) {
    const [{ n }] = (await store.query<{ n: string }>(
      "SELECT count(*) AS n FROM build_final WHERE split = 'train'",
    )) as [{ n: string }];
    const file = await mix(Number(n));
    if (file) {
      await store.run(`INSERT INTO build_final BY NAME SELECT * FROM ${read([file])}`);
      const [{ m }] = (await store.query<{ m: string }>(
        "SELECT count(*) AS m FROM build_final WHERE task = 'MIX'",
      )) as [{ m: string }];
      mixed = Number(m);
    }
  }

  await store.run(`
    UPDATE build_final SET messages = [
      {'role': 'user', 'content': prompt}, {'role': 'assistant', 'content': response}
    ] WHERE messages IS NULL`);

  const files: AssembledFile[] = [];
  const ext = cfg.format === "parquet" ? "parquet" : "jsonl";
  const format = cfg.format === "parquet" ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT json";
  for (const split of SPLITS) {
    const [{ n }] = (await store.query<{ n: string }>(
      `SELECT count(*) AS n FROM build_final WHERE split = ${lit(split)}`,
    )) as [{ n: string }];
    const total = Number(n);
    if (total === 0) continue;
    await store.run("DROP TABLE IF EXISTS temp.build_split");
    await store.run(
      `CREATE TEMP TABLE build_split AS SELECT row_number() OVER (ORDER BY id) AS rn, ${OUTPUT_COLUMNS} FROM build_final WHERE split = ${lit(split)}`,
    );
    for (let i = 0, lo = 0; lo < total; i++, lo += cfg.maxRecordsPerFile) {
      const rel = `data/${split}-${String(i).padStart(5, "0")}.${ext}`;
      await store.run(
        `COPY (SELECT ${OUTPUT_COLUMNS} FROM build_split WHERE rn > ${lo} AND rn <= ${lo + cfg.maxRecordsPerFile} ORDER BY rn) TO ${lit(join(outDir, rel))} (${format})`,
      );
      files.push({ path: rel, split, records: Math.min(cfg.maxRecordsPerFile, total - lo) });
    }
    await store.run("DROP TABLE temp.build_split");
  }

  const rows = await store.query<{ task: string; split: Split; n: string }>(
    "SELECT task, split, count(*) AS n FROM build_final GROUP BY ALL ORDER BY task, split",
  );
  const counts: AssembleResult["counts"] = {};
  for (const r of rows) {
    const c = counts[r.task] ?? {};
    c[r.split] = Number(r.n);
    counts[r.task] = c;
  }
  await store.run("DROP TABLE temp.build_final");
  return { files, counts, balancedAway, sampledAway, mixed };
}
