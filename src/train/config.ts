/**
 * `avakit train export` configuration: one JSON-serialisable object, saved in the package's
 * avakit-train.json. The paper fine-tuned Llama-2-chat on AVA50M mixed with ShareGPT for one
 * epoch (§4.1; Figure A8: performance saturates near one epoch), so one epoch is the default. It
 * states no other hyperparameter; the rest are the trainers' documented starting points (LoRA
 * learning rate 2e-4, full fine-tuning 2e-5, as in TRL's sft.py examples and axolotl's
 * hyperparameter table).
 */
import { UsageError } from "../core/errors.js";

export const TRAINERS = ["trl", "axolotl", "llama-factory"] as const;
export type TrainerName = (typeof TRAINERS)[number];

export const METHODS = ["lora", "full"] as const;
export type TrainMethod = (typeof METHODS)[number];

export interface LoraSettings {
  r: number;
  alpha: number;
  dropout: number;
}

export interface TrainExportConfig {
  trainer: TrainerName;
  /** Hugging Face id or local path of the model to fine-tune (paper: meta-llama/Llama-2-*-chat-hf). */
  baseModel: string;
  method: TrainMethod;
  /** The dataset split to train on. */
  split: string;
  /** External chat data FILE:RATIO (src/tasks/mix.ts), sampled with `seed`. */
  mix: string[];
  epochs: number;
  learningRate: number;
  /** Tokens per training sequence (TRL max_length, axolotl sequence_len, LLaMA-Factory cutoff_len). */
  maxSeqLen: number;
  /** Per-device micro batch. */
  batchSize: number;
  gradientAccumulation: number;
  warmupRatio: number;
  /** LoRA settings (used when method is lora; saved either way). */
  lora: LoraSettings;
  seed: number;
  /** LLaMA-Factory chat template; null: chosen from the base model's name. */
  template: string | null;
}

export const DEFAULT_LEARNING_RATE: Readonly<Record<TrainMethod, number>> = {
  lora: 2e-4,
  full: 2e-5,
};

/**
 * 2048 tokens hold every AVA prompt with its answer many times over; longer ShareGPT
 * conversations are truncated, as Vicuna's training on ShareGPT did. Llama-2 allows 4096.
 */
export const DEFAULT_MAX_SEQ_LEN = 2048;

export function defaultTrainConfig(
  trainer: TrainerName,
  baseModel: string,
  method: TrainMethod = "lora",
): TrainExportConfig {
  return {
    trainer,
    baseModel,
    method,
    split: "train",
    mix: [],
    epochs: 1,
    learningRate: DEFAULT_LEARNING_RATE[method],
    maxSeqLen: DEFAULT_MAX_SEQ_LEN,
    batchSize: 4,
    gradientAccumulation: 8,
    warmupRatio: 0.03,
    lora: { r: 16, alpha: 32, dropout: 0.05 },
    seed: 0,
    template: null,
  };
}

/** The trainer named, or a UsageError listing the valid ones. */
export function parseTrainer(name: string | undefined): TrainerName {
  if (name !== undefined && (TRAINERS as readonly string[]).includes(name)) {
    return name as TrainerName;
  }
  throw new UsageError(
    name === undefined
      ? `--trainer is required: one of ${TRAINERS.join(", ")}`
      : `unknown trainer "${name}": use one of ${TRAINERS.join(", ")}`,
  );
}

export function parseMethod(name: string | undefined): TrainMethod {
  if (name === undefined) return "lora";
  if ((METHODS as readonly string[]).includes(name)) return name as TrainMethod;
  throw new UsageError(`unknown --method "${name}": use ${METHODS.join(" or ")}`);
}

/** Checks a configuration; every problem is a UsageError naming the flag. */
export function validateTrainConfig(cfg: TrainExportConfig): TrainExportConfig {
  const fail = (msg: string): never => {
    throw new UsageError(msg);
  };
  parseTrainer(cfg.trainer);
  parseMethod(cfg.method);
  if (cfg.baseModel.trim() === "")
    fail("--base-model is required (e.g. meta-llama/Llama-2-7b-chat-hf)");
  if (/\s/.test(cfg.baseModel))
    fail(`--base-model must not contain spaces, got "${cfg.baseModel}"`);
  if (cfg.split.trim() === "") fail("--split must name a split (e.g. train)");
  const positive = (v: number, flag: string) => {
    if (!(Number.isFinite(v) && v > 0)) fail(`${flag} must be a number above 0, got ${v}`);
  };
  const whole = (v: number, flag: string) => {
    if (!(Number.isSafeInteger(v) && v >= 1)) fail(`${flag} must be a whole number ≥ 1, got ${v}`);
  };
  positive(cfg.epochs, "--epochs");
  positive(cfg.learningRate, "--learning-rate");
  if (cfg.learningRate >= 1) fail(`--learning-rate must be below 1, got ${cfg.learningRate}`);
  whole(cfg.maxSeqLen, "--max-seq-len");
  whole(cfg.batchSize, "--batch-size");
  whole(cfg.gradientAccumulation, "--grad-accum");
  if (!(cfg.warmupRatio >= 0 && cfg.warmupRatio < 1))
    fail(`the warmup ratio must be in [0, 1), got ${cfg.warmupRatio}`);
  whole(cfg.lora.r, "--lora-r");
  positive(cfg.lora.alpha, "--lora-alpha");
  if (!(cfg.lora.dropout >= 0 && cfg.lora.dropout < 1))
    fail(`the LoRA dropout must be in [0, 1), got ${cfg.lora.dropout}`);
  if (!Number.isSafeInteger(cfg.seed) || cfg.seed < 0)
    fail(`--seed must be a whole number ≥ 0, got ${cfg.seed}`);
  if (cfg.template !== null && !/^[A-Za-z0-9_.-]+$/.test(cfg.template))
    fail(`--template must be a LLaMA-Factory template name (e.g. llama2), got "${cfg.template}"`);
  return cfg;
}
