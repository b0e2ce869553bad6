import { endianness } from "node:os";
import {
  type DuckDBBlobVector,
  type DuckDBDataChunk,
  type DuckDBIntegerVector,
  LIST,
  listValue,
  VARCHAR,
} from "@duckdb/node-api";
import { AvakitError } from "../core/errors.js";
import type { Store } from "./store.js";

/**
 * The embedding cache (table `embeddings`, migration 2): one Float32 little-endian vector per
 * (embedder id, content key of the text). Vectors go in through DuckDB's appender (blobs as they
 * are: the NDJSON path of `appendBatch` would spell every float out in text), and come out as
 * Float32Array views over the blob bytes the driver hands over, without a per-element copy.
 */

/** An embedder's id (its `id` property, "name@version"), or anything that has one. */
export type EmbedderRef = string | { readonly id: string };

export interface EmbeddingRow {
  /** contentKey(text). */
  textKey: string;
  vec: Float32Array;
}

/** Keys per query: bounds the size of the list parameter and of each result. */
const KEYS_PER_QUERY = 50_000;
const LITTLE_ENDIAN = endianness() === "LE";

function idOf(embedder: EmbedderRef): string {
  return typeof embedder === "string" ? embedder : embedder.id;
}

/**
 * A query over the keys of `keys` that have a vector for this embedder, yielding each one's
 * position in `keys` (column 0) and `columns` after it.
 *
 * The keys travel as ONE string that DuckDB splits (a list parameter of 50k strings costs more
 * to convert than the query itself), and come back as positions, not strings: reading a string
 * from a result is a native call and a UTF-8 decode per row, reading an integer is not. A key
 * with a comma (contentKey's base64url never has one) makes it fall back to a list parameter.
 */
async function* storedPositions(
  store: Store,
  id: string,
  keys: readonly string[],
  columns: string,
): AsyncGenerator<DuckDBDataChunk> {
  for (let start = 0; start < keys.length; start += KEYS_PER_QUERY) {
    const chunk = keys.slice(start, start + KEYS_PER_QUERY);
    const plain = !chunk.some((k) => k.includes(","));
    const list = plain ? "string_split($2, ',')" : "$2";
    const result = await store.conn.stream(
      `WITH q AS (SELECT unnest(l) AS k, (generate_subscripts(l, 1) - 1 + ${start})::INTEGER AS i FROM (SELECT ${list} AS l))
       SELECT q.i${columns ? `, ${columns}` : ""} FROM q JOIN embeddings e ON e.text_key = q.k WHERE e.embedder = $1`,
      plain ? [id, chunk.join(",")] : [id, listValue(chunk)],
      plain ? [VARCHAR, VARCHAR] : [VARCHAR, LIST(VARCHAR)],
    );
    for (
      let c = await result.fetchChunk();
      c !== null && c.rowCount > 0;
      c = await result.fetchChunk()
    ) {
      yield c;
    }
  }
}

/** The keys among `keys` (deduplicated) that have no vector for this embedder yet. */
export async function missingTextKeys(
  store: Store,
  embedder: EmbedderRef,
  keys: readonly string[],
): Promise<Set<string>> {
  const unique = [...new Set(keys)];
  const stored = new Uint8Array(unique.length);
  for await (const c of storedPositions(store, idOf(embedder), unique, "")) {
    const pos = c.getColumnVector(0) as DuckDBIntegerVector;
    for (let r = 0; r < c.rowCount; r++) stored[pos.getItem(r)!] = 1;
  }
  const missing = new Set<string>();
  for (let i = 0; i < unique.length; i++) if (stored[i] === 0) missing.add(unique[i]!);
  return missing;
}

/**
 * Stores vectors in one transaction of its own (so not inside another). A (embedder, key) already
 * stored, or repeated in `rows`, is skipped (the first one wins), so the cache never holds two
 * vectors for one text. Returns how many rows were written.
 *
 * Each call pays a look-up over the embedder's stored keys (the table has no index) and a commit
 * (a WAL flush), about 10-30 ms together: pass thousands of rows per call for throughput.
 */
export async function putEmbeddings(
  store: Store,
  embedder: EmbedderRef,
  rows: readonly EmbeddingRow[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const id = idOf(embedder);
  const dim = rows[0]!.vec.length;
  if (dim === 0) throw new AvakitError(`embedding cache: an empty vector for ${id}`);
  for (const row of rows) {
    if (row.vec.length !== dim) {
      throw new AvakitError(
        `embedding cache: vectors of one batch for ${id} differ in length (${dim} and ${row.vec.length})`,
      );
    }
  }
  return store.transaction(async () => {
    const missing = await missingTextKeys(
      store,
      id,
      rows.map((r) => r.textKey),
    );
    if (missing.size === 0) return 0;
    const appender = await store.conn.createAppender("embeddings");
    let written = 0;
    try {
      for (const row of rows) {
        if (!missing.delete(row.textKey)) continue;
        appender.appendVarchar(id);
        appender.appendVarchar(row.textKey);
        appender.appendInteger(dim);
        appender.appendBlob(vectorBytes(row.vec));
        appender.endRow();
        written++;
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return written;
  });
}

/**
 * The stored vectors of `keys` for this embedder; keys without one are absent from the map.
 * Each call (per 50k keys) scans the stored vectors once, as the table has no index on its keys:
 * ask for many keys per call rather than a few at a time.
 */
export async function getEmbeddings(
  store: Store,
  embedder: EmbedderRef,
  keys: readonly string[],
): Promise<Map<string, Float32Array>> {
  const id = idOf(embedder);
  const unique = [...new Set(keys)];
  const out = new Map<string, Float32Array>();
  for await (const c of storedPositions(store, id, unique, "e.vec")) {
    const pos = c.getColumnVector(0) as DuckDBIntegerVector;
    const vecs = c.getColumnVector(1) as DuckDBBlobVector;
    for (let r = 0; r < c.rowCount; r++) {
      const key = unique[pos.getItem(r)!]!;
      out.set(key, bytesToVector(vecs.getItemBytes(r)!, id, key));
    }
  }
  return out;
}

/** How many vectors the cache holds for this embedder. */
export async function countEmbeddings(store: Store, embedder: EmbedderRef): Promise<number> {
  const rows = await store.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM embeddings WHERE embedder = $1",
    [idOf(embedder)],
  );
  return Number(rows[0]?.n ?? 0);
}

/** The vector's bytes, Float32 little-endian: a view where the host is little-endian. */
export function vectorBytes(vec: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(vec.buffer, vec.byteOffset, vec.byteLength);
  const bytes = new Uint8Array(vec.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vec.length; i++) view.setFloat32(i * 4, vec[i]!, true);
  return bytes;
}

/**
 * A Float32Array over a blob's bytes. The driver returns a blob longer than 12 bytes in an
 * ArrayBuffer of its own, so the vector is a view with no copy; a shorter blob is a view into
 * the result's memory (copied, since that memory goes with the result), and a misaligned or
 * big-endian one is copied too.
 */
export function bytesToVector(raw: Uint8Array, embedder = "?", key = "?"): Float32Array {
  const bytes = raw.byteLength <= 12 ? raw.slice() : raw;
  if (bytes.byteLength % 4 !== 0) {
    throw new AvakitError(
      `embedding cache: the vector of ${key} for ${embedder} has ${bytes.byteLength} bytes, not a multiple of 4; the database is damaged`,
    );
  }
  const n = bytes.byteLength / 4;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  }
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
