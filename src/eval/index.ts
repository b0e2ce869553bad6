// Benchmarks (dataset → prompt → backend → scorer), results.json and the leaderboard; the pure
// metrics are in ./metrics.
export { type AskedLetters, type AskOptions, askLetters, optionLetters } from "./ask.js";
export type { EvalRunOptions } from "./common.js";
export {
  CULTURENLI_TEMPLATE,
  CULTURES,
  type CultureNliPair,
  type CultureNliRunOptions,
  cultureNliPrompt,
  loadCultureNli,
  runCultureNli,
} from "./culturenli.js";
export {
  GLOBALOPINIONQA_TEMPLATE,
  type GlobalOpinionItem,
  type GlobalOpinionRunOptions,
  globalOpinionItem,
  globalOpinionPrompt,
  loadGlobalOpinionQa,
  runGlobalOpinionQa,
} from "./globalopinionqa.js";
export {
  type Leaderboard,
  leaderboard,
  leaderboardCsv,
  leaderboardMarkdown,
  readResultsFile,
} from "./leaderboard.js";
export * as metrics from "./metrics/index.js";
export {
  type LoadOpinionQaOptions,
  loadOpinionQa,
  loadOpinionRecords,
  OPINIONQA_TEMPLATE,
  type OpinionQaQuestion,
  type OpinionQaRunOptions,
  opinionQaItem,
  opinionQaPrompt,
  ordinalDistribution,
  runOpinionQa,
} from "./opinionqa.js";
export * from "./results.js";
