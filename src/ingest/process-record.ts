import { contentDigest } from "../core/hash.js";
import type { QuarantineEntry, QuarantineRule } from "../core/types.js";
import { computeSignals } from "../signals/compute.js";
import { adRowJson, quarantineRowJson, signalRowJson } from "../store/rows.js";
import { bodyKey } from "./clean-text.js";
import { normalizeRecord } from "./normalize.js";

/**
 * The per-record half of ingest, with no state: parse result → §3.1 rules → signals → rows.
 * It runs in the ingest workers (or in process); the cross-record half (already stored,
 * duplicate id, duplicate body) needs the run's key sets and runs in `Ingestor`.
 */
export type ProcessedRecord =
  | {
      kind: "ad";
      line: number;
      recordKey: string;
      /** sha256 of the record's text; `recordKey` is its first 22 base64url characters. */
      recordDigest: Buffer;
      adId: string;
      pageId: string;
      /** Key of (page, normalised body): two ads with equal keys are duplicate bodies. */
      bodyKey: string;
      bodyDigest: Buffer;
      adRow: string;
      signalRow: string;
    }
  | {
      kind: "rejected";
      line: number;
      recordKey: string;
      recordDigest: Buffer;
      rule: QuarantineRule;
      quarantineRow: string;
    };

const MAX_RAW = 64 * 1024;

/** Tokens never reach the store: raw text and details quoted from input have them redacted. */
export function redactTokens(text: string): string {
  return text.replace(/(access_token["'=:\s]+)([A-Za-z0-9._|%-]{8,})/gi, "$1[REDACTED]");
}

/** A quarantine entry for a record, with its raw text truncated and redacted. */
export function quarantineEntry(
  rule: QuarantineRule,
  detail: string,
  at: { source: string; line: number; text: string; recordKey: string },
  adId: string | null,
  pageId: string | null,
): QuarantineEntry {
  return {
    rule,
    detail: redactTokens(`${at.source}:${at.line}: ${detail}`),
    source: at.source,
    line: at.line,
    adId,
    pageId,
    recordKey: at.recordKey,
    raw: redactTokens(at.text.length > MAX_RAW ? at.text.slice(0, MAX_RAW) : at.text),
  };
}

export interface RecordInput {
  source: string;
  line: number;
  /** The record's JSON text: its content key, and the raw text if it is quarantined. */
  text: string;
  value?: unknown;
  parseError?: string;
}

export function processRecord(rec: RecordInput, runId: number): ProcessedRecord {
  const [recordDigest, recordKey] = contentDigest(rec.text);
  const at = { source: rec.source, line: rec.line, text: rec.text, recordKey };
  const reject = (
    rule: QuarantineRule,
    detail: string,
    adId: string | null,
    pageId: string | null,
  ) => ({
    kind: "rejected" as const,
    line: rec.line,
    recordKey,
    recordDigest,
    rule,
    quarantineRow: quarantineRowJson(quarantineEntry(rule, detail, at, adId, pageId), runId),
  });
  if (rec.parseError !== undefined) return reject("malformed_json", rec.parseError, null, null);
  const res = normalizeRecord(rec.value);
  if (!res.ok) return reject(res.rule, res.detail, res.adId, res.pageId);
  const n = res.ad;
  const signals = computeSignals(n);
  if (!signals) {
    const where = n.regions.map((r) => r.region).join(", ");
    return reject(
      "no_us_state_delivery",
      `delivery only outside the 50 states and DC (${where})`,
      n.adId,
      n.pageId,
    );
  }
  const [bodyDigest, bKey] = contentDigest(`${n.pageId}\u0000${bodyKey(n.body)}`);
  return {
    kind: "ad",
    line: rec.line,
    recordKey,
    recordDigest,
    adId: n.adId,
    pageId: n.pageId,
    bodyKey: bKey,
    bodyDigest,
    adRow: adRowJson(n, { source: rec.source, line: rec.line, recordKey, bodyKey: bKey, runId }),
    signalRow: signalRowJson(signals),
  };
}
