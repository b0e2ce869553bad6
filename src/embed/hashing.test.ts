import assert from "node:assert/strict";
import { test } from "node:test";
import { HASHING_DIM, HashingEmbedder, hashingVector, tokenHash } from "./hashing.js";
import { runEmbedderContract } from "./test-helpers/embedder-contract.js";
import { cosine, dot } from "./types.js";

runEmbedderContract("hashing", () => new HashingEmbedder(), { batchTolerance: 0 });

test("hashing: id and dimension", () => {
  const e = new HashingEmbedder();
  assert.equal(e.id, "hashing-512@1");
  assert.equal(e.dim, HASHING_DIM);
});

test("hashing: case, punctuation and word order do not matter; words do", () => {
  const a = hashingVector("Vote early, vote often!");
  const b = hashingVector("often VOTE; early vote");
  assert.ok(Math.abs(dot(a, b) - 1) < 1e-6);
  const c = hashingVector("Vote early, vote often! Polls open at 7am.");
  const d = hashingVector("Shop our spring sale on garden furniture.");
  assert.ok(cosine(a, c) > 0.5, `shared words: ${cosine(a, c)}`);
  assert.ok(Math.abs(cosine(a, d)) < 0.3, `no shared word: ${cosine(a, d)}`);
});

test("hashing: tokens are Unicode letters and digits", () => {
  const a = hashingVector("Café año 2024 — 東京");
  const b = hashingVector("café AÑO 2024 東京");
  assert.ok(Math.abs(dot(a, b) - 1) < 1e-6);
  assert.ok(Math.abs(dot(a, hashingVector("cafe ano 2024")) - 1) > 1e-3, "accents are kept");
});

test("hashing: one token is ±1 in one bucket; repeats weigh 1 + ln tf (sublinear)", () => {
  const v = hashingVector("river");
  const nonzero = [...v.keys()].filter((i) => v[i] !== 0);
  assert.equal(nonzero.length, 1);
  const h = tokenHash("river");
  assert.equal(nonzero[0], h & (HASHING_DIM - 1));
  assert.equal(v[nonzero[0]!], h < 0 ? -1 : 1);
  // "a a a b": weights 1 + ln 3 and 1 (if a and b land in different buckets).
  const ha = tokenHash("aa");
  const hb = tokenHash("bb");
  assert.notEqual(ha & 511, hb & 511);
  const w = hashingVector("aa aa aa bb");
  const ratio = Math.abs(w[ha & 511]! / w[hb & 511]!);
  assert.ok(Math.abs(ratio - (1 + Math.log(3))) < 1e-5, `ratio ${ratio}`);
});

test("hashing: the hash is FNV-1a + fmix32, stable across runs", () => {
  // Pinned values: a change here changes every cached vector, so bump HASHING_ID with it.
  const tokens = ["vote", "river", "", "東京", "año"];
  assert.deepEqual(tokens.map(tokenHash), tokens.map(tokenHashReference));
  assert.deepEqual(["vote", "river", ""].map(tokenHash), [-1454223403, 1376895181, -1421968373]);
});

test("hashing: an empty or symbol-only text gives the zero vector", () => {
  for (const t of ["", "!!! ...", "   "]) {
    const v = hashingVector(t);
    assert.ok(v.every((x) => x === 0));
  }
});

/** An independent FNV-1a + murmur3 fmix32 with BigInt arithmetic, to check the Math.imul one. */
function tokenHashReference(token: string): number {
  const M = 0xffffffffn;
  let h = 0x811c9dc5n;
  for (let i = 0; i < token.length; i++) {
    h ^= BigInt(token.charCodeAt(i));
    h = (h * 0x01000193n) & M;
  }
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & M;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & M;
  h ^= h >> 16n;
  return Number(BigInt.asIntN(32, h));
}
