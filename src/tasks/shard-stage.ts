/**
 * The page-shard stage of `avakit build`: everything that happens within pages (embeddings,
 * keywords, single-ad tasks, pair mining, pair tasks, splits, --drop-region) for the pages of one
 * shard, written to one work file. A function of (configuration, shard), so that shards can run
 * anywhere and in any order; a finished shard leaves a marker and is not built twice.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { embeddingsFor } from "../embed/embed-all.js";
import { keywordCandidates, rankKeywords } from "../embed/keywords.js";
import type { Embedder } from "../embed/types.js";
import { censusRegionOf } from "../signals/geography.js";
import type { Store } from "../store/store.js";
import { type BuildConfig, pairTasksOf, singleTasksOf } from "./config.js";
import { renderPairTask } from "./pair-templates.js";
import { minePairs } from "./pairs.js";
import { workRecord } from "./records.js";
import { renderSingleTasks } from "./single-tasks.js";
import { isTestAdvertiser, recordSplit } from "./splits.js";
import { AD_ROW_SQL, type TaskAdRow, taskAdFromRow } from "./task-ad.js";
import type { RenderedTask, TaskAd } from "./types.js";
import { verbalizedBody } from "./verbalize.js";
import { WorkWriter } from "./work-files.js";

export interface ShardJob {
  shard: number;
  shards: number;
  /** The work files' common prefix (see work-files.ts); the marker is `${prefix}.done.json`. */
  prefix: string;
}

export interface ShardCounts {
  ads: number;
  pages: number;
  /** Records written, per task. */
  records: Record<string, number>;
  /** Records dropped by --drop-region, per task. */
  droppedByRegion: Record<string, number>;
  similarPairs: number;
  pairsCapped: number;
  /** Single-ad pages (no pair can be mined from them). */
  singleAdPages: number;
  seconds: number;
}

export interface ShardEnv {
  store: Store;
  cfg: BuildConfig;
  embedder: Embedder;
  /** Whether vectors go through the database cache (not for the cheap lexical embedder). */
  cacheEmbeddings: boolean;
  /** Verbalized media texts by media item, when --media-model is given. */
  mediaTexts: Map<string, string> | null;
  /** Progress lines (count, rate, ETA) for the embedding of texts not yet cached. */
  progress?: boolean;
}

/** The shard a page belongs to: md5 of the page id, so every machine agrees. */
export function shardWhere(shards: number, shard: number): string {
  return `md5_number(a.page_id) % ${shards} = ${shard}`;
}

export function markerOf(job: ShardJob): string {
  return `${job.prefix}.done.json`;
}

/** Counts of a shard finished earlier with the same configuration, else null. */
export function finishedShard(job: ShardJob, configKey: string): ShardCounts | null {
  const marker = markerOf(job);
  if (!existsSync(marker)) return null;
  try {
    const m = JSON.parse(readFileSync(marker, "utf8")) as {
      configKey: string;
      counts: ShardCounts;
    };
    return m.configKey === configKey ? m.counts : null;
  } catch {
    return null;
  }
}

async function vectorsFor(env: ShardEnv, texts: string[], what: string): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  if (env.cacheEmbeddings)
    return embeddingsFor(env.store, env.embedder, texts, {
      ...(env.progress ? { progress: `embed ${what} (${env.embedder.id})` } : {}),
    });
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 4096)
    out.push(...(await env.embedder.embed(texts.slice(i, i + 4096))));
  return out;
}

function adBody(row: TaskAdRow, mediaTexts: Map<string, string> | null): string {
  if (!mediaTexts) return row.body;
  const media = JSON.parse(row.media) as string[];
  const texts = media.map((m) => mediaTexts.get(m)).filter((t): t is string => t !== undefined);
  return texts.length ? verbalizedBody(row.body, texts) : row.body;
}

/**
 * What the CPU half of a shard needs, gathered by the I/O half (`prepareShard`: the database and
 * the embedder): the rows with their final bodies, the body vectors, and the keyword candidates
 * with their vectors. Plain data, so that it can be posted to a worker thread.
 */
export interface ShardInput {
  job: ShardJob;
  rows: TaskAdRow[];
  /** Body vectors, concatenated (rows.length × dim), or empty when no task needs them. */
  bodyVecs: Float32Array;
  dim: number;
  /** Per row, its keyword candidates as indexes into `vocab`; null when no TAG task is built. */
  candidates: number[][] | null;
  vocab: string[];
  /** Candidate vectors, concatenated (vocab.length × dim). */
  vocabVecs: Float32Array;
}

function flatten(vecs: Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(vecs.length * dim);
  for (const [i, v] of vecs.entries()) out.set(v, i * dim);
  return out;
}

function rowsOf(flat: Float32Array, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i * dim < flat.length; i++) out.push(flat.subarray(i * dim, (i + 1) * dim));
  return out;
}

/** The I/O half: the shard's ads, their (cached) body vectors and keyword candidate vectors. */
export async function prepareShard(env: ShardEnv, job: ShardJob): Promise<ShardInput> {
  const { cfg, store } = env;
  const rows = await store.query<TaskAdRow>(
    `SELECT ${AD_ROW_SQL} FROM ads a WHERE ${shardWhere(job.shards, job.shard)} ORDER BY a.page_id, a.ad_id`,
  );
  for (const r of rows) r.body = adBody(r, env.mediaTexts);
  const singleTasks = singleTasksOf(cfg);
  const tag = cfg.keywords.topN > 0 && singleTasks.some((t) => t.startsWith("TAG"));
  const needVectors = pairTasksOf(cfg).length > 0 || tag;
  const input: ShardInput = {
    job,
    rows,
    bodyVecs: new Float32Array(0),
    dim: 0,
    candidates: null,
    vocab: [],
    vocabVecs: new Float32Array(0),
  };
  if (!needVectors || rows.length === 0) return input;
  const bodies = await vectorsFor(
    env,
    rows.map((r) => r.body),
    "ad bodies",
  );
  input.dim = bodies[0]!.length;
  input.bodyVecs = flatten(bodies, input.dim);
  if (tag) {
    const perRow = rows.map((r) =>
      keywordCandidates(r.body, { ngramRange: cfg.keywords.ngramRange }),
    );
    input.vocab = [...new Set(perRow.flat())].sort();
    const index = new Map(input.vocab.map((w, i) => [w, i] as const));
    input.candidates = perRow.map((cands) => cands.map((c) => index.get(c)!));
    input.vocabVecs = flatten(await vectorsFor(env, input.vocab, "keyword candidates"), input.dim);
  }
  return input;
}

/**
 * The CPU half: tasks, pairs, splits and the work files of one shard, then its marker. Pure but
 * for writing those files; runs in the main thread or in a worker (shard-workers.ts).
 */
export async function runShard(
  cfg: BuildConfig,
  input: ShardInput,
  configKey: string,
  onAds?: (adsDone: number) => void,
): Promise<ShardCounts> {
  const started = performance.now();
  const { job } = input;
  const counts: ShardCounts = {
    ads: input.rows.length,
    pages: 0,
    records: {},
    droppedByRegion: {},
    similarPairs: 0,
    pairsCapped: 0,
    singleAdPages: 0,
    seconds: 0,
  };
  const ads = input.rows.map((r) => taskAdFromRow(r));
  const synthetic = new Set(input.rows.filter((r) => r.synthetic).map((r) => r.ad_id));
  // The raw rows (JSON columns) are not needed any more: let them go before the records are made.
  input.rows = [];
  const singleTasks = singleTasksOf(cfg);
  const pairTasks = pairTasksOf(cfg);
  const bodyVecs = input.dim > 0 ? rowsOf(input.bodyVecs, input.dim) : [];
  if (input.candidates) {
    const vocabVecs = rowsOf(input.vocabVecs, input.dim);
    const { topN, useMmr, diversity } = cfg.keywords;
    ads.forEach((ad, i) => {
      const cands = input.candidates![i]!;
      ad.keywords = rankKeywords(
        bodyVecs[i]!,
        cands.map((c) => input.vocab[c]!),
        cands.map((c) => vocabVecs[c]!),
        { topN, useMmr, diversity },
      );
    });
  }

  const writer = new WorkWriter(job.prefix);
  const dropStates = cfg.dropRegion;
  let pageHeldOut = false;
  const emit = async (r: RenderedTask, recAds: TaskAd[], extra: Record<string, unknown>) => {
    // Birds of Feather: a record involves a region when it names one of its states (as the
    // audience: top states, a target state) or when one of its ads performed best there.
    if (
      dropStates !== null &&
      (r.states.some((s) => censusRegionOf(s) === dropStates) ||
        recAds.some(
          (a) => a.topStates[0] !== undefined && censusRegionOf(a.topStates[0]) === dropStates,
        ))
    ) {
      counts.droppedByRegion[r.task] = (counts.droppedByRegion[r.task] ?? 0) + 1;
      return;
    }
    const split = recordSplit(
      pageHeldOut,
      recAds.map((a) => a.startDate),
      cfg.timeCutoff,
    );
    const meta = recAds.some((a) => synthetic.has(a.adId)) ? { ...extra, synthetic: true } : extra;
    await writer.add(workRecord(r, recAds, split, cfg.seed, meta));
    counts.records[r.task] = (counts.records[r.task] ?? 0) + 1;
  };

  let start = 0;
  while (start < ads.length) {
    let end = start + 1;
    while (end < ads.length && ads[end]!.pageId === ads[start]!.pageId) end++;
    const pageAds = ads.slice(start, end);
    pageHeldOut = isTestAdvertiser(pageAds[0]!.pageId, cfg.testAdvertisers, cfg.seed);
    counts.pages++;
    for (const ad of pageAds) {
      for (const r of renderSingleTasks(ad, singleTasks)) {
        await emit(r, [ad], r.task.startsWith("TAG") ? { keywords: ad.keywords } : {});
      }
    }
    if (pairTasks.length > 0) {
      if (pageAds.length < 2) counts.singleAdPages++;
      else {
        const mined = minePairs(pageAds, bodyVecs.slice(start, end), {
          similarityThreshold: cfg.similarityThreshold,
          minWordEdits: cfg.minWordEdits,
          maxPairsPerPage: cfg.maxPairsPerPage,
          seed: cfg.seed,
          tasks: pairTasks,
          constants: cfg.constants,
          tcRegionMinRankShift: cfg.tcRegionMinRankShift,
        });
        counts.similarPairs += mined.stats.similarPairs;
        counts.pairsCapped += mined.stats.capped;
        for (const c of mined.candidates) {
          await emit(renderPairTask(c), [c.source, c.target], {
            similarity: c.similarity,
            word_edits: c.wordEdits,
          });
        }
      }
    }
    onAds?.(end);
    start = end;
  }
  await writer.close();
  counts.seconds = (performance.now() - started) / 1000;
  writeFileSync(markerOf(job), JSON.stringify({ configKey, counts }));
  return counts;
}
