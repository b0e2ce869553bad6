/**
 * LLaMA-Factory through `llamafactory-cli train`.
 *
 * Data: the ShareGPT format, `{"conversations": [{"from", "value"}]}` with speakers human, gpt
 * and a leading system turn, described in `data/dataset_info.json` with `formatting: sharegpt`,
 * `columns: {messages: conversations}` and the role/content tags spelled out
 * (https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md, "Sharegpt Format"; the
 * converter, src/llamafactory/data/converter.py, takes a first turn tagged `system_tag` as the
 * system prompt and skips conversations whose roles do not alternate). Config: the YAML of
 * `llamafactory-cli train` (examples/train_lora/llama3_lora_sft.yaml and
 * examples/train_full/llama3_full_sft.yaml): stage sft, finetuning_type lora|full, lora_target
 * all, dataset + dataset_dir, template, cutoff_len. The template must match a chat model's own
 * format; it is chosen from the base model's name with the README's "Supported Models" table.
 */
import type { TrainExportConfig } from "../config.js";
import type { TrainerTarget } from "./types.js";

/** The dataset's name in dataset_info.json and in the config's `dataset`. */
export const LLAMA_FACTORY_DATASET = "avakit_train";

const SPEAKER = { system: "system", user: "human", assistant: "gpt" } as const;

/**
 * Base model name patterns → LLaMA-Factory template, first match wins (Supported Models table
 * of LLaMA-Factory's README). Matched against the name after its last "/", lower-cased.
 */
const TEMPLATE_RULES: readonly [RegExp, string][] = [
  [/llama-?2/, "llama2"],
  [/llama-?3/, "llama3"],
  [/llama-?4/, "llama4"],
  [/mistral|mixtral/, "mistral"],
  [/qwen-?3/, "qwen3"],
  [/qwen/, "qwen"],
  [/gemma/, "gemma"],
  [/phi-?3/, "phi"],
  [/vicuna/, "vicuna"],
];

/** The LLaMA-Factory template for a base model, and whether the name was recognised. */
export function llamaFactoryTemplate(cfg: Pick<TrainExportConfig, "baseModel" | "template">): {
  template: string;
  source: "flag" | "model name" | "fallback";
} {
  if (cfg.template !== null) return { template: cfg.template, source: "flag" };
  const name = (cfg.baseModel.split("/").pop() ?? cfg.baseModel).toLowerCase();
  for (const [re, template] of TEMPLATE_RULES) {
    if (re.test(name)) return { template, source: "model name" };
  }
  return { template: "default", source: "fallback" };
}

export const llamaFactoryTarget: TrainerTarget = {
  name: "llama-factory",
  title: "LLaMA-Factory",
  dataFile: "data/train.jsonl",
  dataRecord: (messages) => ({
    conversations: messages.map((m) => ({ from: SPEAKER[m.role], value: m.content })),
  }),
  dataDescription: () => [
    {
      path: "data/dataset_info.json",
      text: `${JSON.stringify(
        {
          [LLAMA_FACTORY_DATASET]: {
            file_name: "train.jsonl",
            formatting: "sharegpt",
            columns: { messages: "conversations" },
            tags: {
              role_tag: "from",
              content_tag: "value",
              user_tag: SPEAKER.user,
              assistant_tag: SPEAKER.assistant,
              system_tag: SPEAKER.system,
            },
          },
        },
        null,
        2,
      )}\n`,
    },
  ],
  configFile: "config.yaml",
  config({ cfg }) {
    const lora = cfg.method === "lora";
    return {
      model_name_or_path: cfg.baseModel,
      stage: "sft",
      do_train: true,
      finetuning_type: cfg.method,
      ...(lora
        ? {
            lora_target: "all",
            lora_rank: cfg.lora.r,
            lora_alpha: cfg.lora.alpha,
            lora_dropout: cfg.lora.dropout,
          }
        : {}),
      dataset: LLAMA_FACTORY_DATASET,
      dataset_dir: "data",
      template: llamaFactoryTemplate(cfg).template,
      cutoff_len: cfg.maxSeqLen,
      overwrite_cache: true,
      preprocessing_num_workers: 16,
      output_dir: "output",
      logging_steps: 10,
      save_strategy: "epoch",
      plot_loss: true,
      overwrite_output_dir: true,
      report_to: "none",
      per_device_train_batch_size: cfg.batchSize,
      gradient_accumulation_steps: cfg.gradientAccumulation,
      learning_rate: cfg.learningRate,
      num_train_epochs: cfg.epochs,
      lr_scheduler_type: "cosine",
      warmup_ratio: cfg.warmupRatio,
      bf16: true,
      seed: cfg.seed,
      ddp_timeout: 180000000,
    };
  },
  launch: "llamafactory-cli train config.yaml",
  install: ["pip install llamafactory"],
  docs: [
    {
      what: "dataset_info.json and the ShareGPT format",
      url: "https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md",
    },
    {
      what: "LoRA SFT config",
      url: "https://github.com/hiyouga/LLaMA-Factory/blob/main/examples/train_lora/llama3_lora_sft.yaml",
    },
    {
      what: "full SFT config",
      url: "https://github.com/hiyouga/LLaMA-Factory/blob/main/examples/train_full/llama3_full_sft.yaml",
    },
    {
      what: "templates (Supported Models)",
      url: "https://github.com/hiyouga/LLaMA-Factory#supported-models",
    },
  ],
  notes: ({ cfg }) => {
    const t = llamaFactoryTemplate(cfg);
    return [
      t.source === "flag"
        ? `Template \`${t.template}\` (from --template).`
        : t.source === "model name"
          ? `Template \`${t.template}\`, chosen from the base model's name; a chat model must be trained in its own format.`
          : `Template \`default\`: the base model's name matched no known template. That is fine for a base (non-chat) model; for a chat model set \`template:\` in config.yaml to its LLaMA-Factory template (re-export with --template NAME).`,
      "The loss covers the assistant turns only (LLaMA-Factory's default, `train_on_prompt: false`).",
      cfg.method === "lora"
        ? `LoRA on all linear layers (\`lora_target: all\`): rank ${cfg.lora.r}, alpha ${cfg.lora.alpha}, dropout ${cfg.lora.dropout}; \`output/\` holds the adapter (\`llamafactory-cli export\` merges it).`
        : "Full fine-tuning: `output/` holds the whole model. For a 7B model or larger, add `deepspeed: examples/deepspeed/ds_z3_config.json` (from LLaMA-Factory's repository) as in its full-SFT example.",
      "Several GPUs are used automatically (LLaMA-Factory launches torchrun; `FORCE_TORCHRUN=1` forces it).",
    ];
  },
};
