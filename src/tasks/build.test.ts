import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AvakitError } from "../core/errors.js";
import { ingestFiles } from "../ingest/ingest.js";
import { censusRegionOf } from "../signals/geography.js";
import { Store } from "../store/store.js";
import { writeSynthFile } from "../synth/write.js";
import { buildDataset, explainOutOfMemory } from "./build.js";
import { type BuildConfig, DEFAULT_BUILD_CONFIG } from "./config.js";

// The cheap lexical embedder keeps these tests fast; the default embedder is exercised by the
// demo test and by src/embed's own tests.
const CFG: BuildConfig = {
  ...DEFAULT_BUILD_CONFIG,
  embedder: "hashing",
  similarityThreshold: 0.5,
  testAdvertisers: 0.2,
  timeCutoff: "2024-01-01",
  shardAds: 250,
};

let dir: string;
let db: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "avakit-build-test-"));
  db = join(dir, "ads.duckdb");
  const file = join(dir, "synth.jsonl");
  await writeSynthFile({ ads: 600, seed: 5, advertisers: 25 }, file);
  const store = await Store.open(db);
  try {
    await ingestFiles(store, [file], { progress: false });
  } finally {
    store.close();
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

interface Rec {
  id: string;
  task: string;
  split: string;
  prompt: string;
  response: string;
  messages: { role: string; content: string }[];
  ad_ids: string[];
  page_id: string;
  meta: string;
}

async function readBack(out: string, ext: "parquet" | "jsonl"): Promise<Rec[]> {
  const mem = await Store.open(":memory:");
  try {
    const glob = join(out, "data", `*.${ext}`);
    const from =
      ext === "parquet"
        ? `read_parquet('${glob}')`
        : `read_json('${glob}', format = 'newline_delimited')`;
    return await mem.query<Rec>(`SELECT * FROM ${from} ORDER BY split, id`);
  } finally {
    mem.close();
  }
}

function filesOf(out: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(d, f.name), `${rel}${f.name}/`);
      else
        m.set(
          `${rel}${f.name}`,
          createHash("sha256")
            .update(readFileSync(join(d, f.name)))
            .digest("hex"),
        );
    }
  };
  walk(out, "");
  return m;
}

test("build: every record reads back in DuckDB, the card's and manifest's counts equal the files'", async () => {
  const out = join(dir, "ds-a");
  const res = await buildDataset({ db, out, cfg: CFG });
  const recs = await readBack(out, "parquet");
  assert.equal(recs.length, res.records);
  assert.ok(res.records > 1000, `${res.records} records`);
  const tasks = new Set(recs.map((r) => r.task));
  for (const t of [
    "TAG-G",
    "TAG-A",
    "TAG-R",
    "TAG-B",
    "TAG-I",
    "TAP-G",
    "TAP-A",
    "TAP-R",
    "TAP-B",
    "TAP-I",
  ])
    assert.ok(tasks.has(t), `has ${t}`);
  assert.ok(
    [...tasks].some((t) => t.startsWith("TS-")),
    "has transsuasion pairs",
  );
  assert.ok(
    [...tasks].some((t) => t.startsWith("TC-")),
    "has transcreation pairs",
  );
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  const card = readFileSync(join(out, "README.md"), "utf8");
  assert.match(card, /^---\n/);
  assert.match(card, /split: test_advertiser/);
  assert.match(card, /SYNTHETIC/);
  for (const [task, bySplit] of Object.entries(
    manifest.counts as Record<string, Record<string, number>>,
  )) {
    for (const [split, n] of Object.entries(bySplit)) {
      assert.equal(
        recs.filter((r) => r.task === task && r.split === split).length,
        n,
        `${task}/${split}`,
      );
      assert.ok(card.includes(`| ${task} |`), `card lists ${task}`);
    }
  }
  for (const r of recs) {
    assert.deepEqual(
      r.messages.map((m) => m.role),
      ["user", "assistant"],
    );
    assert.equal(r.messages[0]!.content, r.prompt);
    assert.equal(r.messages[1]!.content, r.response);
    assert.equal(r.ad_ids.length, r.task.startsWith("TS-") || r.task.startsWith("TC-") ? 2 : 1);
    const meta = JSON.parse(r.meta);
    assert.equal(meta.synthetic, true);
    if (r.ad_ids.length === 2) {
      assert.ok(meta.similarity > CFG.similarityThreshold);
      assert.ok(meta.word_edits >= CFG.minWordEdits);
    }
  }
  assert.deepEqual(readdirSync(out).sort(), ["README.md", "data", "manifest.json"]);
  assert.ok(!existsSync(`${out}.work`), "work files removed");
  assert.ok(!existsSync(`${out}.partial`), "no partial folder left");
});

test("build: no train record mentions a test ad; TAP test sets are balanced", async () => {
  const out = join(dir, "ds-b");
  await buildDataset({ db, out, cfg: CFG });
  const recs = await readBack(out, "parquet");
  // A test ad: one whose own (single-ad) records are held out. A pair with a train ad and a
  // test ad is held out too, so train ads may appear in test records, never the reverse.
  const testAds = new Set(
    recs.filter((r) => r.split !== "train" && r.ad_ids.length === 1).flatMap((r) => r.ad_ids),
  );
  const testPages = new Set(
    recs.filter((r) => r.split === "test-advertiser").map((r) => r.page_id),
  );
  assert.ok(testAds.size > 0 && testPages.size > 0, "both test splits exist");
  for (const r of recs.filter((x) => x.split === "train")) {
    for (const a of r.ad_ids)
      assert.ok(!testAds.has(a), `train record ${r.id} mentions test ad ${a}`);
    assert.ok(!testPages.has(r.page_id), `train record of a held-out advertiser`);
  }
  for (const split of ["test-advertiser", "test-time"]) {
    for (const task of ["TAP-A", "TAP-G"]) {
      const byClass = new Map<string, number>();
      for (const r of recs.filter((x) => x.split === split && x.task === task))
        byClass.set(r.response, (byClass.get(r.response) ?? 0) + 1);
      assert.ok(
        new Set(byClass.values()).size <= 1,
        `${split}/${task} balanced: ${[...byClass.values()]}`,
      );
    }
  }
});

test("build: same inputs and seed give byte-identical files, with or without workers; another seed changes them", async () => {
  const a = join(dir, "det-a");
  const b = join(dir, "det-b");
  await buildDataset({ db, out: a, cfg: CFG });
  await buildDataset({ db, out: b, cfg: CFG });
  assert.deepEqual(filesOf(a), filesOf(b));
  const serial = join(dir, "det-serial");
  await buildDataset({ db, out: serial, cfg: CFG, workers: 0 });
  assert.deepEqual(filesOf(serial), filesOf(a), "worker threads do not change the output");
  // Pages larger than a chunk: read in several chunks and held in compact columns until mined.
  const small = join(dir, "det-small-chunks");
  const summary = await buildDataset({ db, out: small, cfg: CFG, chunkAds: 7 });
  assert.ok(
    summary.shards.some((s) => s.similarPairs > 0),
    "pairs were mined",
  );
  assert.deepEqual(filesOf(small), filesOf(a), "the chunk size does not change the output");
  const c = join(dir, "det-c");
  await buildDataset({ db, out: c, cfg: { ...CFG, seed: 99 } });
  assert.notDeepEqual(filesOf(a).get("manifest.json"), filesOf(c).get("manifest.json"));
});

test("build: --drop-region removes every record naming a state of the region; --sample draws exactly N", async () => {
  const full = await readBack(join(dir, "ds-a"), "parquet");
  const westNamed = full.filter((r) =>
    (JSON.parse(r.meta).states as string[]).some((s) => censusRegionOf(s) === "West"),
  );
  assert.ok(westNamed.length > 0, "the full build names western states");
  const out = join(dir, "bof");
  await buildDataset({
    db,
    out,
    cfg: { ...CFG, dropRegion: "West", sample: 300, format: "jsonl" },
  });
  const recs = await readBack(out, "jsonl");
  assert.equal(recs.filter((r) => r.split === "train").length, 300);
  for (const r of recs) {
    const meta = typeof r.meta === "string" ? JSON.parse(r.meta) : r.meta;
    for (const s of meta.states as string[])
      assert.notEqual(censusRegionOf(s), "West", `${r.id} names ${s}`);
    for (const s of ["California", "Oregon", "Washington", "Nevada", "Colorado"])
      assert.ok(
        !r.prompt.includes(s) && !r.response.includes(s),
        `${r.task} ${r.id} mentions ${s}`,
      );
  }
  await assert.rejects(
    buildDataset({ db, out: join(dir, "too-many"), cfg: { ...CFG, sample: 10_000_000 } }),
    /--sample 10000000 asks for more train records than the build has/,
  );
});

test("build: clear errors for an empty database, a missing one and an existing output folder", async () => {
  const empty = join(dir, "empty.duckdb");
  (await Store.open(empty)).close();
  await assert.rejects(buildDataset({ db: empty, out: join(dir, "e"), cfg: CFG }), (e: unknown) => {
    assert.ok(e instanceof AvakitError);
    assert.match(e.message, /has no ads: run `avakit ingest`/);
    return true;
  });
  await assert.rejects(
    buildDataset({ db: join(dir, "nope.duckdb"), out: join(dir, "e2"), cfg: CFG }),
    /does not exist/,
  );
  const taken = join(dir, "taken");
  await buildDataset({ db, out: taken, cfg: { ...CFG, tasks: ["TAP-A"] } });
  await assert.rejects(
    buildDataset({ db, out: taken, cfg: CFG }),
    /already exists and is not empty \(use --overwrite/,
  );
  writeFileSync(join(dir, "unused"), "");
});

test("build: an interrupted build reuses the finished page shards", async () => {
  const out = join(dir, "resume");
  const logs: string[] = [];
  // Simulate an interruption after the shard stage: a mix spec that fails in the assemble stage.
  await assert.rejects(
    buildDataset({ db, out, cfg: { ...CFG, mix: [join(dir, "no-such-chat.jsonl:0.5")] } }),
  );
  assert.ok(!existsSync(out), "no dataset folder where a finished one would be");
  const work = join(`${out}.work`);
  assert.ok(existsSync(work), "work files kept for the rerun");
  const markers = readdirSync(work, { recursive: true }).filter((f) =>
    String(f).endsWith(".done.json"),
  );
  assert.ok(markers.length >= 2, `${markers.length} finished shards`);
  const res = await buildDataset({ db, out, cfg: CFG, log: (l) => logs.push(l) });
  assert.ok(res.records > 0);
  assert.ok(
    logs.some((l) =>
      /reused \d+ page shard\(s\) finished by an earlier, interrupted build/.test(l),
    ),
    logs.join("\n"),
  );
  assert.ok(!existsSync(work));
});

test("DuckDB's out-of-memory error becomes one that names the limit and what to do", () => {
  const oom = new Error(
    "Out of Memory Error: failed to allocate data of size 14.5 MiB (229.8 MiB/244.1 MiB used)\n\nPossible solutions: ...",
  );
  const saved = process.env.AVAKIT_MEMORY_LIMIT;
  try {
    process.env.AVAKIT_MEMORY_LIMIT = "256MB";
    const e = explainOutOfMemory(oom, "assembling the split files") as Error;
    assert.ok(e instanceof AvakitError);
    assert.match(
      e.message,
      /^DuckDB ran out of memory while assembling the split files under its limit of 256MB \(AVAKIT_MEMORY_LIMIT\): Out of Memory Error: failed to allocate data of size 14\.5 MiB .*; raise AVAKIT_MEMORY_LIMIT \(the default, 512MB,/,
    );
    assert.equal(e.cause, oom);
    delete process.env.AVAKIT_MEMORY_LIMIT;
    assert.match((explainOutOfMemory(oom, "x") as Error).message, /under its limit of 512MB: /);
    const other = new Error("Binder Error: no such column");
    assert.equal(explainOutOfMemory(other, "x"), other);
  } finally {
    if (saved === undefined) delete process.env.AVAKIT_MEMORY_LIMIT;
    else process.env.AVAKIT_MEMORY_LIMIT = saved;
  }
});

test("build: an embedding endpoint failing in the middle of the page shards fails the build cleanly, with workers", async () => {
  const { startFakeEmbeddingsServer } = await import(
    "../embed/test-helpers/fake-embeddings-server.js"
  );
  // Answers the first requests, then refuses every later one: the failure lands in a chunk read
  // ahead for a lane's next shard or in the one after, depending on timing.
  const server = await startFakeEmbeddingsServer({
    faults: [
      { kind: "ok" },
      { kind: "ok" },
      ...Array.from({ length: 50 }, () => ({
        kind: "status" as const,
        status: 400,
        message: "fake refusal",
      })),
    ],
  });
  const out = join(dir, "embed-fails");
  try {
    await assert.rejects(
      buildDataset({
        db,
        out,
        cfg: { ...CFG, embedder: "openai:fake-model", embedderUrl: server.baseUrl },
        workers: 2,
        chunkAds: 60,
      }),
      (err: Error) => err instanceof AvakitError && /fake refusal|400/.test(err.message),
    );
    assert.ok(!existsSync(out), "no dataset folder where a finished one would be");
    assert.ok(server.requests.length > 2, `${server.requests.length} requests`);
  } finally {
    await server.close();
  }
});
