import { access, constants } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { AvakitError } from "../core/errors.js";
import { Progress } from "../core/progress.js";
import { QUARANTINE_RULES, type QuarantineRule } from "../core/types.js";
import { quarantineRowJson } from "../store/rows.js";
import type { Store, StoredBatch } from "../store/store.js";
import { IdSet, KEY_WORDS, KeyTable, wordsToKey } from "./key-table.js";
import { type LineBatch, readLineBatches } from "./line-batches.js";
import { processRecord, quarantineEntry, redactTokens } from "./process-record.js";
import {
  BatchBuilder,
  KEYS,
  META,
  type ProcessedBatch,
  RowChunks,
  ruleAt,
} from "./processed-batch.js";
import { readRecords, type SourceRecord } from "./read-records.js";
import { RecordWorkers } from "./record-workers.js";

export { redactTokens };

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

/** Records per transaction unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 20_000;

export interface IngestOptions {
  /** Records per transaction (default 20000: fewer, larger commits cost DuckDB less). */
  batchSize?: number;
  progress?: boolean;
  /**
   * Worker threads that parse, clean and compute signals for JSONL input (default: the number of
   * cores, at most 4); 0 processes in the main thread.
   */
  workers?: number;
}

/**
 * The ingest loop shared by file ingest and the crawler. Per-record work (`processRecord`) may run
 * in workers; this class does the cross-record half in input order — already stored, duplicate
 * id, duplicate body (first one wins) — and writes each batch in one transaction together with
 * any extra state (the crawler's cursor).
 */
export class Ingestor {
  readonly counts: IngestCounts = emptyCounts();
  private batch = new OpenBatch();
  private batchCounts: IngestCounts = emptyCounts();
  // Ids and body keys of ads stored or being stored, plus those of the open batch (pending*),
  // which `discard` forgets. A batch's keys join the main sets when its flush starts. Typed-array
  // tables (key-table.ts), not string Sets: a million ads' keys in ~70 MB, not ~170 MB.
  private readonly adIds: IdSet;
  private readonly bodyKeys: KeyTable;
  // Content keys of records stored before this run: only those are `unchanged`. A record repeated
  // within the run goes through the rules again (its repeat is a duplicate, quarantined as such).
  private readonly recordKeys: KeyTable;
  private pendingIds = new IdSet();
  private pendingBodies = new KeyTable(true);
  private inflight: Promise<void> | null = null;
  private failed: unknown = null;
  /** Builds the one-record batch of `accept` (finish() copies its bytes out, so it is reused). */
  private readonly single = new BatchBuilder(1024, 1);

  private constructor(
    private readonly store: Store,
    readonly runId: number,
    known: { adIds: IdSet; bodyKeys: KeyTable; recordKeys: KeyTable },
    readonly batchSize: number,
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
    const adIds = new IdSet();
    const bodyKeys = new KeyTable(true);
    const recordKeys = new KeyTable(false);
    for await (const r of store.stream<{ ad_id: string; body_key: string; record_key: string }>(
      "SELECT ad_id, body_key, record_key FROM ads",
    )) {
      adIds.add(r.ad_id);
      bodyKeys.setText(r.body_key, r.ad_id);
      recordKeys.setText(r.record_key);
    }
    for await (const r of store.stream<{ record_key: string }>(
      "SELECT DISTINCT record_key FROM quarantine",
    )) {
      recordKeys.setText(r.record_key);
    }
    const runId = await store.nextRunId();
    await store.run(
      "INSERT INTO ingest_runs (run_id, kind, inputs, started_at) VALUES ($1, $2, $3, now())",
      [runId, run.kind, JSON.stringify(run.inputs)],
    );
    return new Ingestor(
      store,
      runId,
      { adIds, bodyKeys, recordKeys },
      opts.batchSize ?? DEFAULT_BATCH_SIZE,
    );
  }

  get pending(): number {
    return this.batch.adRows.rows + this.batch.quarantineRows.rows;
  }

  /** Takes one record in process; returns true when the batch is full and should be flushed. */
  accept(rec: SourceRecord): boolean {
    this.single.add(processRecord(rec, this.runId));
    return this.acceptProcessed(this.single.finish(), 0, rec.source, () => rec.text);
  }

  /**
   * Takes record `i` of a batch processed by `processLineBatch`/`BatchBuilder` (here or in a
   * worker). `rawText` gives the record's text if it turns out to be a duplicate. Returns true
   * when the batch is full.
   */
  acceptProcessed(b: ProcessedBatch, i: number, source: string, rawText: () => string): boolean {
    this.check();
    const c = this.batchCounts;
    c.read++;
    const k = i * KEYS;
    const m = i * META;
    if (this.recordKeys.size > 0 && this.recordKeys.has(b.keys, k)) {
      c.unchanged++;
      return false;
    }
    const rule = ruleAt(b, i);
    if (rule !== null) {
      this.batch.quarantineRows.addRange(b.quarantineRows, b.meta[m + 2]!, b.meta[m + 3]!);
      c.quarantined[rule] = (c.quarantined[rule] ?? 0) + 1;
      return this.full();
    }
    const adId = b.ids[2 * i]!;
    const pageId = b.ids[2 * i + 1]!;
    const duplicate = (rule: "duplicate_id" | "duplicate_body", detail: string) => {
      const line = b.meta[m + 1]!;
      const at = { source, line, text: rawText(), recordKey: wordsToKey(b.keys, k) };
      const entry = quarantineEntry(rule, detail, at, adId, pageId);
      this.batch.quarantineRows.addRow(quarantineRowJson(entry, this.runId));
      c.quarantined[rule] = (c.quarantined[rule] ?? 0) + 1;
      c.duplicates++;
      return this.full();
    };
    if (this.adIds.has(adId) || this.pendingIds.has(adId)) {
      return duplicate("duplicate_id", `ad ${adId} is already stored`);
    }
    const bk = k + KEY_WORDS;
    const keptId = this.bodyKeys.get(b.keys, bk) ?? this.pendingBodies.get(b.keys, bk);
    if (keptId !== undefined) {
      return duplicate(
        "duplicate_body",
        `same body as ad ${keptId} of page ${pageId} (kept ${keptId})`,
      );
    }
    this.pendingIds.add(adId);
    this.pendingBodies.set(b.keys, bk, adId);
    this.batch.adRows.addRange(b.adRows, b.meta[m + 2]!, b.meta[m + 3]!);
    this.batch.signalRows.addRange(b.signalRows, b.meta[m + 4]!, b.meta[m + 5]!);
    c.kept++;
    return this.full();
  }

  private full(): boolean {
    return this.pending >= this.batchSize;
  }

  private check(): void {
    if (this.failed !== null) {
      const why = this.failed instanceof Error ? this.failed.message : String(this.failed);
      throw new AvakitError(`writing to the store failed: ${why}`, { cause: this.failed });
    }
  }

  /**
   * Writes the open batch, and `alsoInTransaction` (e.g. a crawl cursor), in one transaction,
   * and waits for it. On failure nothing of the batch is stored and the error propagates.
   */
  async flush(alsoInTransaction?: () => Promise<void>): Promise<void> {
    this.startFlush(alsoInTransaction);
    await this.drain();
  }

  /**
   * Starts writing the open batch while the caller goes on reading (the store works on its own
   * threads); waits first for the previous write, so at most one is in flight.
   */
  async flushInBackground(): Promise<void> {
    await this.drain();
    this.startFlush();
  }

  /** Waits for the write in flight, if any; rethrows its error. */
  async drain(): Promise<void> {
    const f = this.inflight;
    this.inflight = null;
    if (f) await f;
    this.check();
  }

  private startFlush(alsoInTransaction?: () => Promise<void>): void {
    this.check();
    const batch = this.batch.stored();
    const counts = this.batchCounts;
    this.adIds.addAll(this.pendingIds);
    this.bodyKeys.addAll(this.pendingBodies);
    this.resetPending();
    const previous = this.inflight ?? Promise.resolve();
    this.inflight = previous.then(async () => {
      try {
        await this.store.transaction(async () => {
          await this.store.appendBatch(batch);
          if (alsoInTransaction) await alsoInTransaction();
        });
        addCounts(this.counts, counts);
      } catch (err) {
        this.failed = err;
        throw err;
      }
    });
    // A failure is reported by the next drain(); don't let it go unhandled meanwhile.
    this.inflight.catch(() => undefined);
  }

  /** Forgets the open batch (when a page must be re-fetched). */
  discard(): void {
    this.resetPending();
  }

  private resetPending(): void {
    this.batch = new OpenBatch();
    this.batchCounts = emptyCounts();
    this.pendingIds = new IdSet();
    this.pendingBodies = new KeyTable(true);
  }

  /** Writes what is left and records the run's counts; call once at the end. */
  async finish(): Promise<IngestCounts> {
    if (this.failed === null && (this.pending > 0 || this.batchCounts.read > 0)) this.startFlush();
    try {
      await this.drain();
    } finally {
      await this.store.run(
        "UPDATE ingest_runs SET finished_at = now(), counts = $1 WHERE run_id = $2",
        [JSON.stringify(this.counts), this.runId],
      );
    }
    return this.counts;
  }
}

/** The rows of the open batch, as chunks of the processed batches' bytes. */
class OpenBatch {
  readonly adRows = new RowChunks();
  readonly signalRows = new RowChunks();
  readonly quarantineRows = new RowChunks();

  stored(): StoredBatch {
    return {
      adRows: this.adRows.done(),
      signalRows: this.signalRows.done(),
      quarantineRows: this.quarantineRows.done(),
    };
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

export function defaultWorkers(): number {
  return Math.min(4, availableParallelism());
}

/**
 * `avakit ingest`: every file is checked to be readable first (a clear error naming it), then
 * streamed in batches. JSONL goes through the worker threads in batches of lines; other formats
 * (JSON arrays, saved pages) are read and processed in process. A file that fails part-way keeps
 * the batches already committed.
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
  const nWorkers = opts.workers ?? defaultWorkers();
  const workers = nWorkers > 0 ? new RecordWorkers(nWorkers) : null;
  // With worker threads busy on every core, DuckDB's insert threads only compete with them:
  // one DuckDB thread while ingesting measured ~15% faster at 100k ads on 2 cores.
  if (workers) await store.run("SET threads = 1");
  const restoreMemoryLimit = await capMemoryLimit(store);
  const tick = (fraction?: number) => {
    const c = ingestor.counts;
    progress.update(c.read, `${c.kept} kept`, fraction);
  };
  let counts: IngestCounts;
  try {
    try {
      for (const p of paths) {
        try {
          await ingestFile(ingestor, p, workers, tick);
        } catch (err) {
          // Keep what was read before the failure, then report it.
          await ingestor.finish().catch(() => undefined);
          throw err instanceof AvakitError
            ? err
            : new AvakitError(`${p}: ${(err as Error).message}`, { cause: err });
        }
      }
    } finally {
      await workers?.close();
      if (workers) await store.run("RESET threads");
    }
    counts = await ingestor.finish();
  } finally {
    await restoreMemoryLimit?.().catch(() => undefined);
  }
  progress.update(counts.read);
  progress.done(`${counts.kept} kept`);
  return counts;
}

/**
 * DuckDB's memory limit while ingesting files, unless AVAKIT_MEMORY_LIMIT says otherwise or the
 * store's limit is lower already. Appends never read back what earlier batches wrote (no
 * indexes), so a larger cache only grows the process. Measured at 1M synthetic ads (2 cores):
 * peak RSS ~950-1020 MiB at 256MiB, ~850 MiB at 160MB, same speed; DuckDB spills beyond it.
 */
const INGEST_MEMORY_LIMIT_MIB = 160;

async function capMemoryLimit(store: Store): Promise<(() => Promise<void>) | null> {
  if (process.env.AVAKIT_MEMORY_LIMIT !== undefined) return null;
  const [row] = await store.query<{ m: string }>("SELECT current_setting('memory_limit') AS m");
  const m = /^([\d.]+) (bytes|KiB|MiB|GiB|TiB)$/.exec(row?.m ?? "");
  if (!m) return null;
  const scale = { bytes: 1 / 1048576, KiB: 1 / 1024, MiB: 1, GiB: 1024, TiB: 1048576 };
  const mib = Number(m[1]) * scale[m[2] as keyof typeof scale];
  if (!(mib > INGEST_MEMORY_LIMIT_MIB)) return null;
  await store.run(`SET memory_limit = '${INGEST_MEMORY_LIMIT_MIB}MiB'`);
  return () => store.run(`SET memory_limit = '${m[1]} ${m[2]}'`);
}

async function ingestFile(
  ingestor: Ingestor,
  path: string,
  workers: RecordWorkers | null,
  tick: (fraction?: number) => void,
): Promise<void> {
  const lineBatches = await readLineBatches(path);
  if (!lineBatches) {
    // Not JSONL: JSON array, saved page or single document, read and processed in process.
    let n = 0;
    for await (const rec of readRecords(path)) {
      if (ingestor.accept(rec)) await ingestor.flushInBackground();
      if ((++n & 1023) === 0) tick();
    }
    return;
  }
  // Up to two batches per worker in flight; results are taken in input order.
  const queue: { batch: LineBatch; result: Promise<ProcessedBatch> }[] = [];
  const maxInFlight = Math.max(1, (workers?.size ?? 0) * 2);
  const take = async () => {
    const { batch, result } = queue.shift()!;
    const b = await result;
    for (let i = 0; i < b.count; i++) {
      const line = b.meta[i * META + 1]!;
      if (ingestor.acceptProcessed(b, i, path, () => batch.textOf(line))) {
        await ingestor.flushInBackground();
      }
    }
    tick(lineBatches.fractionRead());
  };
  for await (const batch of lineBatches) {
    const result = workers
      ? workers.process(batch, path, ingestor.runId)
      : Promise.resolve(batch.processAll(path, ingestor.runId));
    result.catch(() => undefined); // awaited in order by take(); not unhandled meanwhile
    queue.push({ batch, result });
    if (queue.length >= maxInFlight) await take();
  }
  while (queue.length > 0) await take();
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
