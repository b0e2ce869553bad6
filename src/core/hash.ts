import { createHash, hash } from "node:crypto";
import { createReadStream } from "node:fs";

/** sha256 of a string or bytes, hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A short (128-bit) content key, base64url: cheap to keep a million of them in a Set. */
export function contentKey(data: string): string {
  return contentDigest(data)[1];
}

/**
 * The sha256 of a text and its `contentKey` (the first 22 base64url characters of the same
 * digest), from one hash: ingest stores the key and keeps the digest's bits in its key tables.
 */
export function contentDigest(data: string): [digest: Buffer, key: string] {
  const digest = hash("sha256", data, "buffer") as Buffer;
  return [digest, digest.toString("base64url", 0, 17).slice(0, 22)];
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort())
      out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** FNV-1a, 32 bits, of a string's UTF-16 units: a cheap, stable, non-cryptographic hash. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser: a bijection that mixes every input bit into every output bit. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Streams a file through sha256, so large files need no memory. */
export async function fileSha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}
