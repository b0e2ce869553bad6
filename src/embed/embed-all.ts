import { AvakitError } from "../core/errors.js";
import { contentKey } from "../core/hash.js";
import { Progress } from "../core/progress.js";
import { getEmbeddings, missingTextKeys, putEmbeddings } from "../store/embeddings.js";
import type { Store } from "../store/store.js";
import type { Embedder } from "./types.js";

/**
 * Embedding through the store's cache: texts are keyed by `contentKey(text)`, the ones cached for
 * this embedder are skipped, the rest are embedded a batch at a time and each batch is committed
 * as soon as it is done, so an interrupted run resumes where it stopped and a rerun computes none.
 */
export interface EmbedTextsOptions {
  /** Texts per embedder call and per cache commit (default 512). */
  batchSize?: number;
  /** Progress on stderr: true (label "embed") or the label to print; default none. */
  progress?: boolean | string;
  /** The number of texts, for the ETA when `texts` is not an array. */
  total?: number;
}

export interface EmbedTextsResult {
  /** Distinct texts embedded now. */
  computed: number;
  /** Distinct texts found in the cache. */
  reused: number;
}

export async function embedTexts(
  store: Store,
  embedder: Embedder,
  texts: Iterable<string> | AsyncIterable<string>,
  opts: EmbedTextsOptions = {},
): Promise<EmbedTextsResult> {
  const batchSize = Math.max(1, opts.batchSize ?? 512);
  // Cache look-ups go a window at a time: one query for many keys, without holding all of them.
  const window = Math.max(4 * batchSize, 8192);
  const total = opts.total ?? (Array.isArray(texts) ? texts.length : undefined);
  const progress = new Progress({
    label: typeof opts.progress === "string" ? opts.progress : `embed ${embedder.id}`,
    unit: "texts",
    ...(total !== undefined ? { total } : {}),
    enabled: opts.progress !== undefined && opts.progress !== false,
  });
  const seen = new Set<string>();
  let pending = new Map<string, string>();
  let computed = 0;
  let reused = 0;
  let done = 0;
  const note = () => `${computed.toLocaleString("en-US")} computed, ${reused.toLocaleString("en-US")} cached`;

  const flush = async () => {
    const batch = pending;
    pending = new Map();
    const missing = await missingTextKeys(store, embedder, [...batch.keys()]);
    reused += batch.size - missing.size;
    done += batch.size - missing.size;
    progress.update(done, note());
    const todo = [...missing];
    for (let i = 0; i < todo.length; i += batchSize) {
      const keys = todo.slice(i, i + batchSize);
      const vecs = await embedder.embed(keys.map((k) => batch.get(k)!));
      if (vecs.length !== keys.length) {
        throw new AvakitError(
          `embedder ${embedder.id} returned ${vecs.length} vectors for ${keys.length} texts`,
        );
      }
      await putEmbeddings(
        store,
        embedder,
        keys.map((textKey, j) => ({ textKey, vec: vecs[j]! })),
      );
      computed += keys.length;
      done += keys.length;
      progress.update(done, note());
    }
  };

  for await (const text of texts) {
    const key = contentKey(text);
    if (seen.has(key)) {
      done++;
      continue;
    }
    seen.add(key);
    pending.set(key, text);
    if (pending.size >= window) await flush();
  }
  if (pending.size > 0) await flush();
  progress.done(note());
  return { computed, reused };
}

/** The vectors of `texts`, in order: cached ones read back, missing ones computed and cached first. */
export async function embeddingsFor(
  store: Store,
  embedder: Embedder,
  texts: readonly string[],
  opts: EmbedTextsOptions = {},
): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  await embedTexts(store, embedder, texts, opts);
  const keys = texts.map(contentKey);
  const byKey = await getEmbeddings(store, embedder, keys);
  return keys.map((k, i) => {
    const v = byKey.get(k);
    if (v === undefined) {
      throw new AvakitError(
        `embedding cache: no vector for text ${i} (${JSON.stringify(texts[i]!.slice(0, 60))}) after embedding it with ${embedder.id}`,
      );
    }
    return v;
  });
}
