/**
 * `avakit build`: the AVA dataset from the stored ads (§3.3). Stages, each a function of its
 * inputs whose outputs are files, so that the page-shard stage can later be spread over many
 * machines: (1) page shards → work files (shard-stage.ts), (2) assemble → split files
 * (assemble.ts), (3) dataset card and manifest. Written under a temporary name and renamed.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import { AvakitError } from "../core/errors.js";
import { canonicalJson, fileSha256, sha256 } from "../core/hash.js";
import { Progress } from "../core/progress.js";
import { createEmbedder, parseEmbedderSpec } from "../embed/spec.js";
import type { Embedder } from "../embed/types.js";
import { mediaTextsFor } from "../store/media-texts.js";
import { Store } from "../store/store.js";
import { VERSION } from "../version.js";
import { type AssembleResult, assemble } from "./assemble.js";
import { datasetCard, taskSplitTable } from "./card.js";
import { type BuildConfig, pairTasksOf, singleTasksOf, validateBuildConfig } from "./config.js";
import { writeMixWorkFile } from "./mix-work.js";
import {
  CHUNK_ADS,
  type ChunkSpec,
  closePlan,
  closeShard,
  finishedShard,
  openShard,
  planShards,
  prepareChunk,
  type ShardCounts,
  type ShardInput,
  type ShardJob,
  ShardRun,
} from "./shard-stage.js";
import { type ShardChannel, ShardWorkers } from "./shard-workers.js";

export interface BuildOptions {
  db: string;
  out: string;
  cfg: BuildConfig;
  /** Replace an existing dataset folder. */
  overwrite?: boolean;
  log?: (line: string) => void;
  progress?: boolean;
  /** Read an API key for --embedder openai from this file instead of OPENAI_API_KEY. */
  embedderKeyFile?: string;
  /** Let --embedder transformers:NAME download the model from the Hugging Face hub. */
  allowDownload?: boolean;
  /** Worker threads for the page shards' CPU work (default: see defaultBuildWorkers; 0: none). */
  workers?: number;
  /**
   * Ads read and embedded at a time (default CHUNK_ADS); a larger page is read in several
   * chunks and held in compact columns until its pairs are mined. The output does not depend
   * on it; less lowers memory, more lowers per-chunk overhead.
   */
  chunkAds?: number;
}

export interface BuildSummary {
  out: string;
  records: number;
  counts: AssembleResult["counts"];
  files: AssembleResult["files"];
  shards: ShardCounts[];
  embedderId: string | null;
  seconds: number;
  /** Wall seconds of the two stages: page shards (mining, tasks, work files) and assemble. */
  stageSeconds: { shards: number; assemble: number };
  /** The task × split table, as printed. */
  table: string[];
}

interface Inputs {
  ads: number;
  pages: number;
  hash: string;
  synthetic: "none" | "some" | "all";
}

async function describeInputs(store: Store): Promise<Inputs> {
  const [r] = await store.query<{ ads: string; pages: string; synth: string; h: string | null }>(`
    SELECT count(*) AS ads, count(DISTINCT page_id) AS pages, count(*) FILTER (WHERE synthetic) AS synth,
      md5(string_agg(ad_id || ':' || record_key, ',' ORDER BY ad_id)) AS h
    FROM ads`);
  const ads = Number(r!.ads);
  const synth = Number(r!.synth);
  return {
    ads,
    pages: Number(r!.pages),
    hash: r!.h ?? "",
    synthetic: synth === 0 ? "none" : synth === ads ? "all" : "some",
  };
}

export const BUILD_MEMORY_LIMIT = "512MB";
/**
 * DuckDB's memory limit during the page-shard stage, which reads each shard once into a small
 * temp table and then a chunk at a time (what exceeds it spills to DuckDB's temp directory).
 * More only lets DuckDB cache more of the ads table, which grows with the database: reading the
 * chunks of 1,000,000 synthetic ads alone peaked at 723 MB RSS under 256MB and at 447–472 MB
 * under 64MB, no slower (scratch measurement, 2026-11-27); at 100,000 ads the limit made no
 * difference. AVAKIT_MEMORY_LIMIT, when set, applies to both stages.
 */
export const SHARD_STAGE_MEMORY_LIMIT = "64MB";

/**
 * DuckDB's "Out of Memory Error" (its memory limit reached where it cannot spill) as an avakit
 * error that says which limit applied and what to do; any other error as it is.
 */
export function explainOutOfMemory(err: unknown, stage: string): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  if (!/Out of Memory Error/i.test(msg)) return err;
  const limit = process.env.AVAKIT_MEMORY_LIMIT;
  const first = msg.split("\n")[0] ?? msg;
  return new AvakitError(
    `DuckDB ran out of memory while ${stage} under its limit of ${limit ?? BUILD_MEMORY_LIMIT}${limit !== undefined ? " (AVAKIT_MEMORY_LIMIT)" : ""}: ${first.replace(/^\[?Error: /, "")}; raise AVAKIT_MEMORY_LIMIT (the default, ${BUILD_MEMORY_LIMIT}, assembled the 10.4 million records of 1,000,000 synthetic ads here)`,
    { cause: err },
  );
}

/** One worker per core, four at most: each runs one page shard, a chunk at a time, while the main thread reads and embeds the next chunk. */
export function defaultBuildWorkers(): number {
  return Math.min(4, availableParallelism());
}

/** Builds the dataset; see the module comment. */
export async function buildDataset(opts: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const cfg = validateBuildConfig(opts.cfg);
  const log = opts.log ?? (() => undefined);
  const out = resolve(opts.out);
  if (existsSync(out) && readdirSync(out).length > 0 && !opts.overwrite)
    throw new AvakitError(`${out} already exists and is not empty (use --overwrite to replace it)`);

  // The assemble stage writes two parquet streams at once and windows the TAP test records: give
  // DuckDB a little more room than ingest's default (it spills to disk beyond it).
  // AVAKIT_MEMORY_LIMIT still wins.
  const store = await Store.open(opts.db, {
    mustExist: true,
    memoryLimit: process.env.AVAKIT_MEMORY_LIMIT ?? BUILD_MEMORY_LIMIT,
  });
  let embedder: Embedder | null = null;
  try {
    const inputs = await describeInputs(store);
    if (inputs.ads === 0)
      throw new AvakitError(
        `database ${opts.db} has no ads: run \`avakit ingest\` (or \`avakit demo\`) first`,
      );
    const needVectors =
      pairTasksOf(cfg).length > 0 ||
      (cfg.keywords.topN > 0 && singleTasksOf(cfg).some((t) => t.startsWith("TAG")));
    if (needVectors) {
      const spec = parseEmbedderSpec(cfg.embedder, {
        ...(cfg.embedderUrl !== null ? { url: cfg.embedderUrl } : {}),
        ...(opts.embedderKeyFile !== undefined ? { keyFile: opts.embedderKeyFile } : {}),
        ...(opts.allowDownload ? { allowDownload: true } : {}),
      });
      embedder = await createEmbedder(spec);
    }
    const embedderId = embedder?.id ?? null;
    let mediaTexts: Map<string, string> | null = null;
    if (cfg.mediaModel !== null) {
      mediaTexts = await mediaTextsFor(store, cfg.mediaModel);
      log(
        mediaTexts.size === 0
          ? `no verbalized media for model ${cfg.mediaModel} (run \`avakit verbalize\`): bodies are used as they are`
          : `${mediaTexts.size} verbalized media items of ${cfg.mediaModel} appended to ad bodies`,
      );
    }
    // What the page-shard stage's output depends on: configuration, inputs, embedder.
    const { format: _f, maxFileMb: _m, sample: _s, mix: _x, balanceTapTest: _b, ...stageCfg } = cfg;
    const configKey = sha256(
      canonicalJson({ stageCfg, inputs, embedderId, version: VERSION }),
    ).slice(0, 16);
    const workDir = `${out}.work`;
    const stageDir = join(workDir, configKey);
    mkdirSync(stageDir, { recursive: true });
    const shards = Math.max(1, Math.ceil(inputs.ads / cfg.shardAds));
    log(
      `building from ${inputs.ads} ads of ${inputs.pages} advertisers in ${shards} page shard(s)` +
        (embedderId ? `, embedder ${embedderId}` : "") +
        (inputs.synthetic !== "none"
          ? ` (${inputs.synthetic === "all" ? "all" : "some"} inputs SYNTHETIC)`
          : ""),
    );
    const progress = new Progress({
      label: "build",
      unit: "ads",
      total: inputs.ads,
      enabled: opts.progress ?? false,
    });
    const shardCounts: ShardCounts[] = new Array(shards);
    const workFiles: string[] = [];
    let reused = 0;
    const env = {
      store,
      cfg,
      embedder: embedder as Embedder,
      cacheEmbeddings: embedder !== null && !embedder.id.startsWith("hashing"),
      mediaTexts,
      progress: opts.progress ?? false,
    };
    // Ads done per shard (finished or in progress), for one progress line across workers.
    const adsOf = new Array<number>(shards).fill(0);
    const report = (shard: number, n: number, note: string) => {
      adsOf[shard] = n;
      progress.update(
        adsOf.reduce((a, b) => a + b, 0),
        note,
      );
    };
    const shardsStarted = performance.now();
    const workers = Math.max(0, Math.floor(opts.workers ?? defaultBuildWorkers()));
    const chunkAds = Math.max(1, Math.floor(opts.chunkAds ?? CHUNK_ADS));
    const jobs: ShardJob[] = [];
    for (let shard = 0; shard < shards; shard++) {
      const job: ShardJob = {
        shard,
        shards,
        prefix: join(stageDir, `shard-${String(shard).padStart(5, "0")}`),
        chunkAds,
      };
      workFiles.push(job.prefix);
      const done = finishedShard(job, configKey);
      if (done) {
        shardCounts[shard] = done;
        reused++;
        report(shard, done.ads, `shard ${shard + 1}/${shards} reused`);
      } else jobs.push(job);
    }
    // A page larger than a chunk is held whole by its worker until its pairs are mined (a huge
    // advertiser: hundreds of MB): such shards start first, so that one is not the last left
    // running, but never two at a time; the other lanes take the other shards meanwhile.
    const sizes = jobs.length > 0 ? await planShards(store, shards) : null;
    const big = (job: ShardJob) => sizes!.largestPage[job.shard]! > chunkAds;
    jobs.sort(
      (x, y) =>
        sizes!.largestPage[y.shard]! - sizes!.largestPage[x.shard]! ||
        sizes!.ads[y.shard]! - sizes!.ads[x.shard]! ||
        x.shard - y.shard,
    );
    const ownLimit = process.env.AVAKIT_MEMORY_LIMIT === undefined;
    if (ownLimit) await store.run(`SET memory_limit = '${SHARD_STAGE_MEMORY_LIMIT}'`);
    const pool =
      workers > 0 && jobs.length > 1 ? new ShardWorkers(Math.min(workers, jobs.length)) : null;
    // The main thread reads and embeds one chunk at a time (one database connection); each shard
    // has at most one chunk being prepared and one in its worker.
    let io: Promise<unknown> = Promise.resolve();
    const serial = <T>(fn: () => Promise<T>): Promise<T> => {
      const p = io.then(fn);
      io = p.catch(() => undefined);
      return p;
    };
    let failure: unknown = null;
    let bigRunning = false;
    let bigDone: (() => void) | null = null;
    // The next job a lane may take now: a big one only while no other is running. null when
    // none is left, "wait" when only big ones are and one is running.
    const takeNow = (): ShardJob | null | "wait" => {
      if (failure !== null || jobs.length === 0) return null;
      const i = bigRunning ? jobs.findIndex((j) => !big(j)) : 0;
      if (i < 0) return "wait";
      const job = jobs.splice(i, 1)[0]!;
      if (big(job)) bigRunning = true;
      return job;
    };
    const take = async (): Promise<ShardJob | null> => {
      for (;;) {
        const job = takeNow();
        if (job !== "wait") return job;
        await new Promise<void>((resolve) => {
          const prev = bigDone;
          bigDone = () => {
            prev?.();
            resolve();
          };
        });
      }
    };
    // A job's chunk list and its first chunk, read ahead of its turn: a lane opens its next shard
    // while its worker is on the current shard's last chunk, so the worker does not wait for the
    // database between shards.
    interface Opened {
      job: ShardJob;
      chunks: Promise<ChunkSpec[]>;
      first: Promise<ShardInput | null>;
    }
    const open = (job: ShardJob): Opened => {
      const chunks = serial(() => openShard(store, job, chunkAds));
      const first = chunks.then((c) =>
        c.length > 0 ? serial(() => prepareChunk(env, job, c[0]!)) : null,
      );
      // Awaited in turn; marked handled so that a failure before then is not an unhandled rejection.
      first.catch(() => undefined);
      return { job, chunks, first };
    };
    const settle = async (o: Opened) => {
      await o.first.catch(() => undefined);
      await serial(() => closeShard(store, o.job));
      if (big(o.job)) {
        bigRunning = false;
        const wake = bigDone;
        bigDone = null;
        wake?.();
      }
    };
    const lane = async () => {
      let ahead: Opened | null = null;
      try {
        for (;;) {
          let cur: Opened;
          if (ahead !== null) {
            cur = ahead;
            ahead = null;
          } else {
            const job = await take();
            if (job === null) return;
            cur = open(job);
          }
          const { job } = cur;
          const note = `shard ${job.shard + 1}/${shards}`;
          let channel: ShardChannel | null = null;
          try {
            const local = pool ? null : new ShardRun(cfg, job, configKey);
            channel = pool ? await pool.begin(cfg, job, configKey) : null;
            const chunks = await cur.chunks;
            let inFlight: Promise<void> | null = null;
            let ads = 0;
            for (let i = 0; i < chunks.length; i++) {
              if (failure !== null) break;
              const input =
                i === 0
                  ? (await cur.first)!
                  : await serial(() => prepareChunk(env, job, chunks[i]!));
              await inFlight;
              const n = input.rows.length;
              const add = channel ? channel.add(input) : local!.add(input);
              inFlight = add.then(() => {
                ads += n;
                report(job.shard, ads, note);
              });
              // Awaited before the next chunk goes out; marked handled so that a failure
              // meanwhile is not an unhandled rejection.
              inFlight.catch(() => undefined);
              if (i === chunks.length - 1 && pool) {
                const next = takeNow();
                if (next !== null && next !== "wait") ahead = open(next);
              }
            }
            await inFlight;
            if (failure === null)
              shardCounts[job.shard] = channel ? await channel.finish() : await local!.finish();
          } finally {
            channel?.release();
            await settle(cur);
          }
        }
      } finally {
        // A shard opened ahead and never run (a failure): drop its table.
        if (ahead !== null) await settle(ahead);
      }
    };
    try {
      await Promise.all(
        Array.from({ length: pool ? pool.size : 1 }, () =>
          lane().catch((err) => {
            failure ??= err;
          }),
        ),
      );
    } finally {
      await pool?.close();
      await closePlan(store);
      if (ownLimit) await store.run(`SET memory_limit = '${BUILD_MEMORY_LIMIT}'`);
    }
    if (failure !== null) throw failure;
    progress.done(`${shards} shard(s)`);
    if (reused > 0) log(`reused ${reused} page shard(s) finished by an earlier, interrupted build`);

    const shardSeconds = (performance.now() - shardsStarted) / 1000;
    const assembleStarted = performance.now();
    const partial = `${out}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(join(partial, "data"), { recursive: true });
    const mix =
      cfg.mix.length > 0
        ? (train: number) => writeMixWorkFile(cfg, train, join(stageDir, "mix.jsonl"))
        : null;
    const result = await assemble(store, cfg, workFiles, partial, mix).catch((err: unknown) => {
      throw explainOutOfMemory(err, "assembling the split files");
    });
    const assembleSeconds = (performance.now() - assembleStarted) / 1000;
    log(
      `page shards ${shardSeconds.toFixed(1)} s, assemble ${assembleSeconds.toFixed(1)} s (${result.files.length} files)`,
    );
    const records = result.files.reduce((a, f) => a + f.records, 0);
    if (records === 0)
      throw new AvakitError(
        `the build produced no records from ${inputs.ads} ads (do the ads have the signals the selected tasks need?)`,
      );
    const notes: string[] = [];
    const singleAdPages = shardCounts.reduce((a, c) => a + c.singleAdPages, 0);
    if (pairTasksOf(cfg).length > 0 && singleAdPages > 0)
      notes.push(
        `${singleAdPages} advertiser(s) with a single ad yield no transsuasion or transcreation pairs.`,
      );
    const card = datasetCard({
      cfg,
      version: VERSION,
      embedderId: embedderId ?? "none",
      inputs,
      counts: result.counts,
      files: result.files,
      notes,
    });
    writeFileSync(join(partial, "README.md"), card);
    const manifest = {
      avakit_version: VERSION,
      command: "avakit build",
      config: cfg,
      embedder: embedderId,
      inputs: { database: basename(opts.db), ...inputs },
      stage_key: configKey,
      counts: result.counts,
      balanced_away: result.balancedAway,
      sampled_away: result.sampledAway,
      mixed: result.mixed,
      dropped_by_region: sumBy(shardCounts, (c) => c.droppedByRegion),
      similar_pairs: shardCounts.reduce((a, c) => a + c.similarPairs, 0),
      pairs_capped: shardCounts.reduce((a, c) => a + c.pairsCapped, 0),
      files: await withSha256(result.files, partial),
    };
    writeFileSync(join(partial, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
    renameSync(partial, out);
    rmSync(workDir, { recursive: true, force: true });
    return {
      out,
      records,
      counts: result.counts,
      files: result.files,
      shards: shardCounts,
      embedderId,
      seconds: (performance.now() - started) / 1000,
      stageSeconds: { shards: shardSeconds, assemble: assembleSeconds },
      table: taskSplitTable(result.counts, false),
    };
  } finally {
    await embedder?.close();
    store.close();
  }
}

async function withSha256<F extends { path: string }>(
  files: F[],
  dir: string,
): Promise<(F & { sha256: string })[]> {
  const out: (F & { sha256: string })[] = [];
  for (const f of files) out.push({ ...f, sha256: await fileSha256(join(dir, f.path)) });
  return out;
}

function sumBy(
  list: ShardCounts[],
  pick: (c: ShardCounts) => Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of list) for (const [k, v] of Object.entries(pick(c))) out[k] = (out[k] ?? 0) + v;
  return out;
}
