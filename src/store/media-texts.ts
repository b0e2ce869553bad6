import { AvakitError } from "../core/errors.js";
import type { Store } from "./store.js";

/**
 * `media_texts`: a vision model's verbalization (description plus any text) of one media item,
 * one row per (model, media). `model` is the verbalizer's id (`openai:MODEL@BASE_URL`, see
 * tasks/verbalize.ts), never a key; `media` is the path or URL exactly as `ads.media` lists it.
 */

/** A distinct media item of `ads.media` and the ads that carry it. */
export interface PendingMedia {
  media: string;
  /** Ids of the ads listing it, sorted. */
  adIds: string[];
}

export interface MediaTextRow {
  media: string;
  text: string;
}

/** How many distinct media items the ads list, and how many of them `model` has verbalized. */
export async function mediaCounts(
  store: Store,
  model: string,
): Promise<{ distinct: number; done: number }> {
  const r = await store.query<{ distinct: number | string; done: number | string | null }>(
    `WITH m AS (${DISTINCT_MEDIA_SQL})
     SELECT count(*) AS distinct,
            count(*) FILTER (WHERE media IN (SELECT media FROM media_texts WHERE model = $1)) AS done
     FROM m`,
    [model],
  );
  return { distinct: Number(r[0]?.distinct ?? 0), done: Number(r[0]?.done ?? 0) };
}

/** Distinct media items `model` has not verbalized yet, sorted by media, at most `limit`. */
export async function pendingMedia(
  store: Store,
  model: string,
  limit?: number,
): Promise<PendingMedia[]> {
  const rows = await store.query<{ media: string; ad_ids: string[] }>(
    `SELECT m AS media, list(DISTINCT ad_id ORDER BY ad_id) AS ad_ids
     FROM ads, unnest(from_json(ads.media, '["VARCHAR"]')) AS u(m)
     WHERE m IS NOT NULL AND m <> ''
       AND m NOT IN (SELECT media FROM media_texts WHERE model = $1)
     GROUP BY m ORDER BY m${limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(limit))}` : ""}`,
    [model],
  );
  return rows.map((r) => ({ media: r.media, adIds: r.ad_ids }));
}

const DISTINCT_MEDIA_SQL = `SELECT DISTINCT m AS media FROM ads, unnest(from_json(ads.media, '["VARCHAR"]')) AS u(m) WHERE m IS NOT NULL AND m <> ''`;

/**
 * Stores verbalizations of `model` in one statement. A (model, media) already present is kept
 * as it is (the first answer wins), so a rerun never duplicates a row.
 */
export async function insertMediaTexts(
  store: Store,
  model: string,
  rows: readonly MediaTextRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const params: string[] = [model];
  const values = rows.map((r) => {
    params.push(r.media, r.text);
    return `($${params.length - 1}, $${params.length})`;
  });
  await store.run(
    `INSERT INTO media_texts
     SELECT $1, v.media, any_value(v.text), now()
     FROM (VALUES ${values.join(", ")}) AS v(media, text)
     WHERE v.media NOT IN (SELECT media FROM media_texts WHERE model = $1)
     GROUP BY v.media`,
    params,
  );
}

/** The verbalizers that have stored answers, with how many each. */
export async function verbalizers(store: Store): Promise<{ model: string; items: number }[]> {
  const rows = await store.query<{ model: string; n: number | string }>(
    "SELECT model, count(DISTINCT media) AS n FROM media_texts GROUP BY model ORDER BY model",
  );
  return rows.map((r) => ({ model: r.model, items: Number(r.n) }));
}

/**
 * Every verbalization of `model`, by media (the dataset builder's lookup). `model` is the id
 * `avakit verbalize` prints (`openai:MODEL@BASE_URL`); a spec without `@` (`openai:MODEL`)
 * stands for that model at whichever one server has answers, and is an error when several have.
 */
export async function mediaTextsFor(store: Store, model: string): Promise<Map<string, string>> {
  let id = model;
  if (!model.includes("@")) {
    const ids = (await verbalizers(store)).filter((v) => v.model.startsWith(`${model}@`));
    if (ids.length > 1) {
      throw new AvakitError(
        `${model} has verbalized media at several servers: name one of ${ids.map((v) => v.model).join(", ")}`,
      );
    }
    if (ids.length === 1) id = ids[0]!.model;
  }
  const out = new Map<string, string>();
  // Oldest first, and never overwritten: the first stored answer is the one used, as above.
  for await (const r of store.stream<{ media: string; text: string }>(
    "SELECT media, text FROM media_texts WHERE model = $1 ORDER BY created_at, media",
    [id],
  )) {
    if (!out.has(r.media)) out.set(r.media, r.text);
  }
  return out;
}
