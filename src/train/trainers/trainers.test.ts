import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { UsageError } from "../../core/errors.js";
import {
  defaultTrainConfig,
  TRAINERS,
  type TrainExportConfig,
  type TrainerName,
  validateTrainConfig,
} from "../config.js";
import type { ChatMessage } from "../conversation.js";
import { launchScript } from "../readme.js";
import { toYaml } from "../yaml.js";
import {
  LLAMA_FACTORY_DATASET,
  llamaFactoryTemplate,
  TRAINER_TARGETS,
  trainerTarget,
} from "./index.js";

const BASE = "meta-llama/Llama-2-7b-chat-hf";
const CONVERSATION: ChatMessage[] = [
  { role: "system", content: "You are helpful." },
  { role: "user", content: "Which audience?" },
  { role: "assistant", content: "Women aged 25-34." },
];

/**
 * What each trainer's documentation requires, and every key it documents that we may write (a
 * key outside this list is a typo or an undocumented option):
 * - trl: `trl sft` parses ScriptArguments, SFTConfig (TrainingArguments) and ModelConfig
 *   (https://huggingface.co/docs/trl/clis; trl/trainer/sft_config.py, model_config.py).
 * - axolotl: docs/config-reference.qmd, docs/dataset-formats/conversation.qmd,
 *   docs/dataset_loading.qmd, examples/llama-3/lora-1b.yml and fft-8b.yaml.
 * - llama-factory: examples/train_lora/llama3_lora_sft.yaml, examples/train_full/llama3_full_sft.yaml.
 */
const SCHEMA: Record<
  TrainerName,
  { required: string[]; known: string[]; lora: string[]; epochs: string; seqLen: string }
> = {
  trl: {
    required: ["model_name_or_path", "dataset_name", "output_dir"],
    known: [
      "model_name_or_path",
      "dtype",
      "dataset_name",
      "dataset_train_split",
      "output_dir",
      "num_train_epochs",
      "learning_rate",
      "lr_scheduler_type",
      "warmup_ratio",
      "per_device_train_batch_size",
      "gradient_accumulation_steps",
      "max_length",
      "packing",
      "bf16",
      "gradient_checkpointing",
      "logging_steps",
      "save_strategy",
      "seed",
      "report_to",
      "use_peft",
      "lora_r",
      "lora_alpha",
      "lora_dropout",
      "lora_target_modules",
    ],
    lora: ["lora_r", "lora_alpha", "lora_dropout", "lora_target_modules"],
    epochs: "num_train_epochs",
    seqLen: "max_length",
  },
  axolotl: {
    required: [
      "base_model",
      "datasets",
      "output_dir",
      "sequence_len",
      "micro_batch_size",
      "gradient_accumulation_steps",
      "num_epochs",
      "learning_rate",
      "optimizer",
      "lr_scheduler",
    ],
    known: [
      "base_model",
      "chat_template",
      "datasets",
      "dataset_prepared_path",
      "val_set_size",
      "output_dir",
      "sequence_len",
      "sample_packing",
      "adapter",
      "lora_r",
      "lora_alpha",
      "lora_dropout",
      "lora_target_linear",
      "num_epochs",
      "micro_batch_size",
      "gradient_accumulation_steps",
      "optimizer",
      "lr_scheduler",
      "learning_rate",
      "warmup_ratio",
      "bf16",
      "gradient_checkpointing",
      "logging_steps",
      "saves_per_epoch",
      "seed",
    ],
    lora: ["adapter", "lora_r", "lora_alpha", "lora_dropout", "lora_target_linear"],
    epochs: "num_epochs",
    seqLen: "sequence_len",
  },
  "llama-factory": {
    required: [
      "model_name_or_path",
      "stage",
      "do_train",
      "finetuning_type",
      "dataset",
      "dataset_dir",
      "template",
      "cutoff_len",
      "output_dir",
    ],
    known: [
      "model_name_or_path",
      "stage",
      "do_train",
      "finetuning_type",
      "lora_target",
      "lora_rank",
      "lora_alpha",
      "lora_dropout",
      "dataset",
      "dataset_dir",
      "template",
      "cutoff_len",
      "overwrite_cache",
      "preprocessing_num_workers",
      "output_dir",
      "logging_steps",
      "save_strategy",
      "plot_loss",
      "overwrite_output_dir",
      "report_to",
      "per_device_train_batch_size",
      "gradient_accumulation_steps",
      "learning_rate",
      "num_train_epochs",
      "lr_scheduler_type",
      "warmup_ratio",
      "bf16",
      "seed",
      "ddp_timeout",
    ],
    lora: ["lora_target", "lora_rank", "lora_alpha", "lora_dropout"],
    epochs: "num_train_epochs",
    seqLen: "cutoff_len",
  },
};

function configOf(
  name: TrainerName,
  cfg: Partial<TrainExportConfig> = {},
): Record<string, unknown> {
  const target = TRAINER_TARGETS[name];
  const full = validateTrainConfig({ ...defaultTrainConfig(name, BASE), ...cfg });
  // What the package holds is the YAML: test what a YAML parser reads from it.
  return parse(toYaml(target.config({ cfg: full, records: 10 }))) as Record<string, unknown>;
}

// One contract, run against every trainer (as hono's runTest does for its routers).
for (const name of TRAINERS) {
  const target = TRAINER_TARGETS[name];
  const schema = SCHEMA[name];
  describe(`trainer ${name}`, () => {
    test("the config parses as YAML and has the documented required fields, and only documented keys", () => {
      for (const method of ["lora", "full"] as const) {
        const c = configOf(name, { method, learningRate: method === "lora" ? 2e-4 : 2e-5 });
        for (const k of schema.required)
          assert.ok(c[k] !== undefined && c[k] !== null, `${method}: ${k}`);
        for (const k of Object.keys(c))
          assert.ok(schema.known.includes(k), `${method}: undocumented key ${k}`);
        assert.equal(c[schema.epochs], 1, "one epoch by default (Figure A8)");
        assert.equal(c[schema.seqLen], 2048);
        assert.equal(c.learning_rate, method === "lora" ? 2e-4 : 2e-5);
        const model = c.model_name_or_path ?? c.base_model;
        assert.equal(model, BASE);
      }
    });

    test("lora and full differ as documented", () => {
      const lora = configOf(name, { method: "lora" });
      const full = configOf(name, { method: "full", learningRate: 2e-5 });
      for (const k of schema.lora) {
        assert.ok(lora[k] !== undefined, `lora sets ${k}`);
        assert.equal(full[k], undefined, `full leaves out ${k}`);
      }
      const differing = Object.keys({ ...lora, ...full }).filter(
        (k) => JSON.stringify(lora[k]) !== JSON.stringify(full[k]),
      );
      assert.deepEqual(
        differing.filter((k) => !schema.lora.includes(k)).sort(),
        name === "trl"
          ? ["learning_rate", "use_peft"]
          : name === "llama-factory"
            ? ["finetuning_type", "learning_rate"]
            : ["learning_rate"],
      );
      if (name === "trl") {
        assert.equal(lora.use_peft, true);
        assert.equal(full.use_peft, false);
        assert.deepEqual(lora.lora_target_modules, ["all-linear"]);
      }
      if (name === "axolotl") {
        assert.equal(lora.adapter, "lora");
        assert.equal(lora.lora_target_linear, true);
      }
      if (name === "llama-factory") {
        assert.equal(lora.finetuning_type, "lora");
        assert.equal(full.finetuning_type, "full");
        assert.equal(lora.lora_target, "all");
      }
    });

    test("flags reach the config: epochs, learning rate, sequence length, batch, LoRA rank, seed", () => {
      const c = configOf(name, {
        epochs: 2,
        learningRate: 1e-7,
        maxSeqLen: 4096,
        batchSize: 2,
        gradientAccumulation: 16,
        lora: { r: 64, alpha: 128, dropout: 0.1 },
        seed: 7,
      });
      assert.equal(c[schema.epochs], 2);
      assert.equal(c.learning_rate, 1e-7);
      assert.equal(c[schema.seqLen], 4096);
      assert.equal(c.per_device_train_batch_size ?? c.micro_batch_size, 2);
      assert.equal(c.gradient_accumulation_steps, 16);
      assert.equal(c.lora_r ?? c.lora_rank, 64);
      assert.equal(c.lora_alpha, 128);
      assert.equal(c.lora_dropout, 0.1);
      assert.equal(c.seed, 7);
    });

    test("a conversation is one JSON line with the roles mapped, and train.sh runs the documented command", () => {
      const rec = JSON.parse(JSON.stringify(target.dataRecord(CONVERSATION)));
      if (name === "llama-factory") {
        assert.deepEqual(rec, {
          conversations: [
            { from: "system", value: "You are helpful." },
            { from: "human", value: "Which audience?" },
            { from: "gpt", value: "Women aged 25-34." },
          ],
        });
      } else {
        assert.deepEqual(rec, { messages: CONVERSATION });
      }
      assert.match(target.dataFile, /^data\/[\w.-]+\.jsonl$/);
      const sh = launchScript(target, defaultTrainConfig(name, BASE));
      assert.match(sh, /^#!\/usr\/bin\/env bash\n/);
      assert.match(sh, /\ncd "\$\(dirname "\$0"\)"\n/);
      assert.ok(sh.includes(`exec ${target.launch} "$@"`));
      assert.ok(target.launch.includes(target.configFile));
      assert.equal(
        target.launch,
        {
          trl: "trl sft --config config.yaml",
          axolotl: "axolotl train config.yml",
          "llama-factory": "llamafactory-cli train config.yaml",
        }[name],
      );
      assert.ok(target.docs.length > 0 && target.docs.every((d) => d.url.startsWith("https://")));
    });
  });
}

test("axolotl: the dataset entry is the documented chat_template schema on the package's data file", () => {
  const c = configOf("axolotl");
  assert.equal(c.chat_template, "tokenizer_default");
  assert.deepEqual(c.datasets, [
    {
      path: TRAINER_TARGETS.axolotl.dataFile,
      ds_type: "json",
      type: "chat_template",
      field_messages: "messages",
      message_property_mappings: { role: "role", content: "content" },
      roles_to_train: ["assistant"],
    },
  ]);
});

test("trl: the dataset is the package's data folder, read as the train split; max_length, not max_seq_length", () => {
  const c = configOf("trl");
  assert.equal(c.dataset_name, "./data");
  assert.equal(TRAINER_TARGETS.trl.dataFile, "data/train.jsonl");
  assert.equal(c.dataset_train_split, "train");
  assert.equal(c.max_seq_length, undefined);
});

test("llama-factory: dataset_info.json describes the data file in the documented sharegpt schema", () => {
  const t = TRAINER_TARGETS["llama-factory"];
  const cfg = defaultTrainConfig("llama-factory", BASE);
  const [info, ...rest] = t.dataDescription({ cfg, records: 1 });
  assert.equal(rest.length, 0);
  const c = configOf("llama-factory");
  assert.equal(info!.path, `${c.dataset_dir}/dataset_info.json`);
  const parsed = JSON.parse(info!.text);
  assert.deepEqual(Object.keys(parsed), [c.dataset]);
  assert.equal(c.dataset, LLAMA_FACTORY_DATASET);
  assert.deepEqual(parsed[LLAMA_FACTORY_DATASET], {
    file_name: "train.jsonl",
    formatting: "sharegpt",
    columns: { messages: "conversations" },
    tags: {
      role_tag: "from",
      content_tag: "value",
      user_tag: "human",
      assistant_tag: "gpt",
      system_tag: "system",
    },
  });
  assert.equal(`${c.dataset_dir}/${parsed[LLAMA_FACTORY_DATASET].file_name}`, t.dataFile);
  assert.equal(c.stage, "sft");
  assert.equal(c.do_train, true);
});

test("llama-factory: the template follows the base model's name, --template wins, unknown names fall back to default", () => {
  const cases: [string, string][] = [
    ["meta-llama/Llama-2-7b-chat-hf", "llama2"],
    ["meta-llama/Llama-2-70b-chat-hf", "llama2"],
    ["meta-llama/Meta-Llama-3-8B-Instruct", "llama3"],
    ["meta-llama/Llama-3.1-8B-Instruct", "llama3"],
    ["mistralai/Mistral-7B-Instruct-v0.2", "mistral"],
    ["Qwen/Qwen2.5-7B-Instruct", "qwen"],
    ["Qwen/Qwen3-8B", "qwen3"],
    ["google/gemma-2-9b-it", "gemma"],
    ["lmsys/vicuna-7b-v1.5", "vicuna"],
    ["/models/local/llama2-13b-chat", "llama2"],
  ];
  for (const [baseModel, template] of cases)
    assert.deepEqual(llamaFactoryTemplate({ baseModel, template: null }), {
      template,
      source: "model name",
    });
  assert.deepEqual(llamaFactoryTemplate({ baseModel: "EleutherAI/pythia-1b", template: null }), {
    template: "default",
    source: "fallback",
  });
  assert.deepEqual(llamaFactoryTemplate({ baseModel: BASE, template: "vicuna" }), {
    template: "vicuna",
    source: "flag",
  });
  assert.equal(configOf("llama-factory").template, "llama2");
  assert.equal(configOf("llama-factory", { template: "empty" }).template, "empty");
  const notes = TRAINER_TARGETS["llama-factory"].notes({
    cfg: defaultTrainConfig("llama-factory", "EleutherAI/pythia-1b"),
    records: 1,
  });
  assert.ok(notes.some((n) => n.includes("Template `default`") && n.includes("--template")));
});

test("an unknown trainer is a usage error listing the valid ones; bad settings name their flag", () => {
  assert.throws(
    () => trainerTarget("deepspeed-chat"),
    (e: unknown) =>
      e instanceof UsageError &&
      /unknown trainer "deepspeed-chat": use one of trl, axolotl, llama-factory/.test(e.message),
  );
  const d = defaultTrainConfig("trl", BASE);
  for (const [patch, flag] of [
    [{ epochs: 0 }, "--epochs"],
    [{ learningRate: -1 }, "--learning-rate"],
    [{ maxSeqLen: 10.5 }, "--max-seq-len"],
    [{ batchSize: 0 }, "--batch-size"],
    [{ gradientAccumulation: Number.NaN }, "--grad-accum"],
    [{ seed: -3 }, "--seed"],
    [{ baseModel: "" }, "--base-model"],
    [{ template: "llama2; rm -rf" }, "--template"],
  ] as [Partial<TrainExportConfig>, string][])
    assert.throws(
      () => validateTrainConfig({ ...d, ...patch }),
      (e: unknown) => e instanceof UsageError && e.message.includes(flag),
      flag,
    );
});
