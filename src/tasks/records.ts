/** One output record of the AVA dataset, and its line in a stage's work file. Pure. */

import { hash } from "node:crypto";
import { fmix32 } from "../core/hash.js";
import type { Split } from "./splits.js";
import type { RenderedTask, TaskAd } from "./types.js";

/**
 * What a page-shard stage writes, one JSON object per line; the assemble stage reads these with
 * DuckDB. `prio` is a seeded 53-bit integer priority (exact in JSON and in DuckDB's BIGINT) for
 * sampling and balancing, `answer_class` the TAP answer for balancing test sets. `id`, `task` and
 * `split` are written without escaping: ids are base64url or hex digests, tasks and splits codes.
 */
export interface WorkRecord {
  id: string;
  task: string;
  split: Split;
  prompt: string;
  response: string;
  ad_ids: string[];
  page_id: string;
  meta: Record<string, unknown>;
  answer_class: string | null;
  prio: number;
}

/** The column types of a work file, for DuckDB's read_json. */
export const WORK_RECORD_COLUMNS: readonly [string, string][] = [
  ["id", "VARCHAR"],
  ["task", "VARCHAR"],
  ["split", "VARCHAR"],
  ["prompt", "VARCHAR"],
  ["response", "VARCHAR"],
  ["messages", "STRUCT(role VARCHAR, content VARCHAR)[]"],
  ["ad_ids", "VARCHAR[]"],
  ["page_id", "VARCHAR"],
  ["meta", "JSON"],
  ["answer_class", "VARCHAR"],
  ["prio", "BIGINT"],
];

/**
 * A record's id and sampling priority from one sha256: the id is the content key of (task, ads,
 * prompt), so the same task on the same ads with the same prompt has the same id; the priority
 * is a seeded 53-bit mix of the digest's next 64 bits (a different seed permutes the order).
 */
export function recordKeys(
  task: string,
  adIds: readonly string[],
  prompt: string,
  seed: number,
): { id: string; prio: number } {
  // The digest as base64url text (Node 20 returns a string digest about 1 µs faster than a
  // Buffer); the id is its first 22 characters, the priority mixes its bytes 16–23.
  const d = hash("sha256", `${task}\u0000${adIds.join("\u0001")}\u0000${prompt}`, "base64url");
  const [sa, sb] = seedWords(seed);
  const hi = fmix32((digestWord(d, 16) ^ sa) >>> 0);
  const lo = fmix32((digestWord(d, 20) ^ sb ^ hi) >>> 0);
  return { id: d.slice(0, 22), prio: (hi >>> 11) * 2 ** 32 + lo };
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const SEXTET = new Int8Array(128).fill(-1);
for (let k = 0; k < 64; k++) SEXTET[BASE64URL.charCodeAt(k)] = k;

/** Bytes at..at+3 of a digest given as base64url text, as a big-endian uint32. */
export function digestWord(b64: string, at: number): number {
  let w = 0;
  for (let bit = at * 8; bit < at * 8 + 32; bit += 8) {
    // The byte's 8 bits span one or two 6-bit characters.
    const c = Math.floor(bit / 6);
    const pair = (SEXTET[b64.charCodeAt(c)]! << 6) | (SEXTET[b64.charCodeAt(c + 1)] ?? 0);
    const shift = 12 - (bit % 6) - 8;
    w = (w << 8) | ((pair >> shift) & 0xff);
  }
  return w >>> 0;
}

const seedCache = new Map<number, [number, number]>();

function seedWords(seed: number): [number, number] {
  let w = seedCache.get(seed);
  if (!w) {
    const h = hash("sha256", `avakit-record-seed\u0000${seed}`, "buffer");
    w = [h.readUInt32BE(0), h.readUInt32BE(4)];
    seedCache.set(seed, w);
  }
  return w;
}

/**
 * The work record of a rendered task. Its meta is `r.meta` itself, not a copy: the shard stage
 * completes it in place (states, keywords, pair figures), as building a merged copy by spread
 * cost more than any other step of writing a record.
 */
export function workRecord(
  r: RenderedTask,
  ads: readonly TaskAd[],
  split: Split,
  seed: number,
): WorkRecord {
  const adIds = ads.map((a) => a.adId);
  const { id, prio } = recordKeys(r.task, adIds, r.prompt, seed);
  return {
    id,
    task: r.task,
    split,
    prompt: r.prompt,
    response: r.response,
    ad_ids: adIds,
    page_id: ads[0]!.pageId,
    meta: r.meta,
    answer_class: r.answerClass ?? null,
    prio,
  };
}
