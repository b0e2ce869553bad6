// `avakit eval tasks`: the AVA tasks (Tables A5–A18) on a held-out split of a dataset folder.
export { type BertScoreOutcome, taskBertScore } from "./bertscore.js";
export {
  checkTaskCodes,
  type ReadSplitOptions,
  readFewShotPool,
  readSplitRecords,
  type TaskRecord,
} from "./dataset-reader.js";
export {
  chooseShots,
  cutAtStop,
  FEW_SHOT_SEPARATOR,
  fewShotPrompt,
  GENERATION_STOP,
  type PromptFormat,
  type ShotExample,
} from "./few-shot.js";
export * from "./nearest.js";
export * from "./parse-answer.js";
export {
  type PromptLogprobSource,
  perplexity,
  promptLogprobSource,
  responseLogprobs,
  responsePerplexity,
} from "./ppl.js";
export {
  AVA_TASKS_TEMPLATE,
  type AvaTasksRunOptions,
  DEFAULT_MAX_TOKENS,
  EVAL_SPLITS,
  isGenerationTask,
  runAvaTasks,
  type TapRMetric,
  truthOf,
} from "./run.js";
export * from "./summary.js";
