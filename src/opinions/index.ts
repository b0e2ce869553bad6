export {
  type BuildOpinionsOptions,
  buildOpinions,
  type OpinionRecord,
  questionFromLabel,
  type WaveOptions,
  type WaveReport,
  waveOpinions,
} from "./build.js";
export { type AnswerTally, type GroupOpinion, groupOpinion, tallyAnswers } from "./distribution.js";
export {
  type AttributeSpec,
  assignGroups,
  DEFAULT_GROUPS_FILE,
  type GroupAssignment,
  type GroupMapping,
  type GroupRule,
  groupKey,
  loadGroupMapping,
} from "./groups.js";
export {
  type CodedOption,
  type InfoQuestion,
  loadInfo,
  parseInfoCsv,
  parseMetadataCsv,
} from "./info.js";
export { type PyValue, parsePythonLiteral } from "./python-literal.js";
export { loadQuestionKeys } from "./questions-file.js";
export { readSav, type SavFile, type SavVariable, surveyOf, weightVariable } from "./sav.js";
export { type WriteOpinionsResult, writeOpinionsFile } from "./write.js";
