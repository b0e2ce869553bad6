import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { contentKey } from "../core/hash.js";
import { countEmbeddings, getEmbeddings } from "../store/embeddings.js";
import { Store } from "../store/store.js";
import { embeddingsFor, embedTexts } from "./embed-all.js";
import { HashingEmbedder, hashingVector } from "./hashing.js";
import type { Embedder } from "./types.js";

/** The hashing embedder, counting what it is asked and failing on call number `failOn`. */
class CountingEmbedder implements Embedder {
  readonly id: string;
  readonly dim = 512;
  calls: string[][] = [];
  constructor(
    name: string,
    private readonly failOn = 0,
  ) {
    this.id = `counting-${name}@1`;
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.calls.push(texts);
    if (this.calls.length === this.failOn)
      throw new Error(`embedder failed on call ${this.failOn}`);
    return new HashingEmbedder().embed(texts);
  }
  async close(): Promise<void> {}
  get texts(): number {
    return this.calls.reduce((n, c) => n + c.length, 0);
  }
}

const texts = (n: number, prefix = "ad") =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i}: shop local, vote early`);

describe("embedTexts / embeddingsFor", () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "avakit-embed-all-"));
    store = await Store.open(join(dir, "t.duckdb"));
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("embeds each distinct text once, caches it, and a rerun computes nothing", async () => {
    const e = new CountingEmbedder("dedupe");
    const input = [...texts(5, "a"), "a 0: shop local, vote early", "a 1: shop local, vote early"];
    assert.deepEqual(await embedTexts(store, e, input, { batchSize: 2 }), {
      computed: 5,
      reused: 0,
    });
    assert.deepEqual(
      e.calls.map((c) => c.length),
      [2, 2, 1],
    );
    assert.equal(await countEmbeddings(store, e), 5);
    assert.deepEqual(await embedTexts(store, e, input), { computed: 0, reused: 5 });
    assert.equal(e.texts, 5, "no text embedded twice");
    const more = await embedTexts(store, e, [...texts(5, "a"), ...texts(2, "b")]);
    assert.deepEqual(more, { computed: 2, reused: 5 });
  });

  it("keys vectors by contentKey(text) and stores what the embedder gave", async () => {
    const e = new CountingEmbedder("keys");
    await embedTexts(store, e, ["exact text"]);
    const got = await getEmbeddings(store, e, [contentKey("exact text")]);
    assert.deepEqual([...got.get(contentKey("exact text"))!], [...hashingVector("exact text")]);
  });

  it("takes async iterables", async () => {
    const e = new CountingEmbedder("async");
    async function* gen() {
      for (const t of texts(4, "async")) yield t;
    }
    assert.deepEqual(await embedTexts(store, e, gen(), { total: 4 }), { computed: 4, reused: 0 });
  });

  it("keeps what was done before a failure: the rerun resumes after it", async () => {
    const failing = new CountingEmbedder("resume", 3);
    const input = texts(10, "resume");
    await assert.rejects(
      embedTexts(store, failing, input, { batchSize: 3 }),
      /embedder failed on call 3/,
    );
    assert.equal(await countEmbeddings(store, failing), 6);
    const healthy = new CountingEmbedder("resume");
    assert.deepEqual(await embedTexts(store, healthy, input, { batchSize: 3 }), {
      computed: 4,
      reused: 6,
    });
    assert.equal(healthy.texts, 4);
  });

  it("goes through many windows of look-ups", async () => {
    const e = new CountingEmbedder("windows");
    const input = texts(20_000, "big");
    assert.deepEqual(await embedTexts(store, e, input, { batchSize: 1000 }), {
      computed: 20_000,
      reused: 0,
    });
    assert.equal(await countEmbeddings(store, e), 20_000);
  });

  it("embeddingsFor returns every vector in input order, repeats included", async () => {
    const e = new CountingEmbedder("order");
    const input = ["x one", "y two", "x one", "z three"];
    const vecs = await embeddingsFor(store, e, input);
    assert.equal(vecs.length, 4);
    for (const [i, t] of input.entries()) assert.deepEqual([...vecs[i]!], [...hashingVector(t)]);
    assert.equal(e.texts, 3);
    const again = await embeddingsFor(store, e, input);
    assert.equal(e.texts, 3, "all from the cache");
    assert.deepEqual(
      again.map((x) => [...x]),
      vecs.map((x) => [...x]),
    );
    assert.deepEqual(await embeddingsFor(store, e, []), []);
  });
});
