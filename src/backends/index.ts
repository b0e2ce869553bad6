export { type AnswerLettersOptions, answerLetters } from "./answer.js";
export { HumanBaseline, type HumanBaselineOptions, UniformBaseline } from "./baselines.js";
export {
  CACHE_FORMAT,
  CachedBackend,
  type CachedBackendOptions,
  type CacheStats,
} from "./cache.js";
export {
  BackendHttpError,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_TIMEOUT_MS,
  displayUrl,
  type HttpErrorKind,
  type RetryInfo,
  type RetryOptions,
  redactSecret,
} from "./http.js";
export {
  LETTER_SCORINGS,
  type LetterScoring,
  LOW_MASS_THRESHOLD,
  letterDistribution,
  letterVariants,
} from "./letters.js";
export {
  LLAMACPP_DEFAULT_CONTEXT,
  LLAMACPP_DEFAULT_SEQUENCES,
  LlamaCppBackend,
  type LlamaCppBackendOptions,
} from "./llamacpp.js";
export {
  OLLAMA_DEFAULT_BASE_URL,
  OllamaBackend,
  type OllamaBackendOptions,
  parseOllamaText,
  parseOllamaTopLogprobs,
} from "./ollama.js";
export {
  defaultOpenAIApi,
  OPENAI_DEFAULT_BASE_URL,
  type OpenAIApi,
  OpenAIBackend,
  type OpenAIBackendOptions,
  parseChatText,
  parseChatTopLogprobs,
  parseCompletionsText,
  parseCompletionsTopLogprobs,
} from "./openai.js";
export {
  countFailures,
  type PoolOptions,
  type PoolProgress,
  type PoolResult,
  runPool,
} from "./pool.js";
export { ResponseShapeError } from "./response-shape.js";
export {
  type CreateBackendOptions,
  createBackend,
  formatModelSpec,
  type ModelSpec,
  parseModelSpec,
} from "./spec.js";
export * from "./types.js";
