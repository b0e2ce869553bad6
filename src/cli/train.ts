import { UsageError } from "../core/errors.js";
import {
  DEFAULT_LEARNING_RATE,
  DEFAULT_MAX_SEQ_LEN,
  defaultTrainConfig,
  exportTrainingPackage,
  parseMethod,
  parseTrainer,
  TRAINERS,
  type TrainExportConfig,
} from "../train/index.js";
import { bool, type Command, int, type ParsedArgs, str, strs } from "./command.js";

const USAGE = `avakit train export --dataset DIR --trainer ${TRAINERS.join("|")} --base-model NAME --out DIR [--method lora|full] [--split train] [--mix FILE:RATIO ...] [--epochs 1] [--learning-rate LR] [--max-seq-len N] [--batch-size N] [--grad-accum N] [--lora-r N] [--lora-alpha A] [--template NAME] [--seed S] [--overwrite] [--quiet]`;

function num(args: ParsedArgs, key: string, fallback: number): number {
  return int(args, key, fallback)!;
}

export function trainConfigFromArgs(args: ParsedArgs): TrainExportConfig {
  const baseModel = str(args, "base-model");
  if (!baseModel)
    throw new UsageError(
      `--base-model is required (e.g. meta-llama/Llama-2-7b-chat-hf)\nusage: ${USAGE}`,
    );
  const method = parseMethod(str(args, "method"));
  const d = defaultTrainConfig(parseTrainer(str(args, "trainer")), baseModel, method);
  return {
    ...d,
    split: str(args, "split") ?? d.split,
    mix: strs(args, "mix"),
    epochs: num(args, "epochs", d.epochs),
    learningRate: num(args, "learning-rate", d.learningRate),
    maxSeqLen: num(args, "max-seq-len", d.maxSeqLen),
    batchSize: num(args, "batch-size", d.batchSize),
    gradientAccumulation: num(args, "grad-accum", d.gradientAccumulation),
    lora: {
      ...d.lora,
      r: num(args, "lora-r", d.lora.r),
      alpha: num(args, "lora-alpha", d.lora.alpha),
    },
    seed: num(args, "seed", d.seed),
    template: str(args, "template") ?? null,
  };
}

export const trainCommand: Command = {
  name: "train",
  summary:
    "Export a ready-to-run fine-tuning package (data, config, train.sh) for TRL, axolotl or LLaMA-Factory",
  usage: USAGE,
  positionals: true,
  options: {
    dataset: { type: "string", description: "dataset folder written by avakit build" },
    trainer: { type: "string", description: `the trainer: ${TRAINERS.join(", ")}` },
    "base-model": {
      type: "string",
      description: "model to fine-tune (Hugging Face id or path; paper: Llama-2-chat)",
    },
    out: { type: "string", short: "o", description: "package folder to write" },
    overwrite: { type: "boolean", description: "replace an existing package folder" },
    method: { type: "string", description: "lora or full", default: "lora" },
    split: { type: "string", description: "dataset split to train on", default: "train" },
    mix: {
      type: "string",
      multiple: true,
      description: "add chat data FILE:RATIO (ShareGPT or OpenAI messages; seeded); repeatable",
    },
    epochs: {
      type: "string",
      description: "training epochs (paper: 1, where performance saturates)",
      default: "1",
    },
    "learning-rate": {
      type: "string",
      description: `peak learning rate (default ${DEFAULT_LEARNING_RATE.lora} for lora, ${DEFAULT_LEARNING_RATE.full} for full)`,
    },
    "max-seq-len": {
      type: "string",
      description: "tokens per training sequence",
      default: String(DEFAULT_MAX_SEQ_LEN),
    },
    "batch-size": { type: "string", description: "micro batch per device", default: "4" },
    "grad-accum": { type: "string", description: "gradient accumulation steps", default: "8" },
    "lora-r": { type: "string", description: "LoRA rank", default: "16" },
    "lora-alpha": { type: "string", description: "LoRA alpha", default: "32" },
    template: {
      type: "string",
      description: "llama-factory: chat template (default: from the base model's name)",
    },
    seed: { type: "string", description: "seed for the mix sample and training", default: "0" },
    quiet: { type: "boolean", short: "q", description: "no progress on stderr" },
  },
  async run(args) {
    const [sub, ...rest] = args.positionals;
    if (sub !== "export")
      throw new UsageError(
        `${sub === undefined ? "a subcommand is required" : `unknown subcommand "${sub}"`}: the only one is export\nusage: ${USAGE}`,
      );
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"\nusage: ${USAGE}`);
    const dataset = str(args, "dataset");
    if (!dataset) throw new UsageError(`--dataset is required\nusage: ${USAGE}`);
    const out = str(args, "out");
    if (!out) throw new UsageError(`--out is required\nusage: ${USAGE}`);
    const cfg = trainConfigFromArgs(args);
    const res = await exportTrainingPackage({
      dataset,
      out,
      cfg,
      overwrite: bool(args, "overwrite"),
      log: (l) => process.stderr.write(`${l}\n`),
      progress: !bool(args, "quiet"),
    });
    const c = res.counts;
    const skipped = Object.values(c.skipped).reduce((a, b) => a + b, 0);
    const lines = [
      `${res.trainer} package: ${c.written.toLocaleString("en-US")} conversations (${(c.splitRecords - c.builtMix).toLocaleString("en-US")} AVA records of split ${cfg.split}${c.builtMix ? ` + ${c.builtMix.toLocaleString("en-US")} mixed by the build` : ""}${c.mixed ? ` + ${c.mixed.toLocaleString("en-US")} mixed here` : ""}${skipped ? `, ${skipped.toLocaleString("en-US")} left out` : ""})`,
      ...res.files.map((f) => `  ${f.path}  ${f.bytes.toLocaleString("en-US")} bytes`),
      `wrote ${res.out} in ${res.seconds.toFixed(1)} s; run: bash ${res.out}/train.sh (README.md says what to install)`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  },
};
