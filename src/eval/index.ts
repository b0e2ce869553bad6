// Benchmarks (dataset → prompt → backend → scorer), results.json and the leaderboard; the pure
// metrics are in ./metrics.
export { type AskedLetters, type AskOptions, askLetters, optionLetters } from "./ask.js";
export type { EvalRunOptions } from "./common.js";
export {
  CULTUREBANK_GENERATION,
  CULTUREBANK_JUDGE_K,
  CULTUREBANK_JUDGE_TEMPLATE,
  CULTUREBANK_TEMPLATE,
  type CultureBankItem,
  type CultureBankRunOptions,
  type CultureBankSource,
  groundedEvalPrompt,
  groundedMessages,
  judgeMessages,
  KNOWLEDGE_ENTAIL_SYSTEM_PROMPT,
  knowledgeEntailUserPrompt,
  loadCultureBank,
  runCultureBank,
  yesNoProbability,
} from "./culturebank.js";
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
  joinOpinionQaRow,
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
export {
  loadDisagreementQuestions,
  loadSteeringContexts,
  OPINIONQA_STEER_TEMPLATE,
  runOpinionQaSteer,
  STEER_STYLES,
  type SteeringContext,
  type SteerRunOptions,
  type SteerStyle,
  steeredPrompt,
} from "./opinionqa-steer.js";
export * from "./results.js";
