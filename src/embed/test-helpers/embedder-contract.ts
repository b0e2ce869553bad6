/**
 * The embedder contract, written once and run against every implementation (hono's
 * `runTest({ newRouter })`): `runEmbedderContract("hashing", async () => new HashingEmbedder())`.
 *
 * What every embedder owes its callers: an id "name@version", one unit-length vector per text in
 * input order (a batch gives what single calls give), the same vector for the same text, an empty
 * batch answered with nothing, a known `dim` after a call, and vectors that survive the store's
 * embedding cache (a second `embedTexts` computes none).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { countEmbeddings } from "../../store/embeddings.js";
import { Store } from "../../store/store.js";
import { embeddingsFor, embedTexts } from "../embed-all.js";
import type { Embedder } from "../types.js";

export const CONTRACT_TEXTS = [
  "Support local businesses this Small Business Week.",
  "Vote early: polls open at 7am on Tuesday.",
  "Protect clean water in our state parks.",
];

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

function assertClose(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  assert.ok(worst <= tol, `${what}: vectors differ by ${worst} (tolerance ${tol})`);
}

export interface EmbedderContractOptions {
  /** Largest difference allowed between a text's vector alone and in a batch (default 1e-6). */
  batchTolerance?: number;
}

export function runEmbedderContract(
  name: string,
  make: () => Embedder | Promise<Embedder>,
  opts: EmbedderContractOptions = {},
): void {
  const tol = opts.batchTolerance ?? 1e-6;
  describe(`embedder contract: ${name}`, () => {
    let embedder: Embedder;
    let dir: string;
    before(async () => {
      embedder = await make();
      dir = mkdtempSync(join(tmpdir(), "avakit-embed-contract-"));
    });
    after(async () => {
      await embedder.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('has an id "name@version"', () => {
      assert.match(embedder.id, /^\S+@\S+$/);
    });

    it("gives one unit-length vector per text, in order, as single calls do", async () => {
      const batch = await embedder.embed(CONTRACT_TEXTS);
      assert.equal(batch.length, CONTRACT_TEXTS.length);
      assert.ok(embedder.dim !== null && embedder.dim > 0, "dim is known after a call");
      for (const [i, v] of batch.entries()) {
        assert.ok(v instanceof Float32Array);
        assert.equal(v.length, embedder.dim);
        assert.ok(Math.abs(norm(v) - 1) < 1e-5, `vector ${i} has norm ${norm(v)}`);
      }
      for (const [i, text] of CONTRACT_TEXTS.entries()) {
        const [alone] = await embedder.embed([text]);
        assertClose(alone!, batch[i]!, tol, `text ${i} alone vs in the batch`);
      }
      const reversed = await embedder.embed([...CONTRACT_TEXTS].reverse());
      assertClose(reversed[0]!, batch[2]!, tol, "the last text first");
      assertClose(reversed[2]!, batch[0]!, tol, "the first text last");
    });

    it("gives the same vector for the same text, and different ones for different texts", async () => {
      const [a, b, c] = await embedder.embed([
        CONTRACT_TEXTS[0]!,
        CONTRACT_TEXTS[0]!,
        CONTRACT_TEXTS[1]!,
      ]);
      assertClose(a!, b!, tol, "the same text twice");
      assert.notDeepEqual([...a!], [...c!]);
    });

    it("answers an empty batch with no vectors", async () => {
      assert.deepEqual(await embedder.embed([]), []);
    });

    it("round-trips through the embedding cache, and a rerun computes nothing", async () => {
      const store = await Store.open(join(dir, "cache.duckdb"));
      try {
        const direct = await embedder.embed(CONTRACT_TEXTS);
        const first = await embedTexts(store, embedder, CONTRACT_TEXTS);
        assert.deepEqual(first, { computed: 3, reused: 0 });
        assert.equal(await countEmbeddings(store, embedder), 3);
        const again = await embedTexts(store, embedder, [...CONTRACT_TEXTS, CONTRACT_TEXTS[0]!]);
        assert.deepEqual(again, { computed: 0, reused: 3 });
        const cached = await embeddingsFor(store, embedder, CONTRACT_TEXTS);
        for (const [i, v] of cached.entries()) {
          assertClose(v, direct[i]!, tol, `cached vector ${i}`);
        }
      } finally {
        store.close();
      }
    });
  });
}
