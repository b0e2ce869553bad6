/**
 * axolotl.
 *
 * Data: OpenAI-style `{"messages": [{"role", "content"}]}` JSON Lines read by the `chat_template`
 * strategy (https://docs.axolotl.ai/docs/dataset-formats/conversation.html): dataset keys `path`,
 * `ds_type: json` (https://docs.axolotl.ai/docs/dataset_loading.html), `type: chat_template`,
 * `field_messages`, `message_property_mappings` {role, content} (the current name of the
 * deprecated message_field_role/message_field_content; src/axolotl/utils/schemas/datasets.py),
 * `roles_to_train`; top-level `chat_template: tokenizer_default` uses the base model's own
 * template. Config: the YAML of `axolotl train` (https://docs.axolotl.ai/docs/config-reference.html;
 * examples/llama-3/lora-1b.yml and fft-8b.yaml): LoRA is `adapter: lora` with lora_r,
 * lora_alpha, lora_dropout, lora_target_linear; full fine-tuning leaves `adapter` out.
 */
import type { TrainerTarget } from "./types.js";

export const axolotlTarget: TrainerTarget = {
  name: "axolotl",
  title: "axolotl",
  dataFile: "data/train.jsonl",
  dataRecord: (messages) => ({ messages }),
  dataDescription: () => [],
  configFile: "config.yml",
  config({ cfg }) {
    const lora = cfg.method === "lora";
    return {
      base_model: cfg.baseModel,
      chat_template: "tokenizer_default",
      datasets: [
        {
          path: "data/train.jsonl",
          ds_type: "json",
          type: "chat_template",
          field_messages: "messages",
          message_property_mappings: { role: "role", content: "content" },
          roles_to_train: ["assistant"],
        },
      ],
      dataset_prepared_path: "last_run_prepared",
      val_set_size: 0,
      output_dir: "./output",
      sequence_len: cfg.maxSeqLen,
      sample_packing: false,
      ...(lora
        ? {
            adapter: "lora",
            lora_r: cfg.lora.r,
            lora_alpha: cfg.lora.alpha,
            lora_dropout: cfg.lora.dropout,
            lora_target_linear: true,
          }
        : {}),
      num_epochs: cfg.epochs,
      micro_batch_size: cfg.batchSize,
      gradient_accumulation_steps: cfg.gradientAccumulation,
      optimizer: "adamw_torch",
      lr_scheduler: "cosine",
      learning_rate: cfg.learningRate,
      warmup_ratio: cfg.warmupRatio,
      bf16: true,
      gradient_checkpointing: true,
      logging_steps: 10,
      saves_per_epoch: 1,
      seed: cfg.seed,
    };
  },
  launch: "axolotl train config.yml",
  install: [
    "pip install -U packaging setuptools wheel ninja",
    "pip install --no-build-isolation axolotl[deepspeed]",
  ],
  docs: [
    {
      what: "dataset format (chat_template)",
      url: "https://docs.axolotl.ai/docs/dataset-formats/conversation.html",
    },
    { what: "loading local files", url: "https://docs.axolotl.ai/docs/dataset_loading.html" },
    { what: "config options", url: "https://docs.axolotl.ai/docs/config-reference.html" },
    { what: "installation", url: "https://docs.axolotl.ai/docs/installation.html" },
  ],
  notes: ({ cfg }) => [
    "The loss covers the assistant turns only (`roles_to_train: [assistant]`, axolotl's default).",
    "`chat_template: tokenizer_default` needs a base model with a chat template (Llama-2-chat has one); for a base model without one use `tokenizer_default_fallback_chatml`.",
    cfg.method === "lora"
      ? `LoRA on all linear layers (\`lora_target_linear: true\`): r ${cfg.lora.r}, alpha ${cfg.lora.alpha}, dropout ${cfg.lora.dropout}; \`output/\` holds the adapter (\`axolotl merge-lora config.yml\` merges it).`
      : "Full fine-tuning (no `adapter`): `output/` holds the whole model. For a 7B model or larger, add `deepspeed:` (e.g. a ZeRO-3 JSON from `axolotl fetch deepspeed_configs`) or `fsdp:` settings.",
  ],
};
