import assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { AvakitError, UsageError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { ingestFiles } from "../ingest/ingest.js";
import { Store } from "../store/store.js";
import { writeSynthFile } from "../synth/write.js";
import { buildDataset } from "../tasks/build.js";
import { type BuildConfig, DEFAULT_BUILD_CONFIG } from "../tasks/config.js";
import { readChatRecords } from "../tasks/mix.js";
import {
  defaultTrainConfig,
  TRAINERS,
  type TrainExportConfig,
  type TrainerName,
} from "./config.js";
import { SKIP_REASONS, trainableConversation } from "./conversation.js";
import { exportTrainingPackage, PACKAGE_MANIFEST } from "./export.js";
import { TRAINER_TARGETS } from "./trainers/index.js";

const SHAPES = new URL("../../test/fixtures/train/chat-shapes.jsonl", import.meta.url).pathname;
const SHAREGPT = new URL("../../test/fixtures/mix/sharegpt.json", import.meta.url).pathname;
const BASE = "meta-llama/Llama-2-7b-chat-hf";

// A small build with the cheap lexical embedder (as src/tasks/build.test.ts does).
const BUILD: BuildConfig = {
  ...DEFAULT_BUILD_CONFIG,
  tasks: ["TAG-G", "TAP-A", "TS-B"],
  embedder: "hashing",
  similarityThreshold: 0.5,
  testAdvertisers: 0.2,
  timeCutoff: "2024-01-01",
};

let dir: string;
let dataset: string;
let datasetJsonl: string;
let datasetMixed: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "avakit-train-test-"));
  const db = join(dir, "ads.duckdb");
  const synth = join(dir, "synth.jsonl");
  await writeSynthFile({ ads: 160, seed: 11, advertisers: 12 }, synth);
  const store = await Store.open(db);
  try {
    await ingestFiles(store, [synth], { progress: false });
  } finally {
    store.close();
  }
  dataset = join(dir, "ds");
  datasetJsonl = join(dir, "ds-jsonl");
  datasetMixed = join(dir, "ds-mixed");
  await buildDataset({ db, out: dataset, cfg: BUILD });
  await buildDataset({ db, out: datasetJsonl, cfg: { ...BUILD, format: "jsonl" } });
  await buildDataset({ db, out: datasetMixed, cfg: { ...BUILD, mix: [`${SHAPES}:all`] } });
});

after(() => rmSync(dir, { recursive: true, force: true }));

type Msg = { role: string; content: string };

async function splitRecords(
  ds: string,
  split: string,
): Promise<{ id: string; task: string; messages: Msg[] }[]> {
  const manifest = JSON.parse(readFileSync(join(ds, "manifest.json"), "utf8"));
  const files = (manifest.files as { path: string; split: string }[])
    .filter((f) => f.split === split)
    .map((f) => `'${join(ds, f.path)}'`);
  const mem = await Store.open(":memory:");
  try {
    return await mem.query(
      `SELECT id, task, messages FROM read_parquet([${files.join(", ")}]) ORDER BY id`,
    );
  } finally {
    mem.close();
  }
}

/** The package's conversations, mapped back to {role, content} with the trainer's own tags. */
function readPackage(pkg: string, trainer: TrainerName): Msg[][] {
  const target = TRAINER_TARGETS[trainer];
  const lines = readFileSync(join(pkg, target.dataFile), "utf8").split("\n");
  assert.equal(lines.pop(), "", "the data file ends with a newline");
  if (trainer !== "llama-factory")
    return lines.map((l) => {
      const rec = JSON.parse(l);
      assert.deepEqual(Object.keys(rec), ["messages"]);
      return rec.messages;
    });
  const info = JSON.parse(readFileSync(join(pkg, "data", "dataset_info.json"), "utf8"));
  const desc = Object.values(info)[0] as {
    columns: { messages: string };
    tags: Record<string, string>;
  };
  const role: Record<string, string> = {
    [desc.tags.user_tag!]: "user",
    [desc.tags.assistant_tag!]: "assistant",
    [desc.tags.system_tag!]: "system",
  };
  return lines.map((l) => {
    const rec = JSON.parse(l);
    return (rec[desc.columns.messages] as Record<string, string>[]).map((t) => ({
      role: role[t[desc.tags.role_tag!]!]!,
      content: t[desc.tags.content_tag!]!,
    }));
  });
}

/** The conversations the mix fixtures should add: every usable one, as the exporter repairs it. */
async function expectedMix(files: string[]): Promise<Msg[][]> {
  const out: Msg[][] = [];
  for (const f of files)
    for await (const r of readChatRecords(f)) {
      const c = trainableConversation(r.messages);
      if (c.ok) out.push(c.messages);
    }
  return out;
}

function filesOf(root: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(d, f.name), `${rel}${f.name}/`);
      else m.set(`${rel}${f.name}`, sha256(readFileSync(join(d, f.name))));
    }
  };
  walk(root, "");
  return m;
}

const sortedJson = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();

function cfgFor(trainer: TrainerName, patch: Partial<TrainExportConfig> = {}): TrainExportConfig {
  return { ...defaultTrainConfig(trainer, BASE), ...patch };
}

for (const trainer of TRAINERS) {
  describe(`export for ${trainer}`, () => {
    test("the package holds the split's records plus the mix, roles mapped, counts and hashes right", async () => {
      const out = join(dir, `pkg-${trainer}`);
      const res = await exportTrainingPackage({
        dataset,
        out,
        cfg: cfgFor(trainer, { mix: [`${SHAPES}:all`, `${SHAREGPT}:all`] }),
      });
      const target = TRAINER_TARGETS[trainer];
      const ava = await splitRecords(dataset, "train");
      const mix = await expectedMix([SHAPES, SHAREGPT]);
      const got = readPackage(out, trainer);

      // count = split records + mix (less the mix conversations no trainer can take)
      assert.equal(res.counts.splitRecords, ava.length);
      assert.equal(res.counts.mixed, 7 + 2);
      assert.deepEqual(res.counts.skipped, {
        [SKIP_REASONS.noExchange]: 1,
        [SKIP_REASONS.repeatedRole]: 1,
        [SKIP_REASONS.systemNotFirst]: 1,
      });
      assert.equal(res.counts.written, ava.length + res.counts.mixed - 3);
      assert.equal(got.length, res.counts.written);
      assert.deepEqual(sortedJson(got), sortedJson([...ava.map((r) => r.messages), ...mix]));
      const byTask: Record<string, number> = { MIX: 6 };
      for (const r of ava) byTask[r.task] = (byTask[r.task] ?? 0) + 1;
      assert.deepEqual(res.counts.byTask, byTask);
      assert.deepEqual(Object.values(res.counts.adjusted), [1, 1]);

      // The config is the trainer's documented YAML and points at the data.
      const config = parse(readFileSync(join(out, target.configFile), "utf8"));
      assert.equal(config.model_name_or_path ?? config.base_model, BASE);
      if (trainer === "axolotl") assert.ok(existsSync(join(out, config.datasets[0].path)));
      if (trainer === "trl") assert.ok(existsSync(join(out, config.dataset_name, "train.jsonl")));
      if (trainer === "llama-factory") {
        const info = JSON.parse(
          readFileSync(join(out, config.dataset_dir, "dataset_info.json"), "utf8"),
        );
        assert.ok(existsSync(join(out, config.dataset_dir, info[config.dataset].file_name)));
      }

      // train.sh is executable and runs the documented command; the README states the counts.
      assert.ok((statSync(join(out, "train.sh")).mode & 0o111) !== 0, "train.sh is executable");
      assert.ok(readFileSync(join(out, "train.sh"), "utf8").includes(target.launch));
      const readme = readFileSync(join(out, "README.md"), "utf8");
      assert.ok(readme.includes(`${res.counts.written.toLocaleString("en-US")} conversations`));
      for (const line of target.install) assert.ok(readme.includes(line), line);
      assert.match(readme, /left out: 1 \(a system turn after the first turn\)/);

      // avakit-train.json: the config, the dataset's manifest hash, counts, every file's sha256.
      const manifest = JSON.parse(readFileSync(join(out, PACKAGE_MANIFEST), "utf8"));
      assert.equal(manifest.trainer, trainer);
      assert.deepEqual(
        manifest.config,
        cfgFor(trainer, { mix: [`${SHAPES}:all`, `${SHAREGPT}:all`] }),
      );
      assert.equal(
        manifest.dataset.manifest_sha256,
        sha256(readFileSync(join(dataset, "manifest.json"))),
      );
      assert.equal(manifest.counts.written, res.counts.written);
      assert.equal(manifest.counts.split_records, ava.length);
      const onDisk = filesOf(out);
      onDisk.delete(PACKAGE_MANIFEST);
      assert.deepEqual(
        new Map(
          (manifest.files as { path: string; sha256: string }[]).map((f) => [f.path, f.sha256]),
        ),
        onDisk,
      );
      assert.ok(!existsSync(`${out}.partial`));
    });

    test("same inputs give the same bytes; lora and full packages share their data", async () => {
      const cfg = cfgFor(trainer, { mix: [`${SHAPES}:3n`] });
      const a = join(dir, `det-a-${trainer}`);
      const b = join(dir, `det-b-${trainer}`);
      await exportTrainingPackage({ dataset, out: a, cfg });
      await exportTrainingPackage({ dataset, out: b, cfg });
      assert.deepEqual(filesOf(a), filesOf(b));
      const full = join(dir, `det-full-${trainer}`);
      await exportTrainingPackage({
        dataset,
        out: full,
        cfg: { ...cfg, method: "full", learningRate: 2e-5 },
      });
      const [fa, ff] = [filesOf(a), filesOf(full)];
      const dataFile = TRAINER_TARGETS[trainer].dataFile;
      assert.equal(fa.get(dataFile), ff.get(dataFile));
      assert.notEqual(
        fa.get(TRAINER_TARGETS[trainer].configFile),
        ff.get(TRAINER_TARGETS[trainer].configFile),
      );
    });
  });
}

test("the seed picks the mix sample: some other seed takes other conversations", async () => {
  const data = (seed: number) =>
    exportTrainingPackage({
      dataset,
      out: join(dir, `seed-${seed}`),
      cfg: cfgFor("trl", { mix: [`${SHAPES}:2n`], seed }),
    }).then((r) => readFileSync(join(r.out, "data", "train.jsonl"), "utf8"));
  const first = await data(0);
  let differs = false;
  for (let seed = 1; seed <= 6 && !differs; seed++) differs = (await data(seed)) !== first;
  assert.ok(differs, "no seed in 1..6 changed the 2-of-7 sample");
});

test("a JSON Lines dataset exports the same conversations, byte for byte, as its parquet twin", async () => {
  const a = await exportTrainingPackage({
    dataset,
    out: join(dir, "fmt-parquet"),
    cfg: cfgFor("axolotl"),
  });
  const b = await exportTrainingPackage({
    dataset: datasetJsonl,
    out: join(dir, "fmt-jsonl"),
    cfg: cfgFor("axolotl"),
  });
  assert.equal(
    a.files.find((f) => f.path === "data/train.jsonl")!.sha256,
    b.files.find((f) => f.path === "data/train.jsonl")!.sha256,
  );
});

test("chat data the build mixed in is counted as such and checked like any other", async () => {
  const logs: string[] = [];
  const res = await exportTrainingPackage({
    dataset: datasetMixed,
    out: join(dir, "built-mix"),
    cfg: cfgFor("llama-factory", { mix: [`${SHAREGPT}:all`] }),
    log: (l) => logs.push(l),
  });
  assert.equal(res.counts.builtMix, 7);
  assert.equal(res.counts.mixed, 2);
  assert.equal(res.counts.byTask.MIX, 4 + 2);
  assert.equal(
    Object.values(res.counts.skipped).reduce((x, y) => x + y, 0),
    3,
  );
  assert.equal(res.counts.written, res.counts.splitRecords + res.counts.mixed - 3);
  assert.ok(
    logs.some((l) => /already holds chat data mixed in by its build/.test(l)),
    logs.join("\n"),
  );
  assert.ok(
    logs.some((l) => /left out 3 conversation\(s\)/.test(l)),
    logs.join("\n"),
  );
});

describe("bad input: clear errors, nothing half-written", () => {
  const rejects = async (
    patch: {
      dataset?: string;
      out?: string;
      overwrite?: boolean;
      cfg?: Partial<TrainExportConfig>;
    },
    pattern: RegExp,
    kind: typeof AvakitError = AvakitError,
  ) => {
    const out = patch.out ?? join(dir, "never");
    await assert.rejects(
      exportTrainingPackage({
        dataset: patch.dataset ?? dataset,
        out,
        overwrite: patch.overwrite ?? false,
        cfg: cfgFor("trl", patch.cfg),
      }),
      (e: unknown) => {
        assert.ok(e instanceof kind, `${(e as Error).name}: ${(e as Error).message}`);
        assert.match((e as Error).message, pattern);
        return true;
      },
    );
    if (!patch.out) assert.ok(!existsSync(out), "no package");
    assert.ok(!existsSync(`${out}.partial`), "no partial folder");
  };

  test("a missing dataset folder, or one without manifest.json", async () => {
    await rejects(
      { dataset: join(dir, "no-such-ds") },
      /dataset folder .*no-such-ds does not exist \(build one with `avakit build/,
    );
    const bare = join(dir, "bare");
    mkdirSync(join(bare, "data"), { recursive: true });
    await rejects(
      { dataset: bare },
      /bare has no manifest\.json: it is not a dataset written by `avakit build`/,
    );
  });

  test("an empty or unknown split names the splits that have records", async () => {
    await rejects(
      { cfg: { split: "validation" } },
      /split "validation" of .* has no records; splits with records: train \(\d+\), test-advertiser \(\d+\), test-time \(\d+\)/,
    );
  });

  test("an unknown trainer lists the valid ones", async () => {
    await rejects(
      { cfg: { trainer: "unsloth" as TrainerName } },
      /unknown trainer "unsloth": use one of trl, axolotl, llama-factory/,
      UsageError,
    );
  });

  test("an existing --out is refused unless --overwrite, which replaces it whole", async () => {
    const out = join(dir, "taken");
    mkdirSync(out);
    writeFileSync(join(out, "old.txt"), "old");
    await rejects({ out }, /taken already exists \(use --overwrite to replace it\)/);
    assert.ok(existsSync(join(out, "old.txt")), "left alone");
    await exportTrainingPackage({ dataset, out, overwrite: true, cfg: cfgFor("trl") });
    assert.ok(!existsSync(join(out, "old.txt")));
    assert.ok(existsSync(join(out, PACKAGE_MANIFEST)));
    await rejects({ out: dataset, overwrite: true }, /would replace the dataset folder/);
    assert.ok(existsSync(join(dataset, "manifest.json")), "the dataset is untouched");
  });

  test("a mix that fails once the package folder is begun leaves neither the package nor OUT.partial", async () => {
    await rejects(
      { cfg: { mix: [`${SHAPES}:100n`] } },
      /the mix asks for 100 records but .* has only 7 usable conversations/,
    );
    await rejects(
      { cfg: { mix: [join(dir, "nope.jsonl:0.5")] } },
      /mix file .*nope\.jsonl does not exist/,
    );
    await rejects(
      { cfg: { mix: ["no-ratio.jsonl"] } },
      /bad mix spec "no-ratio\.jsonl"/,
      UsageError,
    );
  });

  test("a data file that does not match manifest.json's sha256 stops the export", async () => {
    const copy = join(dir, "ds-corrupt");
    cpSync(dataset, copy, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(copy, "manifest.json"), "utf8"));
    const train = (manifest.files as { path: string; split: string }[]).find(
      (f) => f.split === "train",
    )!;
    const path = join(copy, train.path);
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    await rejects(
      { dataset: copy },
      /does not match manifest\.json \(sha256 .*: a truncated or changed copy\?/,
    );
    rmSync(path);
    await rejects({ dataset: copy }, /is listed in manifest\.json but missing/);
  });
});
