import { UsageError } from "../core/errors.js";
import type { CensusRegion } from "../signals/geography.js";
import { buildDataset } from "../tasks/build.js";
import {
  type BuildConfig,
  DEFAULT_BUILD_CONFIG,
  type OutputFormat,
  parseTaskList,
} from "../tasks/config.js";
import { CHUNK_ADS } from "../tasks/shard-stage.js";
import { bool, type Command, DB_OPTION, int, type ParsedArgs, str, strs } from "./command.js";

const D = DEFAULT_BUILD_CONFIG;

function num(args: ParsedArgs, key: string, fallback: number): number {
  return int(args, key, fallback)!;
}

function onOff(args: ParsedArgs, key: string, fallback: boolean): boolean {
  const v = str(args, key);
  if (v === undefined) return fallback;
  if (v === "on" || v === "true" || v === "yes") return true;
  if (v === "off" || v === "false" || v === "no") return false;
  throw new UsageError(`--${key} expects on or off, got "${v}"`);
}

/** `--constants region,age,gender,budget`: the facets the pair tasks' constants compare. */
function constantsOf(text: string | undefined): BuildConfig["constants"] {
  if (text === undefined) return { ...D.constants };
  const names = text
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const valid = ["region", "age", "gender", "budget"];
  for (const n of names)
    if (!valid.includes(n))
      throw new UsageError(`--constants: unknown facet "${n}" (use ${valid.join(", ")} or none)`);
  if (names.length === 1 && names[0] === "none")
    return { region: false, age: false, gender: false, budget: false };
  return {
    region: names.includes("region"),
    age: names.includes("age"),
    gender: names.includes("gender"),
    budget: names.includes("budget"),
  };
}

function ngramRange(text: string | undefined): [number, number] {
  if (text === undefined) return [...D.keywords.ngramRange];
  const parts = text.split(",").map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((p) => !Number.isInteger(p)))
    throw new UsageError(`--keyword-ngrams expects MIN,MAX (e.g. 1,2), got "${text}"`);
  return [parts[0]!, parts[1]!];
}

export function buildConfigFromArgs(args: ParsedArgs): BuildConfig {
  const sample = int(args, "sample");
  return {
    tasks: parseTaskList(str(args, "tasks") ?? "all"),
    seed: num(args, "seed", D.seed),
    embedder: str(args, "embedder") ?? D.embedder,
    embedderUrl: str(args, "embedder-url") ?? D.embedderUrl,
    similarityThreshold: num(args, "similarity-threshold", D.similarityThreshold),
    minWordEdits: num(args, "min-word-edits", D.minWordEdits),
    maxPairsPerPage: num(args, "max-pairs-per-page", D.maxPairsPerPage),
    constants: constantsOf(str(args, "constants")),
    tcRegionMinRankShift: num(args, "tc-rank-shift", D.tcRegionMinRankShift),
    keywords: {
      topN: num(args, "keywords", D.keywords.topN),
      ngramRange: ngramRange(str(args, "keyword-ngrams")),
      useMmr: bool(args, "keyword-mmr"),
      diversity: num(args, "keyword-diversity", D.keywords.diversity),
    },
    testAdvertisers: num(args, "test-advertisers", D.testAdvertisers),
    timeCutoff: str(args, "time-cutoff") ?? D.timeCutoff,
    balanceTapTest: onOff(args, "balance-tap-test", D.balanceTapTest),
    dropRegion: (str(args, "drop-region") as CensusRegion | undefined) ?? null,
    sample: sample ?? null,
    mix: strs(args, "mix"),
    mediaModel: str(args, "media-model") ?? null,
    format: (str(args, "format") ?? D.format) as OutputFormat,
    maxFileMb: num(args, "max-file-mb", D.maxFileMb),
    shardAds: num(args, "shard-ads", D.shardAds),
  };
}

export const buildCommand: Command = {
  name: "build",
  summary:
    "Build the AVA instruction dataset (18 behavior tasks, held-out splits) from the stored ads",
  usage: "avakit build [--db PATH] --out DIR [options]",
  options: {
    db: DB_OPTION,
    out: { type: "string", short: "o", description: "dataset folder to write" },
    overwrite: { type: "boolean", description: "replace an existing dataset folder" },
    tasks: {
      type: "string",
      description: "tasks to build: all, families (TAG,TAP,TS,TC) or codes",
      default: "all",
    },
    seed: { type: "string", description: "seed for every sampled choice", default: String(D.seed) },
    embedder: {
      type: "string",
      description: "use (offline USE-lite), hashing, openai:MODEL or transformers:PATH",
      default: D.embedder,
    },
    "embedder-url": {
      type: "string",
      description: "base URL of an OpenAI-compatible /v1/embeddings server (openai:MODEL)",
    },
    "embedder-key-file": {
      type: "string",
      description: "file holding the embeddings API key (default $OPENAI_API_KEY)",
    },
    "allow-download": {
      type: "boolean",
      description: "let --embedder transformers:NAME download the model from the Hugging Face hub",
    },
    "similarity-threshold": {
      type: "string",
      description: "pairs: body embedding cosine must exceed this",
      default: String(D.similarityThreshold),
    },
    "min-word-edits": {
      type: "string",
      description: "pairs: word-level Levenshtein distance at least this",
      default: String(D.minWordEdits),
    },
    "max-pairs-per-page": {
      type: "string",
      description: "pairs: similar pairs kept per advertiser at most (seeded sample)",
      default: String(D.maxPairsPerPage),
    },
    constants: {
      type: "string",
      description: "pairs: facets the constants compare (region,age,gender,budget or none)",
      default: "region,age,gender,budget",
    },
    "tc-rank-shift": {
      type: "string",
      description: "TC-R: minimum change of the target state's rank",
      default: String(D.tcRegionMinRankShift),
    },
    keywords: {
      type: "string",
      description: "TAG: number of KeyBERT keywords (0: none)",
      default: String(D.keywords.topN),
    },
    "keyword-ngrams": {
      type: "string",
      description: "TAG: keyword n-gram range MIN,MAX",
      default: "1,1",
    },
    "keyword-mmr": {
      type: "boolean",
      description: "TAG: diversify keywords with maximal marginal relevance",
    },
    "keyword-diversity": {
      type: "string",
      description: "TAG: MMR diversity in [0, 1]",
      default: String(D.keywords.diversity),
    },
    "test-advertisers": {
      type: "string",
      description: "fraction of advertisers held out as test-advertiser",
      default: String(D.testAdvertisers),
    },
    "time-cutoff": {
      type: "string",
      description: "ads starting on or after this date are test-time",
      default: D.timeCutoff,
    },
    "balance-tap-test": {
      type: "string",
      description: "balance TAP test sets across answer classes (on|off)",
      default: "on",
    },
    "drop-region": {
      type: "string",
      description: "Birds of Feather: drop records naming a state of Northeast|Midwest|South|West",
    },
    sample: { type: "string", description: "draw exactly N train records (seeded)" },
    mix: {
      type: "string",
      multiple: true,
      description: "add chat data FILE:RATIO (ShareGPT or OpenAI messages JSONL); repeatable",
    },
    "media-model": {
      type: "string",
      description: "append media verbalized by this model (avakit verbalize)",
    },
    format: { type: "string", description: "parquet (zstd) or jsonl", default: D.format },
    "max-file-mb": {
      type: "string",
      description: "start a new output file once one reaches this size (MiB)",
      default: String(D.maxFileMb),
    },
    "shard-ads": {
      type: "string",
      description: "ads per page shard (unit of work and memory)",
      default: String(D.shardAds),
    },
    workers: {
      type: "string",
      description: "worker threads for the page shards (0: none; default one per core, at most 4)",
    },
    "chunk-ads": {
      type: "string",
      description:
        "ads read and embedded at a time; larger pages are held compactly until mined (memory vs overhead; output unchanged)",
      default: String(CHUNK_ADS),
    },
    quiet: { type: "boolean", short: "q", description: "no progress on stderr" },
  },
  async run(args) {
    const out = str(args, "out");
    if (!out) throw new UsageError(`--out is required\nusage: ${this.usage}`);
    const keyFile = str(args, "embedder-key-file");
    const quiet = bool(args, "quiet");
    const chunkAds = int(args, "chunk-ads", CHUNK_ADS)!;
    if (!Number.isInteger(chunkAds) || chunkAds < 1)
      throw new UsageError(`--chunk-ads must be a whole number ≥ 1, got ${chunkAds}`);
    const res = await buildDataset({
      db: str(args, "db")!,
      out,
      cfg: buildConfigFromArgs(args),
      overwrite: bool(args, "overwrite"),
      allowDownload: bool(args, "allow-download"),
      ...(int(args, "workers") !== undefined ? { workers: int(args, "workers")! } : {}),
      chunkAds,
      log: (l) => process.stderr.write(`${l}\n`),
      progress: !quiet,
      ...(keyFile !== undefined ? { embedderKeyFile: keyFile } : {}),
    });
    process.stdout.write(
      `${res.table.join("\n")}\n\nwrote ${res.records.toLocaleString("en-US")} records in ${res.files.length} file(s) to ${res.out} in ${res.seconds.toFixed(1)} s\n`,
    );
    return 0;
  },
};
