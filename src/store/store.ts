import { existsSync } from "node:fs";
import {
  BOOLEAN,
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBType,
  type DuckDBValue,
  INTEGER,
  VARCHAR,
} from "@duckdb/node-api";
import { AvakitError } from "../core/errors.js";
import type { Ad, AdSignals, QuarantineEntry } from "../core/types.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.js";

export interface StoreOptions {
  readOnly?: boolean;
  /** Fail instead of creating a new database file. */
  mustExist?: boolean;
}

/** A batch written in one transaction: kept ads with their signals, and quarantined records. */
export interface StoredBatch {
  ads: { ad: Ad; bodyKey: string; signals: AdSignals }[];
  quarantine: QuarantineEntry[];
}

const CHUNK = 2048;

/** The DuckDB store: the only module that touches @duckdb/node-api. */
export class Store {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(path: string, opts: StoreOptions = {}): Promise<Store> {
    if ((opts.mustExist || opts.readOnly) && path !== ":memory:" && !existsSync(path)) {
      throw new AvakitError(
        `database ${path} does not exist (run \`avakit ingest\` or \`avakit demo\` first)`,
      );
    }
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(
        path,
        opts.readOnly ? { access_mode: "READ_ONLY" } : {},
      );
    } catch (err) {
      const msg = (err as Error).message;
      const hint = /lock/i.test(msg) ? " (is another avakit process using it?)" : "";
      throw new AvakitError(`cannot open database ${path}: ${msg}${hint}`, { cause: err });
    }
    const store = new Store(path, instance, await instance.connect());
    if (!opts.readOnly) await store.migrate();
    else await store.checkVersion();
    return store;
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }

  async schemaVersion(): Promise<number> {
    const r = await this.conn.runAndReadAll(
      "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'",
    );
    if (Number(r.getRows()[0]![0]) === 0) return 0;
    const v = await this.conn.runAndReadAll("SELECT max(version) FROM schema_version");
    return Number(v.getRows()[0]![0] ?? 0);
  }

  private async checkVersion(): Promise<void> {
    const v = await this.schemaVersion();
    if (v > SCHEMA_VERSION) {
      throw new AvakitError(
        `database ${this.path} has schema version ${v}, newer than this avakit (${SCHEMA_VERSION}); upgrade avakit`,
      );
    }
    if (v < SCHEMA_VERSION) {
      throw new AvakitError(
        `database ${this.path} has schema version ${v}; open it once without --read-only to migrate`,
      );
    }
  }

  /** Applies the migrations this database has not seen, each in its own transaction. */
  async migrate(): Promise<void> {
    await this.conn.run(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)",
    );
    const current = await this.schemaVersion();
    if (current > SCHEMA_VERSION) await this.checkVersion();
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await this.transaction(async () => {
        await this.conn.run(m.sql);
        await this.conn.run("INSERT INTO schema_version VALUES ($1, $2, now())", [
          m.version,
          m.description,
        ]);
      });
    }
  }

  /** Runs `fn` in one transaction: all of it is stored, or none of it. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run("BEGIN TRANSACTION");
    try {
      const out = await fn();
      await this.conn.run("COMMIT");
      return out;
    } catch (err) {
      await this.conn.run("ROLLBACK").catch(() => undefined);
      throw err;
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: DuckDBValue[]): Promise<T[]> {
    const r = await this.conn.runAndReadAll(sql, params);
    return r.getRowObjectsJson() as T[];
  }

  async run(sql: string, params?: DuckDBValue[]): Promise<void> {
    await this.conn.run(sql, params);
  }

  /** Streams rows of a query as JSON-typed objects, a chunk at a time. */
  async *stream<T = Record<string, unknown>>(
    sql: string,
    params?: DuckDBValue[],
  ): AsyncGenerator<T> {
    const result = await this.conn.stream(sql, params);
    for await (const rows of result.yieldRowObjectJson()) {
      for (const row of rows) yield row as T;
    }
  }

  async nextRunId(): Promise<number> {
    const r = await this.query<{ n: number | null }>("SELECT max(run_id) AS n FROM ingest_runs");
    return Number(r[0]?.n ?? 0) + 1;
  }

  /** Appends a batch; call inside `transaction`. */
  async appendBatch(batch: StoredBatch, runId: number): Promise<void> {
    if (batch.ads.length > 0) {
      await appendRows(this.conn, "ads", AD_TYPES, batch.ads, (x) => adRow(x.ad, x.bodyKey, runId));
      await appendRows(this.conn, "signals", SIGNAL_TYPES, batch.ads, (x) => signalRow(x.signals));
    }
    if (batch.quarantine.length > 0) {
      await appendRows(this.conn, "quarantine", QUARANTINE_TYPES, batch.quarantine, (q) =>
        quarantineRow(q, runId),
      );
    }
  }
}

async function appendRows<T>(
  conn: DuckDBConnection,
  table: string,
  types: DuckDBType[],
  items: readonly T[],
  toRow: (item: T) => DuckDBValue[],
): Promise<void> {
  const app = await conn.createAppender(table);
  try {
    for (let s = 0; s < items.length; s += CHUNK) {
      const n = Math.min(CHUNK, items.length - s);
      const cols: DuckDBValue[][] = types.map(() => new Array<DuckDBValue>(n));
      for (let k = 0; k < n; k++) {
        const row = toRow(items[s + k]!);
        for (let c = 0; c < types.length; c++) cols[c]![k] = row[c]!;
      }
      const chunk = DuckDBDataChunk.create(types, n);
      chunk.setColumns(cols);
      app.appendDataChunk(chunk);
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

// Dates and big integers go in as VARCHAR/DOUBLE and DuckDB casts them to the column types.
const AD_TYPES: DuckDBType[] = [
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  DOUBLE,
  DOUBLE,
  DOUBLE,
  DOUBLE,
  DOUBLE,
  DOUBLE,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  INTEGER,
  VARCHAR,
  VARCHAR,
  BOOLEAN,
  INTEGER,
];

function adRow(ad: Ad, bodyKey: string, runId: number): DuckDBValue[] {
  return [
    ad.adId,
    ad.pageId,
    ad.pageName,
    ad.byline,
    ad.body,
    JSON.stringify(ad.bodies),
    ad.title,
    ad.linkCaption,
    ad.linkDescription,
    JSON.stringify(ad.platforms),
    JSON.stringify(ad.languages),
    ad.currency,
    ad.createdDate,
    ad.startDate,
    ad.endDate,
    ad.spend?.lower ?? null,
    ad.spend?.upper ?? null,
    ad.impressions?.lower ?? null,
    ad.impressions?.upper ?? null,
    ad.audienceSize?.lower ?? null,
    ad.audienceSize?.upper ?? null,
    JSON.stringify(ad.regions.map((r) => [r.region, r.share])),
    JSON.stringify(ad.demographics.map((d) => [d.age, d.gender, d.share])),
    ad.snapshotUrl,
    JSON.stringify(ad.media),
    ad.source,
    ad.line,
    ad.recordKey,
    bodyKey,
    ad.synthetic,
    runId,
  ];
}

const SIGNAL_TYPES: DuckDBType[] = [
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  DOUBLE,
];

function signalRow(s: AdSignals): DuckDBValue[] {
  return [
    s.adId,
    JSON.stringify(s.stateInterest),
    JSON.stringify(s.stateRanking),
    JSON.stringify(s.topStates),
    s.topStates[0] ?? s.stateRanking[0]!,
    JSON.stringify(s.regionInterest),
    JSON.stringify(s.regionRanking),
    s.bestAgeGroup,
    s.bestGender,
    s.impressionsPerUsd,
  ];
}

const QUARANTINE_TYPES: DuckDBType[] = [
  VARCHAR,
  VARCHAR,
  VARCHAR,
  INTEGER,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  INTEGER,
];

function quarantineRow(q: QuarantineEntry, runId: number): DuckDBValue[] {
  return [q.rule, q.detail, q.source, q.line, q.adId, q.pageId, q.recordKey, q.raw, runId];
}
