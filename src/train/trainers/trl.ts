/**
 * TRL's SFTTrainer through its `trl sft` CLI.
 *
 * Data: the conversational language-modeling format, one `{"messages": [{"role", "content"}]}`
 * per line (https://huggingface.co/docs/trl/dataset_formats), in `data/train.jsonl`, which
 * `datasets.load_dataset("./data")` reads as the split "train" (the file name gives the split).
 * Config: the YAML that `trl sft --config` reads (https://huggingface.co/docs/trl/clis): keys of
 * ScriptArguments (dataset_name, dataset_train_split), SFTConfig/TrainingArguments and
 * ModelConfig (use_peft, lora_*; `dtype`, formerly torch_dtype). SFTConfig's sequence length is
 * `max_length`: `max_seq_length` was deprecated for it in TRL 0.16 and later removed
 * (trl/trainer/sft_config.py).
 */
import type { TrainerTarget } from "./types.js";

export const trlTarget: TrainerTarget = {
  name: "trl",
  title: "TRL (Hugging Face)",
  dataFile: "data/train.jsonl",
  dataRecord: (messages) => ({ messages }),
  dataDescription: () => [],
  configFile: "config.yaml",
  config({ cfg }) {
    const lora = cfg.method === "lora";
    return {
      model_name_or_path: cfg.baseModel,
      dtype: "bfloat16",
      dataset_name: "./data",
      dataset_train_split: "train",
      output_dir: "output",
      num_train_epochs: cfg.epochs,
      learning_rate: cfg.learningRate,
      lr_scheduler_type: "cosine",
      warmup_ratio: cfg.warmupRatio,
      per_device_train_batch_size: cfg.batchSize,
      gradient_accumulation_steps: cfg.gradientAccumulation,
      max_length: cfg.maxSeqLen,
      packing: false,
      bf16: true,
      gradient_checkpointing: true,
      logging_steps: 10,
      save_strategy: "epoch",
      seed: cfg.seed,
      report_to: "none",
      use_peft: lora,
      ...(lora
        ? {
            lora_r: cfg.lora.r,
            lora_alpha: cfg.lora.alpha,
            lora_dropout: cfg.lora.dropout,
            // PEFT's shorthand for every linear layer but the output head.
            lora_target_modules: ["all-linear"],
          }
        : {}),
    };
  },
  launch: "trl sft --config config.yaml",
  install: ['pip install "trl>=1.0" peft'],
  docs: [
    {
      what: "dataset format (conversational)",
      url: "https://huggingface.co/docs/trl/dataset_formats",
    },
    { what: "SFTTrainer", url: "https://huggingface.co/docs/trl/sft_trainer" },
    { what: "trl sft CLI and its YAML config", url: "https://huggingface.co/docs/trl/clis" },
  ],
  notes: ({ cfg }) => [
    "SFTTrainer applies the base model's chat template to `messages`; with this conversational language-modeling format the loss covers the whole conversation (set `assistant_only_loss: true` for a model whose chat template marks assistant turns with `{% generation %}`; Llama-2-chat's does not).",
    cfg.method === "lora"
      ? `LoRA (PEFT) on all linear layers: r ${cfg.lora.r}, alpha ${cfg.lora.alpha}, dropout ${cfg.lora.dropout}; \`output/\` holds the adapter.`
      : "Full fine-tuning: `output/` holds the whole model. For a 7B model or larger, add a DeepSpeed ZeRO-3 or FSDP setup to `accelerate config`.",
    "Run `accelerate config` once first for several GPUs; `trl sft` launches through accelerate.",
  ],
};
