/**
 * The page-shard stage of `avakit build`: everything that happens within pages (embeddings,
 * keywords, single-ad tasks, pair mining, pair tasks, splits, --drop-region) for the pages of one
 * shard, written to one work file. A function of (configuration, shard), so that shards can run
 * anywhere and in any order; a finished shard leaves a marker and is not built twice.
 *
 * A shard streams: its ads are read, embedded and turned into records a chunk of consecutive
 * pages at a time (`planShards`, `openShard`, `prepareChunk`, `ShardRun`), so that memory does not grow with
 * the shard. Only the ads of the page being finished stay in memory, for pair mining; a page larger
 * than a chunk is read in several chunks of its ads. The records and their order are those of one
 * pass over the whole shard: each page's single-ad records in ad order, then its pairs.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { embeddingsFor } from "../embed/embed-all.js";
import { keywordCandidates, rankKeywords } from "../embed/keywords.js";
import { type Embedder, norm } from "../embed/types.js";
import { censusRegionOf } from "../signals/geography.js";
import type { Store } from "../store/store.js";
import { type BuildConfig, pairTasksOf, singleTasksOf } from "./config.js";
import { HeldAds } from "./held-ads.js";
import { HeldVectors } from "./held-vectors.js";
import { renderPairTask } from "./pair-templates.js";
import { minePairs } from "./pairs.js";
import { workRecord } from "./records.js";
import { renderSingleTasks } from "./single-tasks.js";
import { isTestAdvertiser, recordSplit } from "./splits.js";
import { AD_ROW_SQL, type TaskAdRow, taskAdFromRow } from "./task-ad.js";
import type { PairCandidate, RenderedTask, TaskAd } from "./types.js";
import { verbalizedBody } from "./verbalize.js";
import { WorkWriter } from "./work-files.js";

export interface ShardJob {
  shard: number;
  shards: number;
  /** The work files' common prefix (see work-files.ts); the marker is `${prefix}.done.json`. */
  prefix: string;
  /**
   * Ads per chunk (default CHUNK_ADS); a page with more is held in compact columns (`HeldAds`)
   * for pair mining. The shard's output does not depend on it.
   */
  chunkAds?: number;
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

/** The shard of a page (SQL): md5 of the page id, so every machine agrees. */
export function shardOfPage(shards: number, pageId = "page_id"): string {
  return `md5_number(${pageId}) % ${shards}`;
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

/** Ads per chunk at most (a page larger than this is read in several chunks). */
export const CHUNK_ADS = 4096;

/**
 * One chunk of a shard: the ads at positions `from` … `to` (1-based) of the shard's temp table
 * (its pages of at most CHUNK_ADS ads, in order), or, for a larger page, the ads of `page` with
 * ad ids in [adFrom, adTo], read from the ads table (so that a huge page is never copied whole).
 */
export type ChunkSpec =
  | { from: number; to: number }
  | { page: string; adFrom: string; adTo: string };

function lit(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export interface ShardSizes {
  /** Ads per shard. */
  ads: number[];
  /** Ads of each shard's largest page. */
  largestPage: number[];
}

/**
 * The shard of each page, computed once per page (temp table build_pages) rather than once per
 * ad in every shard's query; returns each shard's number of ads and its largest page.
 */
export async function planShards(store: Store, shards: number): Promise<ShardSizes> {
  await store.run("DROP TABLE IF EXISTS temp.build_pages");
  await store.run(`CREATE TEMP TABLE build_pages AS
    SELECT page_id, ${shardOfPage(shards)} AS shard, n
    FROM (SELECT page_id, count(*) AS n FROM ads GROUP BY page_id)`);
  const sizes: ShardSizes = {
    ads: new Array<number>(shards).fill(0),
    largestPage: new Array<number>(shards).fill(0),
  };
  for (const r of await store.query<{ shard: string; n: string; m: string }>(
    "SELECT shard, sum(n) AS n, max(n) AS m FROM build_pages GROUP BY shard",
  )) {
    sizes.ads[Number(r.shard)] = Number(r.n);
    sizes.largestPage[Number(r.shard)] = Number(r.m);
  }
  return sizes;
}

function shardTable(job: ShardJob): string {
  return `temp.build_shard_${job.shard}`;
}

/**
 * Reads one shard's pages of at most `chunkAds` ads, in order, into a temp table (one scan), and
 * returns the shard's chunks in order: consecutive such pages up to `chunkAds` ads, and each
 * larger page cut into pieces of `chunkAds` ads by ad id.
 */
export async function openShard(
  store: Store,
  job: ShardJob,
  chunkAds: number = CHUNK_ADS,
): Promise<ChunkSpec[]> {
  await store.run(`DROP TABLE IF EXISTS ${shardTable(job)}`);
  await store.run(`CREATE TEMP TABLE ${shardTable(job)} AS
    SELECT row_number() OVER (ORDER BY a.page_id, a.ad_id) AS build_seq, ${AD_ROW_SQL}
    FROM ads a SEMI JOIN (SELECT page_id FROM build_pages WHERE shard = ${job.shard} AND n <= ${chunkAds}) p
      ON a.page_id = p.page_id
    ORDER BY build_seq`);
  const pages = await store.query<{ page_id: string; n: string }>(
    `SELECT page_id, n FROM build_pages WHERE shard = ${job.shard} ORDER BY page_id`,
  );
  const chunks: ChunkSpec[] = [];
  let at = 0;
  let cur: { from: number; to: number } | null = null;
  for (const p of pages) {
    const n = Number(p.n);
    if (n > chunkAds) {
      cur = null;
      const ids = await store.query<{ ad_id: string }>(
        `SELECT a.ad_id FROM ads a WHERE a.page_id = ${lit(p.page_id)} ORDER BY a.ad_id`,
      );
      for (let i = 0; i < ids.length; i += chunkAds) {
        const last = Math.min(ids.length, i + chunkAds) - 1;
        chunks.push({ page: p.page_id, adFrom: ids[i]!.ad_id, adTo: ids[last]!.ad_id });
      }
    } else if (cur === null || cur.to - cur.from + 1 + n > chunkAds) {
      cur = { from: at + 1, to: at + n };
      chunks.push(cur);
      at += n;
    } else {
      cur.to += n;
      at += n;
    }
  }
  return chunks;
}

export async function closeShard(store: Store, job: ShardJob): Promise<void> {
  await store.run(`DROP TABLE IF EXISTS ${shardTable(job)}`);
}

/** Drops the planning table (after the page-shard stage). */
export async function closePlan(store: Store): Promise<void> {
  await store.run("DROP TABLE IF EXISTS temp.build_pages");
}

/**
 * What the CPU half of a chunk needs, gathered by the I/O half (`prepareChunk`: the database and
 * the embedder): the rows with their final bodies, the body vectors, and the keyword candidates
 * with their vectors. Plain data, so that it can be posted to a worker thread.
 */
export interface ShardInput {
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

/**
 * The vectors as one array: the embedder's own buffer when they are its consecutive views (the
 * hashing embedder's), else a copy. Copying 2 KiB vectors one by one left tens of MB of
 * garbage backing stores per chunk for the garbage collector to find.
 */
function flatten(vecs: Float32Array[], dim: number): Float32Array {
  const first = vecs[0];
  if (
    first !== undefined &&
    first.byteOffset === 0 &&
    first.buffer.byteLength === vecs.length * dim * 4 &&
    vecs.every(
      (v, i) => v.buffer === first.buffer && v.byteOffset === i * dim * 4 && v.length === dim,
    )
  )
    return new Float32Array(first.buffer);
  const out = new Float32Array(vecs.length * dim);
  for (const [i, v] of vecs.entries()) out.set(v, i * dim);
  return out;
}

function rowsOf(flat: Float32Array, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i * dim < flat.length; i++) out.push(flat.subarray(i * dim, (i + 1) * dim));
  return out;
}

/** The I/O half of one chunk: its ads, their (cached) body vectors and keyword candidate vectors. */
export async function prepareChunk(
  env: ShardEnv,
  job: ShardJob,
  spec: ChunkSpec,
): Promise<ShardInput> {
  const { cfg, store } = env;
  const rows = await store.query<TaskAdRow>(
    "page" in spec
      ? `SELECT ${AD_ROW_SQL} FROM ads a WHERE a.page_id = ${lit(spec.page)} AND a.ad_id BETWEEN ${lit(spec.adFrom)} AND ${lit(spec.adTo)} ORDER BY a.ad_id`
      : `SELECT * EXCLUDE (build_seq) FROM ${shardTable(job)} WHERE build_seq BETWEEN ${spec.from} AND ${spec.to} ORDER BY build_seq`,
  );
  for (const r of rows) r.body = adBody(r, env.mediaTexts);
  const singleTasks = singleTasksOf(cfg);
  const tag = cfg.keywords.topN > 0 && singleTasks.some((t) => t.startsWith("TAG"));
  const needVectors = pairTasksOf(cfg).length > 0 || tag;
  const input: ShardInput = {
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

/** The page being built: its ads (kept for pair mining only) and their body vectors. */
interface OpenPage {
  pageId: string;
  heldOut: boolean;
  ads: TaskAd[];
  vecs: Float32Array[];
  /**
   * Once the page has more than a chunk of ads: its ads in columns and its vectors in a
   * temporary file (then `ads` and `vecs` are empty).
   */
  held: { ads: HeldAds; vecs: HeldVectors } | null;
  synthetic: Set<string>;
}

/**
 * The CPU half of one shard: tasks, pairs, splits and the work files, fed a chunk at a time
 * (`add`), then `finish` writes the marker. Pure but for writing those files; runs in the main
 * thread or in a worker (shard-workers.ts).
 */
export class ShardRun {
  private readonly started = performance.now();
  private readonly counts: ShardCounts = {
    ads: 0,
    pages: 0,
    records: {},
    droppedByRegion: {},
    similarPairs: 0,
    pairsCapped: 0,
    singleAdPages: 0,
    seconds: 0,
  };
  private readonly writer: WorkWriter;
  private readonly singleTasks: ReturnType<typeof singleTasksOf>;
  private readonly pairTasks: ReturnType<typeof pairTasksOf>;
  private page: OpenPage | null = null;
  /**
   * Ads a page holds as `TaskAd` objects for pair mining; beyond, they move to the compact
   * `HeldAds` columns (such a page arrives in several chunks and is mined once complete).
   */
  private readonly heldAsObjects: number;

  constructor(
    private readonly cfg: BuildConfig,
    private readonly job: ShardJob,
    private readonly configKey: string,
    private readonly hooks: {
      /** Called before mining a page held in columns (more than a chunk of ads): a full GC. */
      beforeMiningHeld?: () => void;
    } = {},
  ) {
    this.writer = new WorkWriter(job.prefix);
    this.heldAsObjects = job.chunkAds ?? CHUNK_ADS;
    this.singleTasks = singleTasksOf(cfg);
    this.pairTasks = pairTasksOf(cfg);
  }

  /**
   * Writes one record. Its meta is `r.meta` completed in place, in this key order: the task's
   * own facts, `states`, then `keywords` (TAG) or `similarity` and `word_edits` (pairs), then
   * `synthetic`.
   */
  private emit(
    r: RenderedTask,
    recAds: TaskAd[],
    page: OpenPage,
    keywords: string[] | null,
    pair: PairCandidate | null,
  ): void {
    const { cfg, counts } = this;
    const dropStates = cfg.dropRegion;
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
      page.heldOut,
      recAds.map((a) => a.startDate),
      cfg.timeCutoff,
    );
    const meta = r.meta;
    meta.states = r.states;
    if (keywords !== null) meta.keywords = keywords;
    if (pair !== null) {
      meta.similarity = pair.similarity;
      meta.word_edits = pair.wordEdits;
    }
    if (recAds.some((a) => page.synthetic.has(a.adId))) meta.synthetic = true;
    this.writer.add(workRecord(r, recAds, split, cfg.seed));
    counts.records[r.task] = (counts.records[r.task] ?? 0) + 1;
  }

  /** The next chunk of the shard's ads, in (page_id, ad_id) order. */
  async add(input: ShardInput): Promise<void> {
    const { cfg } = this;
    const { rows } = input;
    const bodyVecs = input.dim > 0 ? rowsOf(input.bodyVecs, input.dim) : [];
    const vocabVecs = input.candidates ? rowsOf(input.vocabVecs, input.dim) : [];
    // Each candidate's norm once per chunk, not once per ad that has it.
    const vocabNorms = vocabVecs.map(norm);
    const { topN, useMmr, diversity } = cfg.keywords;
    const pairs = this.pairTasks.length > 0;
    // One ad at a time, from its row to its records, so that its objects die young.
    for (let i = 0; i < rows.length; i++) {
      const ad = taskAdFromRow(rows[i]!);
      if (input.candidates) {
        const cands = input.candidates[i]!;
        ad.keywords = rankKeywords(
          bodyVecs[i]!,
          cands.map((c) => input.vocab[c]!),
          cands.map((c) => vocabVecs[c]!),
          {
            topN,
            useMmr,
            diversity,
            norms: { doc: norm(bodyVecs[i]!), candidates: cands.map((c) => vocabNorms[c]!) },
          },
        );
      }
      let page = this.page;
      if (page === null || page.pageId !== ad.pageId) {
        this.closePage();
        page = {
          pageId: ad.pageId,
          heldOut: isTestAdvertiser(ad.pageId, cfg.testAdvertisers, cfg.seed),
          ads: [],
          vecs: [],
          held: null,
          synthetic: new Set(),
        };
        this.page = page;
        this.counts.pages++;
      }
      if (rows[i]!.synthetic) page.synthetic.add(ad.adId);
      for (const r of renderSingleTasks(ad, this.singleTasks)) {
        this.emit(r, [ad], page, r.task.startsWith("TAG") ? ad.keywords : null, null);
      }
      if (pairs) {
        if (page.held === null && page.ads.length >= this.heldAsObjects) {
          const held = {
            ads: new HeldAds(),
            vecs: new HeldVectors(`${this.job.prefix}.held-vectors.tmp`, input.dim),
          };
          for (const a of page.ads) held.ads.push(a);
          for (const v of page.vecs) held.vecs.push(v);
          page.ads = [];
          page.vecs = [];
          page.held = held;
        }
        if (page.held) {
          page.held.ads.push(ad);
          page.held.vecs.push(bodyVecs[i]!);
        } else {
          page.ads.push(ad);
          page.vecs.push(bodyVecs[i]!);
        }
      }
    }
    this.counts.ads += rows.length;
  }

  private closePage(): void {
    const page = this.page;
    if (page === null) return;
    this.page = null;
    if (this.pairTasks.length === 0) return;
    const { held } = page;
    const ads = held?.ads ?? page.ads;
    if (ads.length < 2) {
      held?.vecs.close();
      this.counts.singleAdPages++;
      return;
    }
    const { cfg } = this;
    if (held) this.hooks.beforeMiningHeld?.();
    let mined: ReturnType<typeof minePairs>;
    try {
      mined = minePairs(ads, held?.vecs ?? page.vecs, {
        similarityThreshold: cfg.similarityThreshold,
        minWordEdits: cfg.minWordEdits,
        maxPairsPerPage: cfg.maxPairsPerPage,
        seed: cfg.seed,
        tasks: this.pairTasks,
        constants: cfg.constants,
        tcRegionMinRankShift: cfg.tcRegionMinRankShift,
      });
    } finally {
      held?.vecs.close();
    }
    // Only the mined pairs' ads are needed from here on.
    page.ads = [];
    page.vecs = [];
    page.held = null;
    this.counts.similarPairs += mined.stats.similarPairs;
    this.counts.pairsCapped += mined.stats.capped;
    for (const c of mined.candidates) {
      this.emit(renderPairTask(c), [c.source, c.target], page, null, c);
    }
  }

  /** Finishes the last page, closes the work files and writes the shard's marker. */
  async finish(): Promise<ShardCounts> {
    this.closePage();
    this.writer.close();
    this.counts.seconds = (performance.now() - this.started) / 1000;
    writeFileSync(
      markerOf(this.job),
      JSON.stringify({ configKey: this.configKey, counts: this.counts }),
    );
    return this.counts;
  }
}
