// Training packages for TRL, axolotl and LLaMA-Factory from an AVA dataset (`avakit train export`).
export {
  DEFAULT_LEARNING_RATE,
  DEFAULT_MAX_SEQ_LEN,
  defaultTrainConfig,
  type LoraSettings,
  METHODS,
  parseMethod,
  parseTrainer,
  TRAINERS,
  type TrainExportConfig,
  type TrainerName,
  type TrainMethod,
  validateTrainConfig,
} from "./config.js";
export {
  ADJUSTMENTS,
  type ChatMessage,
  type ConversationCheck,
  SKIP_REASONS,
  trainableConversation,
} from "./conversation.js";
export { type DatasetFile, type DatasetInfo, readDatasetInfo, splitCounts } from "./dataset.js";
export {
  type ExportOptions,
  type ExportSummary,
  exportTrainingPackage,
  PACKAGE_MANIFEST,
  type PackageFile,
} from "./export.js";
export type { ExportCounts } from "./readme.js";
export {
  type DocSource,
  LLAMA_FACTORY_DATASET,
  llamaFactoryTemplate,
  type PackageContext,
  TRAINER_TARGETS,
  type TrainerTarget,
  trainerTarget,
} from "./trainers/index.js";
export { pyYamlFloat, toYaml } from "./yaml.js";
