/**
 * The assemble stage of `avakit build`. Decisions that need every record (balanced TAP test
 * sets, --sample) are made on the shards' slim indexes; then each split is one streaming DuckDB
 * pass over its work files, in shard order, filtered by those decisions and written as parquet
 * (zstd) or JSONL files of bounded size. Nothing holds the dataset in memory, and DuckDB keeps
 * the input order, so the same inputs and seed give byte-identical files.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { AvakitError } from "../core/errors.js";
import type { Store } from "../store/store.js";
import type { BuildConfig } from "./config.js";
import { WORK_RECORD_COLUMNS } from "./records.js";
import { SPLITS, type Split } from "./splits.js";
import { indexFile, splitFile } from "./work-files.js";

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
  /** TAP test records removed to balance the answer classes, per "split/task". */
  balancedAway: Record<string, number>;
  /** Train records left out by --sample. */
  sampledAway: number;
  mixed: number;
}

function lit(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Rows per parquet row group: DuckDB buffers a whole row group per writer, and with ~1.5 KB
 * records its default (122,880 rows) would hold ~180 MB per concurrent COPY.
 */
const PARQUET_ROW_GROUP = 16_384;

/**
 * At most how many bytes of JSON work files make one byte of output: the bound on a chunk's work
 * files. zstd parquet comes out at about 1/15 of the JSON, JSONL output at about its size; each
 * COPY also cuts its output at --max-file-mb.
 */
const JSON_PER_OUTPUT_BYTE = 4;

/** COPY statements run at once, each on one DuckDB thread (see below). */
const ASSEMBLE_CONNECTIONS = 2;
/** Chunks per connection the work is cut into, when the build is small enough to need it. */
const CHUNKS_PER_CONNECTION = 4;
/** No chunk is cut smaller than this (a small build keeps one file per split). */
const MIN_CHUNK_BYTES = 64 * 1024 * 1024;

const INDEX_COLUMNS =
  "{id: 'VARCHAR', split: 'VARCHAR', task: 'VARCHAR', answer_class: 'VARCHAR', prio: 'BIGINT'}";

/**
 * `prefixes`: the page shards' work-file prefixes, in shard order. `mix`: writes the mixed chat
 * records (a work file of split train, task MIX) for a given number of AVA train records.
 */
export async function assemble(
  store: Store,
  cfg: BuildConfig,
  prefixes: string[],
  outDir: string,
  mix: ((trainCount: number) => Promise<string | null>) | null,
): Promise<AssembleResult> {
  const columns = WORK_RECORD_COLUMNS.map(([n, t]) => `${n}: '${t}'`).join(", ");
  const list = (files: string[]) => `[${files.map(lit).join(", ")}]`;
  // The slim indexes are read where a decision needs them, never loaded whole: at 1,000,000 ads
  // they hold 10.4 million rows, and a table of them was the assemble stage's largest use of
  // memory. Each read streams (a filter, a count, or a bounded top-N).
  const index = `read_json(${list(prefixes.map(indexFile))}, format = 'newline_delimited', columns = ${INDEX_COLUMNS})`;
  // Balanced TAP test sets: per (split, task), every answer class keeps as many records as the
  // rarest class has, those with the smallest seeded priority: a priority threshold per class.
  // Priorities are 53-bit integer hashes of distinct ids, so thresholds select exact counts.
  const thresholds = new Map<string, number>();
  const balancedAway: Record<string, number> = {};
  if (cfg.balanceTapTest) {
    const rows = await store.query<{
      split: string;
      task: string;
      cls: string;
      prio: string;
      away: string;
    }>(`
      WITH t AS (
        SELECT id, split, task, answer_class AS cls, prio FROM ${index}
        WHERE split <> 'train' AND task LIKE 'TAP-%' AND answer_class IS NOT NULL
      ),
      b AS (
        SELECT split, task, cls, prio,
          count(*) OVER (PARTITION BY split, task, cls) AS n,
          row_number() OVER (PARTITION BY split, task, cls ORDER BY prio, id) AS rk
        FROM t
      ),
      m AS (SELECT split, task, min(n) AS keep, sum(n) AS total, count(DISTINCT cls) AS classes FROM b GROUP BY ALL)
      SELECT b.split, b.task, b.cls, b.prio, m.total - m.keep * m.classes AS away
      FROM b JOIN m USING (split, task) WHERE b.rk = m.keep ORDER BY ALL`);
    for (const r of rows) {
      thresholds.set(`${r.split}\u0001${r.task}\u0001${r.cls}`, Number(r.prio));
      if (Number(r.away) > 0) balancedAway[`${r.split}/${r.task}`] = Number(r.away);
    }
  }
  let sampleMax: number | null = null;
  let sampledAway = 0;
  const [counted] = await store.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${index} WHERE split = 'train'`,
  );
  let train = Number(counted!.n);
  if (cfg.sample !== null) {
    if (train < cfg.sample)
      throw new AvakitError(
        `--sample ${cfg.sample} asks for more train records than the build has (${train}); lower it or build from more ads`,
      );
    const r = await store.query<{ prio: string }>(
      `SELECT prio FROM ${index} WHERE split = 'train' ORDER BY prio, id LIMIT 1 OFFSET ${cfg.sample - 1}`,
    );
    sampleMax = Number(r[0]!.prio);
    sampledAway = train - cfg.sample;
    train = cfg.sample;
  }
  const mixFile = mix ? await mix(train) : null;

  const ext = cfg.format === "parquet" ? "parquet" : "jsonl";
  const bound = `FILE_SIZE_BYTES ${Math.max(1, Math.round(cfg.maxFileMb * 1024 * 1024))}`;
  const format =
    cfg.format === "parquet"
      ? `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${PARQUET_ROW_GROUP}, ${bound}`
      : `FORMAT json, ${bound}`;
  const messages = `coalesce(messages, [
    {'role': 'user', 'content': prompt}, {'role': 'assistant', 'content': response}
  ]) AS messages`;
  const select = `id, task, split, prompt, response, ${messages}, ad_ids, page_id, meta`;
  // Each split is cut into chunks of consecutive work files, each chunk written by its own
  // COPY on its own connection, two at a time. Every COPY runs on one thread: with several, how
  // records are cut into row groups depends on thread timing and the parquet bytes would differ
  // from run to run; chunks restore the parallelism and keep the bytes fixed.
  const jobs: {
    split: Split;
    chunk: number;
    inputs: string[];
    bytes: number;
    where: string;
    dir: string;
  }[] = [];
  const inputsOf = new Map<Split, { file: string; bytes: number }[]>();
  for (const split of SPLITS) {
    const files = prefixes.map((p) => splitFile(p, split));
    if (split === "train" && mixFile) files.push(mixFile);
    inputsOf.set(
      split,
      files.map((file) => ({ file, bytes: statSync(file).size })).filter((f) => f.bytes > 0),
    );
  }
  // A chunk is at most the work files of one output file's worth, and small enough that the
  // connections get several chunks each (a smaller build has smaller files, not a connection idle
  // while the other writes most of the train split), but never under MIN_CHUNK_BYTES.
  const total = [...inputsOf.values()].flat().reduce((a, f) => a + f.bytes, 0);
  const chunkBytes = Math.min(
    Math.max(1, cfg.maxFileMb) * 1024 * 1024 * JSON_PER_OUTPUT_BYTE,
    Math.max(MIN_CHUNK_BYTES, Math.ceil(total / (ASSEMBLE_CONNECTIONS * CHUNKS_PER_CONNECTION))),
  );
  for (const split of SPLITS) {
    const inputs = inputsOf.get(split)!;
    const conds: string[] = [];
    if (split !== "train" && thresholds.size > 0) {
      const cases = [...thresholds]
        .filter(([k]) => k.startsWith(`${split}\u0001`))
        .map(([k, v]) => `WHEN ${lit(k.slice(split.length + 1))} THEN ${v}`);
      if (cases.length > 0)
        conds.push(
          `prio <= coalesce(CASE task || chr(1) || coalesce(answer_class, '') ${cases.join(" ")} END, ${2 ** 53})`,
        );
    }
    if (split === "train" && sampleMax !== null)
      conds.push(`(task = 'MIX' OR prio <= ${sampleMax})`);
    const where = conds.length ? `WHERE ${conds.join(" AND ")}` : "";
    let chunk: string[] = [];
    let bytes = 0;
    const flush = () => {
      if (chunk.length === 0) return;
      const n = jobs.filter((j) => j.split === split).length;
      jobs.push({
        split,
        chunk: n,
        inputs: chunk,
        bytes,
        where,
        dir: join(outDir, `data-${split}-${n}`),
      });
      chunk = [];
      bytes = 0;
    };
    for (const f of inputs) {
      chunk.push(f.file);
      bytes += f.bytes;
      if (bytes >= chunkBytes) flush();
    }
    flush();
  }
  // Largest first, so that the last chunks to finish are small ones. Which connection writes a
  // chunk does not change its files.
  const order = [...jobs].sort((a, b) => b.bytes - a.bytes);
  await store.run("SET threads = 1");
  const conns = await Promise.all(
    Array.from({ length: ASSEMBLE_CONNECTIONS }, () => store.connection()),
  );
  try {
    let next = 0;
    await Promise.all(
      conns.map(async (c) => {
        while (next < order.length) {
          const j = order[next++]!;
          await c.run(
            `COPY (SELECT ${select} FROM read_json(${list(j.inputs)}, format = 'newline_delimited', columns = {${columns}}) ${j.where})
            TO ${lit(j.dir)} (${format}, FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE true)`,
          );
        }
      }),
    );
  } finally {
    for (const c of conns) c.close();
    await store.run("RESET threads");
  }
  const files: AssembledFile[] = [];
  const seq = new Map<Split, number>();
  for (const j of jobs) {
    const parts = existsSync(j.dir)
      ? readdirSync(j.dir)
          .map((f) => ({ f, i: Number(/^part-(\d+)\./.exec(f)?.[1] ?? Number.NaN) }))
          .filter((p) => Number.isFinite(p.i))
          .sort((a, b) => a.i - b.i)
      : [];
    for (const p of parts) {
      const from = join(j.dir, p.f);
      const n = await store.query<{ n: string }>(
        cfg.format === "parquet"
          ? `SELECT count(*) AS n FROM read_parquet(${lit(from)})`
          : `SELECT count(*) AS n FROM read_json(${lit(from)}, format = 'newline_delimited', columns = {id: 'VARCHAR'})`,
      );
      const records = Number(n[0]!.n);
      if (records === 0) continue;
      const k = seq.get(j.split) ?? 0;
      seq.set(j.split, k + 1);
      const rel = `data/${j.split}-${String(k).padStart(5, "0")}.${ext}`;
      renameSync(from, join(outDir, rel));
      files.push({ path: rel, split: j.split, records });
    }
    rmSync(j.dir, { recursive: true, force: true });
  }
  files.sort(
    (a, b) => SPLITS.indexOf(a.split) - SPLITS.indexOf(b.split) || (a.path < b.path ? -1 : 1),
  );

  const counts: AssembleResult["counts"] = {};
  const glob = lit(join(outDir, "data", `*.${ext}`));
  const rows =
    files.length === 0
      ? []
      : await store.query<{ task: string; split: Split; n: string }>(
          cfg.format === "parquet"
            ? `SELECT task, split, count(*) AS n FROM read_parquet(${glob}) GROUP BY ALL ORDER BY ALL`
            : `SELECT task, split, count(*) AS n FROM read_json(${glob}, format = 'newline_delimited', columns = {task: 'VARCHAR', split: 'VARCHAR'}) GROUP BY ALL ORDER BY ALL`,
        );
  for (const r of rows) {
    const c = counts[r.task] ?? {};
    c[r.split] = Number(r.n);
    counts[r.task] = c;
  }
  return { files, counts, balancedAway, sampledAway, mixed: counts.MIX?.train ?? 0 };
}
