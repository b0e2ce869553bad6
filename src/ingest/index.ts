export { bodyKey, cleanText, replaceUrls } from "./clean-text.js";
export { type CrawlOptions, type CrawlResult, crawl } from "./crawl.js";
export {
  defaultWorkers,
  formatCounts,
  type IngestCounts,
  type IngestOptions,
  Ingestor,
  ingestFiles,
  redactTokens,
} from "./ingest.js";
export {
  type NormalizedAd,
  type NormalizeResult,
  normalizeRecord,
  stripToken,
} from "./normalize.js";
export { type ProcessedRecord, processRecord } from "./process-record.js";
export { readRecords, type SourceRecord } from "./read-records.js";
