/**
 * `avakit build` configuration: one JSON-serialisable object, saved in manifest.json. Defaults
 * are the paper's (§3.3, "Test Set Creation", Table A3) where it states one.
 */
import { UsageError } from "../core/errors.js";
import { CENSUS_REGIONS, type CensusRegion } from "../signals/geography.js";
import { PAIR_TASKS, type PairTask, SINGLE_AD_TASKS, TASK_CODES, type TaskCode } from "./types.js";

export type OutputFormat = "parquet" | "jsonl";

export interface BuildConfig {
  /** Which of the 18 tasks to build (default all). */
  tasks: TaskCode[];
  /** Seed for every sampled choice (test advertisers, caps, balancing, --sample, mixing). */
  seed: number;
  /** `--embedder`: use (default, offline USE-lite), hashing, openai:MODEL, transformers:PATH. */
  embedder: string;
  embedderUrl: string | null;
  /** Pair filter: cosine similarity of the bodies' embeddings must exceed this (paper: 0.7 with SentenceBERT). */
  similarityThreshold: number;
  /** Pair filter: word-level Levenshtein distance at least this (paper: "> 15 words"). */
  minWordEdits: number;
  /** Similar pairs kept per page at most (seeded sample beyond). */
  maxPairsPerPage: number;
  /** Which facets the pair tasks' constants compare (Table A3). */
  constants: { region: boolean; age: boolean; gender: boolean; budget: boolean };
  /** TC-R: the minimum change of a state's rank position between the two ads (paper: 3). */
  tcRegionMinRankShift: number;
  keywords: { topN: number; ngramRange: [number, number]; useMmr: boolean; diversity: number };
  /** Fraction of pages held out as `test-advertiser` (seeded, hash-based). */
  testAdvertisers: number;
  /** Ads starting on or after this date (YYYY-MM-DD) are held out as `test-time` (paper: June 2023). */
  timeCutoff: string;
  /** Balance TAP test sets across answer classes (the paper reports TAP accuracy on balanced sets). */
  balanceTapTest: boolean;
  /** Birds of Feather (§3.4 (6)): drop every record whose prompt or answer names a state of this region. */
  dropRegion: CensusRegion | null;
  /** Draw exactly this many train records (seeded), so that variants have equal sizes. */
  sample: number | null;
  /** External chat data: FILE:RATIO specs (see mix.ts). */
  mix: string[];
  /** Verbalized media of this vision model (`avakit verbalize`) appended to ad bodies. */
  mediaModel: string | null;
  format: OutputFormat;
  /** A new output file starts once a file reaches this size in MiB (DuckDB's FILE_SIZE_BYTES). */
  maxFileMb: number;
  /** Ads per page shard (the unit of work; a page is never split). */
  shardAds: number;
}

export const DEFAULT_BUILD_CONFIG: BuildConfig = {
  tasks: [...TASK_CODES],
  seed: 0,
  embedder: "use",
  embedderUrl: null,
  similarityThreshold: 0.7,
  minWordEdits: 16,
  maxPairsPerPage: 1000,
  constants: { region: true, age: true, gender: true, budget: true },
  tcRegionMinRankShift: 3,
  keywords: { topN: 5, ngramRange: [1, 1], useMmr: false, diversity: 0.5 },
  testAdvertisers: 0.05,
  timeCutoff: "2023-06-01",
  balanceTapTest: true,
  dropRegion: null,
  sample: null,
  mix: [],
  mediaModel: null,
  format: "parquet",
  maxFileMb: 256,
  shardAds: 10_000,
};

export function singleTasksOf(cfg: BuildConfig): (typeof SINGLE_AD_TASKS)[number][] {
  return SINGLE_AD_TASKS.filter((t) => cfg.tasks.includes(t));
}

export function pairTasksOf(cfg: BuildConfig): PairTask[] {
  return PAIR_TASKS.filter((t) => cfg.tasks.includes(t));
}

/** Parses a comma-separated task list; "all", family prefixes ("TAG", "TS") and codes. */
export function parseTaskList(text: string): TaskCode[] {
  const out = new Set<TaskCode>();
  for (const raw of text.split(",")) {
    const t = raw.trim().toUpperCase();
    if (!t) continue;
    if (t === "ALL") for (const c of TASK_CODES) out.add(c);
    else if ((TASK_CODES as readonly string[]).includes(t)) out.add(t as TaskCode);
    else if (["TAG", "TAP", "TS", "TC"].includes(t)) {
      for (const c of TASK_CODES) if (c.startsWith(`${t}-`)) out.add(c);
    } else
      throw new UsageError(
        `unknown task "${raw.trim()}": use all, TAG, TAP, TS, TC or codes such as ${TASK_CODES.join(", ")}`,
      );
  }
  return TASK_CODES.filter((c) => out.has(c));
}

/** Checks a configuration; every problem is a UsageError naming the flag. */
export function validateBuildConfig(cfg: BuildConfig): BuildConfig {
  const fail = (msg: string): never => {
    throw new UsageError(msg);
  };
  if (cfg.tasks.length === 0) fail("--tasks selects no task");
  if (!(cfg.similarityThreshold >= -1 && cfg.similarityThreshold <= 1))
    fail(`--similarity-threshold must be in [-1, 1], got ${cfg.similarityThreshold}`);
  if (!Number.isInteger(cfg.minWordEdits) || cfg.minWordEdits < 0)
    fail(`--min-word-edits must be a whole number ≥ 0, got ${cfg.minWordEdits}`);
  if (!Number.isInteger(cfg.maxPairsPerPage) || cfg.maxPairsPerPage < 1)
    fail(`--max-pairs-per-page must be a whole number ≥ 1, got ${cfg.maxPairsPerPage}`);
  if (!(cfg.testAdvertisers >= 0 && cfg.testAdvertisers < 1))
    fail(`--test-advertisers must be a fraction in [0, 1), got ${cfg.testAdvertisers}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(cfg.timeCutoff) || Number.isNaN(Date.parse(cfg.timeCutoff)))
    fail(`--time-cutoff must be a date YYYY-MM-DD, got "${cfg.timeCutoff}"`);
  if (cfg.dropRegion !== null && !(CENSUS_REGIONS as readonly string[]).includes(cfg.dropRegion))
    fail(`--drop-region must be one of ${CENSUS_REGIONS.join(", ")}, got "${cfg.dropRegion}"`);
  if (cfg.sample !== null && (!Number.isInteger(cfg.sample) || cfg.sample < 1))
    fail(`--sample must be a whole number ≥ 1, got ${cfg.sample}`);
  if (!Number.isInteger(cfg.keywords.topN) || cfg.keywords.topN < 0)
    fail(`--keywords must be a whole number ≥ 0, got ${cfg.keywords.topN}`);
  const [lo, hi] = cfg.keywords.ngramRange;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi >= lo && hi <= 4))
    fail(`--keyword-ngrams must be "MIN,MAX" with 1 ≤ MIN ≤ MAX ≤ 4, got ${lo},${hi}`);
  if (!(cfg.keywords.diversity >= 0 && cfg.keywords.diversity <= 1))
    fail(`--keyword-diversity must be in [0, 1], got ${cfg.keywords.diversity}`);
  if (!(cfg.maxFileMb > 0)) fail(`--max-file-mb must be above 0, got ${cfg.maxFileMb}`);
  if (!Number.isInteger(cfg.shardAds) || cfg.shardAds < 1)
    fail(`--shard-ads must be a whole number ≥ 1, got ${cfg.shardAds}`);
  if (cfg.format !== "parquet" && cfg.format !== "jsonl")
    fail(`--format must be parquet or jsonl, got "${cfg.format}"`);
  return cfg;
}
