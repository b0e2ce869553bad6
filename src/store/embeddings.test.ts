import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AvakitError } from "../core/errors.js";
import {
  bytesToVector,
  countEmbeddings,
  getEmbeddings,
  missingTextKeys,
  putEmbeddings,
  vectorBytes,
} from "./embeddings.js";
import { Store } from "./store.js";

const vec = (seed: number, dim = 8) =>
  Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 31 + i) / 3);

describe("embedding cache", () => {
  let dir: string;
  let store: Store;
  let path: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "avakit-embeddings-"));
    path = join(dir, "t.duckdb");
    store = await Store.open(path);
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("round-trips vectors bit for bit, per embedder", async () => {
    const rows = [0, 1, 2].map((i) => ({ textKey: `k${i}`, vec: vec(i) }));
    assert.equal(await putEmbeddings(store, "model-a@1", rows), 3);
    assert.equal(
      await putEmbeddings(store, { id: "model-b@1" }, [{ textKey: "k0", vec: vec(9) }]),
      1,
    );
    const got = await getEmbeddings(store, "model-a@1", ["k2", "k0", "nope", "k0"]);
    assert.deepEqual([...got.keys()].sort(), ["k0", "k2"]);
    assert.deepEqual([...got.get("k0")!], [...vec(0)]);
    assert.deepEqual([...got.get("k2")!], [...vec(2)]);
    const b = await getEmbeddings(store, "model-b@1", ["k0", "k1"]);
    assert.deepEqual([...b.keys()], ["k0"]);
    assert.deepEqual([...b.get("k0")!], [...vec(9)]);
    assert.equal(await countEmbeddings(store, "model-a@1"), 3);
    assert.equal(await countEmbeddings(store, { id: "model-b@1" }), 1);
    assert.equal(await countEmbeddings(store, "other@1"), 0);
    const stored = await store.query<{ dim: number; n: number }>(
      "SELECT dim, octet_length(vec)::INTEGER AS n FROM embeddings WHERE embedder = 'model-a@1' LIMIT 1",
    );
    assert.deepEqual(stored, [{ dim: 8, n: 32 }]);
  });

  it("never stores two vectors for one (embedder, key)", async () => {
    const e = "dedupe@1";
    assert.equal(
      await putEmbeddings(store, e, [
        { textKey: "a", vec: vec(1) },
        { textKey: "a", vec: vec(2) },
        { textKey: "b", vec: vec(3) },
      ]),
      2,
    );
    assert.equal(
      await putEmbeddings(store, e, [
        { textKey: "b", vec: vec(4) },
        { textKey: "c", vec: vec(5) },
      ]),
      1,
    );
    assert.equal(await countEmbeddings(store, e), 3);
    const got = await getEmbeddings(store, e, ["a", "b"]);
    assert.deepEqual([...got.get("a")!], [...vec(1)], "the first one wins");
    assert.deepEqual([...got.get("b")!], [...vec(3)], "a stored vector is kept");
  });

  it("tells which keys are missing", async () => {
    const e = "missing@1";
    await putEmbeddings(store, e, [
      { textKey: "x", vec: vec(1) },
      { textKey: "y", vec: vec(2) },
    ]);
    assert.deepEqual([...(await missingTextKeys(store, e, ["x", "z", "y", "w", "z"]))], ["z", "w"]);
    assert.deepEqual([...(await missingTextKeys(store, e, []))], []);
    assert.deepEqual([...(await missingTextKeys(store, "other@1", ["x"]))], ["x"]);
  });

  it("handles keys with commas and quotes, and tiny vectors", async () => {
    const e = "odd-keys@1";
    const keys = ["a,b", "it's", "", "ü,ñ"];
    await putEmbeddings(
      store,
      e,
      keys.map((textKey, i) => ({ textKey, vec: vec(i, 2) })),
    );
    const got = await getEmbeddings(store, e, keys);
    for (const [i, k] of keys.entries()) assert.deepEqual([...got.get(k)!], [...vec(i, 2)], k);
    assert.deepEqual([...(await missingTextKeys(store, e, [...keys, "c,d"]))], ["c,d"]);
    // Vectors of ≤ 12 bytes come back as copies, still valid after the result is gone.
    await store.query("SELECT count(*) FROM range(100000)");
    assert.deepEqual([...got.get("a,b")!], [...vec(0, 2)]);
  });

  it("refuses vectors of different lengths in one batch, writing none", async () => {
    const e = "mixed@1";
    await assert.rejects(
      putEmbeddings(store, e, [
        { textKey: "a", vec: vec(1, 4) },
        { textKey: "b", vec: vec(2, 5) },
      ]),
      AvakitError,
    );
    await assert.rejects(
      putEmbeddings(store, e, [{ textKey: "a", vec: new Float32Array(0) }]),
      /empty vector/,
    );
    assert.equal(await countEmbeddings(store, e), 0);
    assert.equal(await putEmbeddings(store, e, []), 0);
  });

  it("rolls a failed write back", async () => {
    const e = "rollback@1";
    await assert.rejects(
      store.transaction(async () => {
        await store.run(
          "INSERT INTO embeddings VALUES ('rollback@1', 'k', 1, '\\x00\\x00\\x80\\x3f'::BLOB)",
        );
        throw new Error("boom");
      }),
    );
    assert.equal(await countEmbeddings(store, e), 0);
  });

  it("survives reopening the database", async () => {
    const e = "reopen@1";
    const rows = Array.from({ length: 3000 }, (_, i) => ({ textKey: `r${i}`, vec: vec(i, 64) }));
    assert.equal(await putEmbeddings(store, e, rows), 3000);
    store.close();
    store = await Store.open(path);
    const got = await getEmbeddings(
      store,
      e,
      rows.map((r) => r.textKey),
    );
    assert.equal(got.size, 3000);
    assert.deepEqual([...got.get("r2999")!], [...vec(2999, 64)]);
    assert.equal(
      (
        await missingTextKeys(
          store,
          e,
          rows.map((r) => r.textKey),
        )
      ).size,
      0,
    );
  });

  it("encodes Float32 little-endian, and rejects damaged blobs", () => {
    const v = Float32Array.of(1, -2.5);
    assert.deepEqual([...vectorBytes(v)], [0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0]);
    assert.deepEqual([...bytesToVector(Uint8Array.of(0, 0, 0x80, 0x3f))], [1]);
    const unaligned = new Uint8Array(21).subarray(1);
    unaligned.set(vectorBytes(Float32Array.of(1, 2, 3, 4, 5)));
    assert.deepEqual([...bytesToVector(unaligned)], [1, 2, 3, 4, 5]);
    assert.throws(() => bytesToVector(new Uint8Array(6), "e@1", "k"), /6 bytes.*damaged/);
  });
});
