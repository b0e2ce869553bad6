/** Sentence embedders behind one interface, the embedding cache on top, and KeyBERT keywords. */
export {
  type EmbedTextsOptions,
  type EmbedTextsResult,
  embeddingsFor,
  embedTexts,
} from "./embed-all.js";
export { HASHING_DIM, HASHING_ID, HashingEmbedder, hashingVector } from "./hashing.js";
export {
  extractKeywords,
  type KeywordCandidateOptions,
  keywordCandidates,
  mmr,
  type RankKeywordsOptions,
  rankKeywords,
  type ScoredKeyword,
  scoreKeywords,
} from "./keywords.js";
export { type EmbedderSpeed, measureEmbedder } from "./measure.js";
export {
  OPENAI_EMBEDDINGS_DEFAULT_URL,
  OpenAIEmbedder,
  type OpenAIEmbedderOptions,
} from "./openai.js";
export {
  type CreateEmbedderOptions,
  createEmbedder,
  DEFAULT_EMBEDDER,
  type EmbedderSpec,
  type EmbedderSpecOptions,
  formatEmbedderSpec,
  parseEmbedderSpec,
} from "./spec.js";
export { ENGLISH_STOP_WORDS } from "./stopwords.js";
export { TransformersEmbedder, type TransformersEmbedderOptions } from "./transformers.js";
export { batches, cosine, dot, type Embedder, normalizeL2 } from "./types.js";
export { USE_DIM, UseEmbedder, type UseEmbedderOptions } from "./use.js";
