import { AvakitError } from "../core/errors.js";
import { contentKey } from "../core/hash.js";
import { Progress } from "../core/progress.js";
import {
  type EmbeddingRow,
  getEmbeddings,
  missingTextKeys,
  putEmbeddings,
} from "../store/embeddings.js";
import type { Store } from "../store/store.js";
import type { Embedder } from "./types.js";

/**
 * Embedding through the store's cache: texts are keyed by `contentKey(text)`, the ones cached for
 * this embedder are skipped, the rest are embedded a batch at a time and committed as they are
 * done, so an interrupted run resumes where it stopped and a rerun computes nothing.
 *
 * A slow embedder's batch (`use`: seconds per batch) is committed at once; a fast one's (`hashing`)
 * are gathered for up to a second or 16 MiB, since every commit costs a key look-up and a WAL
 * flush. At most that much work is lost to an interruption.
 */
const COMMIT_MS = 1000;
const COMMIT_BYTES = 16 * 2 ** 20;

export interface EmbedTextsOptions {
  /** Texts per embedder call (default 512). */
  batchSize?: number;
  /** Progress on stderr: true (labelled with the embedder id) or the label to print; default none. */
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
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 512));
  // Cache look-ups go a window at a time: one query for many keys, without holding all texts.
  const windowSize = Math.max(4 * batchSize, 8192);
  const total = opts.total ?? (Array.isArray(texts) ? texts.length : undefined);
  const progress = new Progress({
    label: typeof opts.progress === "string" ? opts.progress : `embed ${embedder.id}`,
    unit: "texts",
    ...(total !== undefined ? { total } : {}),
    enabled: opts.progress !== undefined && opts.progress !== false,
  });
  let computed = 0;
  let reused = 0;
  let done = 0;
  const note = () =>
    `${computed.toLocaleString("en-US")} computed, ${reused.toLocaleString("en-US")} cached`;

  let unsaved: EmbeddingRow[] = [];
  let unsavedBytes = 0;
  let lastCommit = performance.now();
  const save = async () => {
    if (unsaved.length > 0) await putEmbeddings(store, embedder, unsaved);
    unsaved = [];
    unsavedBytes = 0;
    lastCommit = performance.now();
  };

  const embedWindow = async (window: Map<string, string>) => {
    const missing = [...(await missingTextKeys(store, embedder, [...window.keys()]))];
    reused += window.size - missing.length;
    done += window.size - missing.length;
    progress.update(done, note());
    for (let i = 0; i < missing.length; i += batchSize) {
      const keys = missing.slice(i, i + batchSize);
      const vecs = await embedder.embed(keys.map((k) => window.get(k)!));
      if (vecs.length !== keys.length) {
        throw new AvakitError(
          `embedder ${embedder.id} returned ${vecs.length} vectors for ${keys.length} texts`,
        );
      }
      for (let j = 0; j < keys.length; j++) {
        const vec = vecs[j]!;
        unsaved.push({ textKey: keys[j]!, vec });
        unsavedBytes += vec.byteLength;
      }
      computed += keys.length;
      done += keys.length;
      if (unsavedBytes >= COMMIT_BYTES || performance.now() - lastCommit >= COMMIT_MS) {
        await save();
      }
      progress.update(done, note());
    }
  };

  const seen = new Set<string>();
  let window = new Map<string, string>();
  try {
    for await (const text of texts) {
      const key = contentKey(text);
      if (seen.has(key)) {
        done++;
        continue;
      }
      seen.add(key);
      window.set(key, text);
      if (window.size >= windowSize) {
        await embedWindow(window);
        window = new Map();
      }
    }
    if (window.size > 0) await embedWindow(window);
  } catch (err) {
    // Keep what was computed before the failure, so that the next run starts after it.
    await save().catch(() => undefined);
    throw err;
  }
  await save();
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
