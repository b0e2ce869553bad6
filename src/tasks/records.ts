/** One output record of the AVA dataset, and its line in a stage's work file. Pure. */
import { contentKey } from "../core/hash.js";
import { seededRank } from "./seeded.js";
import type { Split } from "./splits.js";
import type { RenderedTask, TaskAd } from "./types.js";

/**
 * What a page-shard stage writes, one JSON object per line; the assemble stage reads these with
 * DuckDB. `prio` is a seeded 53-bit integer priority (exact in JSON and in DuckDB's BIGINT) for sampling and balancing, `answer_class` the TAP
 * answer for balancing test sets.
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

/** A record id: the same task on the same ads with the same prompt has the same id. */
export function recordId(task: string, adIds: readonly string[], prompt: string): string {
  return contentKey(`${task}\u0000${adIds.join("\u0001")}\u0000${prompt}`);
}

export function workRecord(
  r: RenderedTask,
  ads: readonly TaskAd[],
  split: Split,
  seed: number,
  extraMeta: Record<string, unknown>,
): WorkRecord {
  const adIds = ads.map((a) => a.adId);
  const id = recordId(r.task, adIds, r.prompt);
  return {
    id,
    task: r.task,
    split,
    prompt: r.prompt,
    response: r.response,
    ad_ids: adIds,
    page_id: ads[0]!.pageId,
    meta: { ...r.meta, states: r.states, ...extraMeta },
    answer_class: r.answerClass ?? null,
    prio: seededRank(seed, id),
  };
}
