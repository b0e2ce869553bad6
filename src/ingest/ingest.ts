import { access, constants } from "node:fs/promises";
import { AvakitError } from "../core/errors.js";
import { contentKey } from "../core/hash.js";
import { Progress } from "../core/progress.js";
import {
  type Ad,
  type AdSignals,
  QUARANTINE_RULES,
  type QuarantineEntry,
  type QuarantineRule,
} from "../core/types.js";
import { computeSignals } from "../signals/compute.js";
import type { Store, StoredBatch } from "../store/store.js";
import { bodyKey } from "./clean-text.js";
import { normalizeRecord } from "./normalize.js";
import { readRecords, type SourceRecord } from "./read-records.js";

/** What an ingest did; `read = kept + unchanged + Σ quarantined` always holds. */
export interface IngestCounts {
  read: number;
  kept: number;
  /** Records already ingested before (same content): re-ingesting changes nothing. */
  unchanged: number;
  quarantined: Partial<Record<QuarantineRule, number>>;
  /** duplicate_id + duplicate_body (also counted under `quarantined`). */
  duplicates: number;
}

export interface IngestOptions {
  /** Records per transaction (default 5000). */
  batchSize?: number;
  progress?: boolean;
}

const MAX_RAW = 64 * 1024;

/** Tokens never reach the store: quarantined raw text has them redacted. */
export function redactTokens(text: string): string {
  return text.replace(/(access_token["'=:\s]+)([A-Za-z0-9._|%-]{8,})/gi, "$1[REDACTED]");
}

/**
 * The ingest loop shared by file ingest and the crawler: normalise, clean (§3.1), compute
 * signals, deduplicate against the store and the batch, and write each batch in one
 * transaction together with any extra state (the crawler's cursor).
 */
export class Ingestor {
  readonly counts: IngestCounts = {
    read: 0,
    kept: 0,
    unchanged: 0,
    quarantined: {},
    duplicates: 0,
  };
  private batch: StoredBatch = { ads: [], quarantine: [] };
  // Keys committed to the store, and keys of the open batch (merged on commit, dropped on failure).
  private readonly adIds: Set<string>;
  private readonly bodyKeys: Map<string, string>;
  private readonly recordKeys: Set<string>;
  private pendingIds = new Set<string>();
  private pendingBodies = new Map<string, string>();
  private pendingRecords = new Set<string>();
  private pendingCounts: IngestCounts = emptyCounts();

  private constructor(
    private readonly store: Store,
    readonly runId: number,
    known: { adIds: Set<string>; bodyKeys: Map<string, string>; recordKeys: Set<string> },
    private readonly batchSize: number,
  ) {
    this.adIds = known.adIds;
    this.bodyKeys = known.bodyKeys;
    this.recordKeys = known.recordKeys;
  }

  static async create(
    store: Store,
    run: { kind: "files" | "crawl"; inputs: string[] },
    opts: IngestOptions = {},
  ): Promise<Ingestor> {
    const adIds = new Set<string>();
    const bodyKeys = new Map<string, string>();
    const recordKeys = new Set<string>();
    for await (const r of store.stream<{ ad_id: string; body_key: string; record_key: string }>(
      "SELECT ad_id, body_key, record_key FROM ads",
    )) {
      adIds.add(r.ad_id);
      bodyKeys.set(r.body_key, r.ad_id);
      recordKeys.add(r.record_key);
    }
    for await (const r of store.stream<{ record_key: string }>(
      "SELECT DISTINCT record_key FROM quarantine",
    )) {
      recordKeys.add(r.record_key);
    }
    const runId = await store.nextRunId();
    await store.run(
      "INSERT INTO ingest_runs (run_id, kind, inputs, started_at) VALUES ($1, $2, $3, now())",
      [runId, run.kind, JSON.stringify(run.inputs)],
    );
    return new Ingestor(store, runId, { adIds, bodyKeys, recordKeys }, opts.batchSize ?? 5000);
  }

  get pending(): number {
    return this.batch.ads.length + this.batch.quarantine.length;
  }

  /** Takes one record; returns true when the batch is full and should be flushed. */
  accept(rec: SourceRecord): boolean {
    const c = this.pendingCounts;
    c.read++;
    const recordKey = contentKey(rec.text);
    if (this.recordKeys.has(recordKey) || this.pendingRecords.has(recordKey)) {
      c.unchanged++;
      return false;
    }
    this.pendingRecords.add(recordKey);
    const quarantine = (
      rule: QuarantineRule,
      detail: string,
      adId: string | null,
      pageId: string | null,
    ) => {
      const entry: QuarantineEntry = {
        rule,
        detail,
        source: rec.source,
        line: rec.line,
        adId,
        pageId,
        recordKey,
        raw: redactTokens(rec.text.length > MAX_RAW ? rec.text.slice(0, MAX_RAW) : rec.text),
      };
      this.batch.quarantine.push(entry);
      c.quarantined[rule] = (c.quarantined[rule] ?? 0) + 1;
      if (rule === "duplicate_id" || rule === "duplicate_body") c.duplicates++;
    };
    if (rec.parseError !== undefined) {
      quarantine("malformed_json", `${rec.source}:${rec.line}: ${rec.parseError}`, null, null);
      return this.full();
    }
    const res = normalizeRecord(rec.value);
    if (!res.ok) {
      quarantine(res.rule, `${rec.source}:${rec.line}: ${res.detail}`, res.adId, res.pageId);
      return this.full();
    }
    const n = res.ad;
    if (this.adIds.has(n.adId) || this.pendingIds.has(n.adId)) {
      quarantine(
        "duplicate_id",
        `${rec.source}:${rec.line}: ad ${n.adId} is already stored`,
        n.adId,
        n.pageId,
      );
      return this.full();
    }
    const bKey = contentKey(`${n.pageId}\u0000${bodyKey(n.body)}`);
    const keptId = this.bodyKeys.get(bKey) ?? this.pendingBodies.get(bKey);
    if (keptId !== undefined) {
      quarantine(
        "duplicate_body",
        `${rec.source}:${rec.line}: same body as ad ${keptId} of page ${n.pageId} (kept ${keptId})`,
        n.adId,
        n.pageId,
      );
      return this.full();
    }
    const signals: AdSignals | null = computeSignals(n);
    if (!signals) {
      quarantine(
        "no_us_state_delivery",
        `${rec.source}:${rec.line}: delivery only outside the 50 states and DC (${n.regions.map((r) => r.region).join(", ")})`,
        n.adId,
        n.pageId,
      );
      return this.full();
    }
    const ad: Ad = { ...n, source: rec.source, line: rec.line, recordKey };
    this.pendingIds.add(n.adId);
    this.pendingBodies.set(bKey, n.adId);
    this.batch.ads.push({ ad, bodyKey: bKey, signals });
    c.kept++;
    return this.full();
  }

  private full(): boolean {
    return this.pending >= this.batchSize;
  }

  /**
   * Writes the open batch, and `alsoInTransaction` (e.g. a crawl cursor), in one transaction.
   * On failure nothing of the batch is stored and the error propagates.
   */
  async flush(alsoInTransaction?: () => Promise<void>): Promise<void> {
    const batch = this.batch;
    try {
      await this.store.transaction(async () => {
        await this.store.appendBatch(batch, this.runId);
        if (alsoInTransaction) await alsoInTransaction();
      });
    } catch (err) {
      this.resetPending();
      throw err;
    }
    for (const id of this.pendingIds) this.adIds.add(id);
    for (const [k, v] of this.pendingBodies) this.bodyKeys.set(k, v);
    for (const k of this.pendingRecords) this.recordKeys.add(k);
    addCounts(this.counts, this.pendingCounts);
    this.resetPending();
  }

  /** Forgets the open batch (after a failed flush, or when a page must be re-fetched). */
  discard(): void {
    this.resetPending();
  }

  private resetPending(): void {
    this.batch = { ads: [], quarantine: [] };
    this.pendingIds = new Set();
    this.pendingBodies = new Map();
    this.pendingRecords = new Set();
    this.pendingCounts = emptyCounts();
  }

  /** Records the run's counts; call once at the end. */
  async finish(): Promise<IngestCounts> {
    if (this.pending > 0 || this.pendingCounts.read > 0) await this.flush();
    await this.store.run(
      "UPDATE ingest_runs SET finished_at = now(), counts = $1 WHERE run_id = $2",
      [JSON.stringify(this.counts), this.runId],
    );
    return this.counts;
  }
}

function emptyCounts(): IngestCounts {
  return { read: 0, kept: 0, unchanged: 0, quarantined: {}, duplicates: 0 };
}

function addCounts(into: IngestCounts, from: IngestCounts): void {
  into.read += from.read;
  into.kept += from.kept;
  into.unchanged += from.unchanged;
  into.duplicates += from.duplicates;
  for (const [k, v] of Object.entries(from.quarantined) as [QuarantineRule, number][]) {
    into.quarantined[k] = (into.quarantined[k] ?? 0) + v;
  }
}

/**
 * `avakit ingest`: every file is checked to be readable first (a clear error naming it), then
 * streamed in batches. A file that fails part-way keeps the batches already committed.
 */
export async function ingestFiles(
  store: Store,
  paths: string[],
  opts: IngestOptions = {},
): Promise<IngestCounts> {
  if (paths.length === 0) throw new AvakitError("no input files given");
  for (const p of paths) {
    try {
      await access(p, constants.R_OK);
    } catch (err) {
      throw new AvakitError(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
        cause: err,
      });
    }
  }
  const ingestor = await Ingestor.create(store, { kind: "files", inputs: paths }, opts);
  const progress = new Progress({
    label: "ingest",
    unit: "records",
    enabled: opts.progress ?? false,
  });
  let read = 0;
  for (const p of paths) {
    try {
      for await (const rec of readRecords(p)) {
        read++;
        if (ingestor.accept(rec)) await ingestor.flush();
        if ((read & 1023) === 0) progress.update(read, `${ingestor.counts.kept} kept`);
      }
    } catch (err) {
      // Keep what was read before the failure, then report it.
      await ingestor.finish();
      throw err instanceof AvakitError
        ? err
        : new AvakitError(`${p}: ${(err as Error).message}`, { cause: err });
    }
  }
  const counts = await ingestor.finish();
  progress.update(read);
  progress.done(`${counts.kept} kept`);
  return counts;
}

/** The counts as the lines `avakit ingest` prints. */
export function formatCounts(c: IngestCounts): string {
  const q = Object.values(c.quarantined).reduce((a, b) => a + (b ?? 0), 0);
  const lines = [
    `read        ${c.read}`,
    `kept        ${c.kept}`,
    `unchanged   ${c.unchanged}  (already ingested)`,
    `quarantined ${q}`,
  ];
  for (const rule of QUARANTINE_RULES) {
    const n = c.quarantined[rule];
    if (n) lines.push(`  ${rule.padEnd(22)} ${n}`);
  }
  lines.push(`duplicates  ${c.duplicates}  (duplicate_id + duplicate_body)`);
  const ok = c.read === c.kept + c.unchanged + q;
  lines.push(`check       read = kept + unchanged + quarantined: ${ok ? "ok" : "MISMATCH"}`);
  return lines.join("\n");
}
