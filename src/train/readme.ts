/** The training package's README.md and train.sh. Pure. */
import type { TrainExportConfig } from "./config.js";
import type { PackageContext, TrainerTarget } from "./trainers/types.js";

export interface ExportCounts {
  /** Records in the dataset's split (as exported from `avakit build`, MIX records included). */
  splitRecords: number;
  /** Of those, chat records the build itself mixed in (task MIX). */
  builtMix: number;
  /** Chat records added by --mix. */
  mixed: number;
  /** Conversations written to the data file. */
  written: number;
  /** Conversations written, per task (MIX: mixed chat data, from the build or --mix). */
  byTask: Record<string, number>;
  /** Conversations written after a repair, per repair. */
  adjusted: Record<string, number>;
  /** Conversations left out, per reason. */
  skipped: Record<string, number>;
  /** The first few left out, as `id (task): reason`. */
  skippedExamples: string[];
  /** Per --mix spec: the records asked for (null: all) and taken. */
  mix: { spec: string; requested: number | null; records: number }[];
}

export interface ReadmeInput {
  target: TrainerTarget;
  cfg: TrainExportConfig;
  version: string;
  dataset: { path: string; manifestSha256: string };
  counts: ExportCounts;
  /** Files of the package, relative, with what each holds, in the order listed. */
  files: { path: string; about: string }[];
}

/** train.sh: runs the trainer in the package folder; extra arguments go to the trainer. */
export function launchScript(target: TrainerTarget, cfg: TrainExportConfig): string {
  return [
    "#!/usr/bin/env bash",
    `# Fine-tunes ${cfg.baseModel} (${cfg.method}) on the AVA package in this folder with ${target.title}.`,
    "# Written by `avakit train export`; README.md says what to install. Extra arguments are passed on.",
    "set -euo pipefail",
    'cd "$(dirname "$0")"',
    `exec ${target.launch} "$@"`,
    "",
  ].join("\n");
}

function n(x: number): string {
  return x.toLocaleString("en-US");
}

function table(rows: [string, string][], head: [string, string], numeric: boolean): string[] {
  return [
    `| ${head[0]} | ${head[1]} |`,
    numeric ? "|---|---:|" : "|---|---|",
    ...rows.map(([a, b]) => `| ${a} | ${b} |`),
  ];
}

export function packageReadme(input: ReadmeInput): string {
  const { target, cfg, counts } = input;
  const ctx: PackageContext = { cfg, records: counts.written };
  const lora = cfg.method === "lora";
  const skippedTotal = Object.values(counts.skipped).reduce((a, b) => a + b, 0);
  const taskRows = Object.keys(counts.byTask)
    .sort()
    .map((t): [string, string] => [
      t === "MIX" ? "MIX (general chat data)" : t,
      n(counts.byTask[t]!),
    ]);
  const served = "ava";
  const serve = lora
    ? `vllm serve ${cfg.baseModel} --enable-lora --lora-modules ${served}=output`
    : `vllm serve output --served-model-name ${served}`;
  const lines = [
    `# AVA fine-tuning package for ${target.title}`,
    "",
    `Written by avakit ${input.version} (\`avakit train export\`) from the dataset \`${input.dataset.path}\` (manifest sha256 \`${input.dataset.manifestSha256}\`), split \`${cfg.split}\`. "Align Via Actions" (§4.1) fine-tuned Llama-2-chat on its AVA instructions mixed with ShareGPT conversations, for one epoch (Figure A8: performance saturates near one epoch). This folder holds everything ${target.title} needs to do the same with \`${cfg.baseModel}\`; avakit itself trains nothing.`,
    "",
    "## Run it",
    "",
    "```bash",
    ...target.install,
    "bash train.sh",
    "```",
    "",
    `\`train.sh\` runs \`${target.launch}\` in this folder; arguments given to it are passed on.`,
    "",
    "## What is here",
    "",
    ...input.files.map((f) => `- \`${f.path}\`: ${f.about}`),
    "- `avakit-train.json`: the export's configuration, the dataset's manifest hash, the counts below and every file's sha256 (written last: a package without it is incomplete).",
    "",
    "## Records",
    "",
    `${n(counts.written)} conversations: ${n(counts.splitRecords - counts.builtMix)} AVA records of the \`${cfg.split}\` split${counts.builtMix ? `, ${n(counts.builtMix)} chat records the build mixed in` : ""}${counts.mixed ? `, ${n(counts.mixed)} chat records mixed in here (${counts.mix.map((m) => `\`${m.spec}\`: ${n(m.records)}`).join(", ")}; seed ${cfg.seed})` : ""}${skippedTotal ? `, less ${n(skippedTotal)} left out` : ""}.`,
    "",
    ...table(taskRows, ["Task", "Conversations"], true),
    "",
    ...(skippedTotal || Object.keys(counts.adjusted).length
      ? [
          "Every conversation must be an optional system turn, then user and assistant turns alternating and ending with the assistant (what the trainers' chat formats accept):",
          "",
          ...Object.entries(counts.adjusted).map(
            ([why, k]) => `- kept after a repair: ${n(k)} (${why})`,
          ),
          ...Object.entries(counts.skipped).map(([why, k]) => `- left out: ${n(k)} (${why})`),
          "",
        ]
      : []),
    "## Settings",
    "",
    ...table(
      [
        ["Base model", `\`${cfg.baseModel}\``],
        ["Method", lora ? "LoRA" : "full fine-tuning"],
        ["Epochs", String(cfg.epochs)],
        ["Learning rate", String(cfg.learningRate)],
        ["Schedule", `cosine, warm-up ratio ${cfg.warmupRatio}`],
        ["Sequence length", `${n(cfg.maxSeqLen)} tokens`],
        [
          "Batch per device",
          `${cfg.batchSize} × ${cfg.gradientAccumulation} accumulation steps = ${cfg.batchSize * cfg.gradientAccumulation}`,
        ],
        ...(lora
          ? ([
              ["LoRA", `r ${cfg.lora.r}, alpha ${cfg.lora.alpha}, dropout ${cfg.lora.dropout}`],
            ] as [string, string][])
          : []),
        ["Precision", "bf16 (an Ampere or newer GPU)"],
        ["Seed", String(cfg.seed)],
      ],
      ["Setting", "Value"],
      false,
    ),
    "",
    "The paper states only the epoch count; the rest are the trainers' documented starting points. Change them in the config file, or re-export with `avakit train export` flags.",
    "",
    ...target.notes(ctx).map((l) => `- ${l}`),
    "",
    "## After training",
    "",
    `\`output/\` holds the ${lora ? "LoRA adapter" : "fine-tuned model"}. To score it with avakit, serve it behind an OpenAI-compatible API, e.g. with vLLM, and point \`avakit eval\` at it:`,
    "",
    "```bash",
    serve,
    `avakit eval opinionqa --model openai:${served} --base-url http://localhost:8000/v1 --api completions --data OPINIONQA_DIR --out results.json`,
    "```",
    "",
    "## Formats followed",
    "",
    ...target.docs.map((d) => `- ${d.what}: ${d.url}`),
    "",
  ];
  return lines.join("\n");
}
