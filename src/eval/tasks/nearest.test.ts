import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ingestFiles } from "../../ingest/ingest.js";
import { Store } from "../../store/store.js";
import { writeSynthFile } from "../../synth/write.js";
import { buildDataset } from "../../tasks/build.js";
import { DEFAULT_BUILD_CONFIG } from "../../tasks/config.js";
import { readSplitRecords } from "./dataset-reader.js";
import { NearestTrainBaseline } from "./nearest.js";
import { runAvaTasks } from "./run.js";

let dir: string;
let dataset: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "avakit-nearest-"));
  const db = join(dir, "a.duckdb");
  await writeSynthFile({ ads: 300, seed: 2, advertisers: 20 }, join(dir, "s.jsonl"));
  const store = await Store.open(db);
  try {
    await ingestFiles(store, [join(dir, "s.jsonl")], { progress: false });
  } finally {
    store.close();
  }
  dataset = join(dir, "ds");
  await buildDataset({
    db,
    out: dataset,
    cfg: { ...DEFAULT_BUILD_CONFIG, embedder: "hashing", timeCutoff: "2023-01-01" },
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("nearest: a train prompt is answered with its own response", async () => {
  const b = new NearestTrainBaseline(dataset);
  const train = await readSplitRecords(dataset, "train");
  for (const r of train.slice(0, 20)) {
    const got = await b.generate(r.prompt, { maxTokens: 10, temperature: 0 });
    assert.equal(got.text, r.response);
  }
  await assert.rejects(b.topLogprobs(), /no token probabilities/);
});

test("nearest: scores every test-time task, TAP beside the random guess", async () => {
  const outcome = await runAvaTasks({
    backend: new NearestTrainBaseline(dataset),
    concurrency: 2,
    seed: 0,
    dataset,
    split: "test-time",
  });
  assert.equal(outcome.failures.length, 0);
  const tasks = new Set(outcome.results.map((r) => r.task));
  assert.ok(tasks.has("TAG-A") && tasks.has("TAP-A"), [...tasks].join(","));
});
