import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { ingestFiles } from "../ingest/ingest.js";
import { Store } from "../store/store.js";
import { writeSynthFile } from "../synth/write.js";
import { buildDataset } from "../tasks/build.js";
import { DEFAULT_BUILD_CONFIG } from "../tasks/config.js";

const CLI = new URL("../cli/main.ts", import.meta.url).pathname;
const SHAPES = new URL("../../test/fixtures/train/chat-shapes.jsonl", import.meta.url).pathname;

function avakit(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let dataset: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "avakit-train-cli-"));
  const db = join(dir, "ads.duckdb");
  const synth = join(dir, "synth.jsonl");
  await writeSynthFile({ ads: 80, seed: 3, advertisers: 6 }, synth);
  const store = await Store.open(db);
  try {
    await ingestFiles(store, [synth], { progress: false });
  } finally {
    store.close();
  }
  dataset = join(dir, "ds");
  // TAP tasks need no embedder: the quickest real dataset.
  await buildDataset({
    db,
    out: dataset,
    cfg: { ...DEFAULT_BUILD_CONFIG, tasks: ["TAP-A", "TAP-G"] },
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

const required = (out: string, trainer = "llama-factory") => [
  "train",
  "export",
  "--dataset",
  dataset,
  "--trainer",
  trainer,
  "--base-model",
  "meta-llama/Llama-2-13b-chat-hf",
  "--out",
  out,
];

test("avakit train export writes a package and prints its counts and files", () => {
  const out = join(dir, "pkg");
  const r = avakit([
    ...required(out),
    "--method",
    "full",
    "--epochs",
    "2",
    "--learning-rate",
    "1e-5",
    "--max-seq-len",
    "4096",
    "--mix",
    `${SHAPES}:all`,
    "--seed",
    "5",
    "--quiet",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^llama-factory package: [\d,]+ conversations \([\d,]+ AVA records of split train \+ 7 mixed here, 3 left out\)$/m,
  );
  assert.match(r.stdout, /data\/dataset_info\.json/);
  assert.match(r.stdout, /run: bash .*pkg\/train\.sh/);
  assert.equal(r.stderr.includes("export:"), false, "--quiet: no progress");
  const cfg = parse(readFileSync(join(out, "config.yaml"), "utf8"));
  assert.equal(cfg.finetuning_type, "full");
  assert.equal(cfg.lora_target, undefined);
  assert.equal(cfg.num_train_epochs, 2);
  assert.equal(cfg.learning_rate, 1e-5);
  assert.equal(cfg.cutoff_len, 4096);
  assert.equal(cfg.seed, 5);
  assert.equal(cfg.template, "llama2");
  const manifest = JSON.parse(readFileSync(join(out, "avakit-train.json"), "utf8"));
  assert.equal(manifest.config.method, "full");
  assert.deepEqual(manifest.config.mix, [`${SHAPES}:all`]);
});

test("the learning rate defaults by method: 2e-4 for lora, 2e-5 for full", () => {
  for (const [method, lr] of [
    ["lora", 2e-4],
    ["full", 2e-5],
  ] as const) {
    const out = join(dir, `lr-${method}`);
    const r = avakit([...required(out, "trl"), "--method", method, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parse(readFileSync(join(out, "config.yaml"), "utf8")).learning_rate, lr);
  }
});

test("usage errors exit 2 and say what is wrong; refused outputs exit 1; no stack traces", () => {
  const out = join(dir, "never");
  const cases: [string[], number, RegExp][] = [
    [["train"], 2, /a subcommand is required: the only one is export/],
    [["train", "import"], 2, /unknown subcommand "import"/],
    [
      [...required(out, "deepspeed")],
      2,
      /unknown trainer "deepspeed": use one of trl, axolotl, llama-factory/,
    ],
    [
      required(out).filter((a) => a !== "--trainer" && a !== "llama-factory"),
      2,
      /--trainer is required: one of trl, axolotl, llama-factory/,
    ],
    [required(out).slice(0, -2), 2, /--out is required/],
    [[...required(out), "--method", "qlora"], 2, /unknown --method "qlora": use lora or full/],
    [[...required(out), "--epochs", "zero"], 2, /--epochs expects a number/],
    [
      [...required(out), "--split", "dev"],
      1,
      /split "dev" of .* has no records; splits with records: train/,
    ],
    [
      [
        "train",
        "export",
        "--dataset",
        join(dir, "nope"),
        "--trainer",
        "trl",
        "--base-model",
        "m",
        "--out",
        out,
      ],
      1,
      /does not exist/,
    ],
    [[...required(join(dir, "pkg"))], 1, /already exists \(use --overwrite to replace it\)/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = avakit(args);
    assert.equal(r.code, code, `${args.join(" ")}\n${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
  assert.ok(!existsSync(out) && !existsSync(`${out}.partial`));
});

test("help lists the train command and its flags", () => {
  assert.match(avakit(["--help"]).stdout, /\btrain\s+Export a ready-to-run fine-tuning package/);
  const h = avakit(["train", "--help"]);
  assert.equal(h.code, 0);
  for (const flag of [
    "--dataset",
    "--trainer",
    "--base-model",
    "--method",
    "--mix",
    "--epochs",
    "--learning-rate",
    "--max-seq-len",
    "--seed",
    "--overwrite",
  ])
    assert.ok(h.stdout.includes(flag), flag);
});
