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
import type {
  Ad,
  AdSignals,
  DemographicShare,
  QuarantineEntry,
  RegionShare,
} from "../core/types.js";
import { stateIndex, US_STATES } from "../signals/geography.js";
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
      await appendRows(
        this.conn,
        "ads",
        AD_COLUMNS,
        batch.ads.map((x) => ({ ad: x.ad, bodyKey: x.bodyKey, runId })),
      );
      await appendRows(
        this.conn,
        "signals",
        SIGNAL_COLUMNS,
        batch.ads.map((x) => x.signals),
      );
    }
    if (batch.quarantine.length > 0) {
      await appendRows(
        this.conn,
        "quarantine",
        QUARANTINE_COLUMNS,
        batch.quarantine.map((q) => ({ q, runId })),
      );
    }
  }
}

/** One stored column: its name (checked against the table in tests), the type appended, the value. */
export type Column<T> = readonly [name: string, type: DuckDBType, value: (item: T) => DuckDBValue];

async function appendRows<T>(
  conn: DuckDBConnection,
  table: string,
  columns: readonly Column<T>[],
  items: readonly T[],
): Promise<void> {
  const types = columns.map((c) => c[1]);
  const app = await conn.createAppender(table);
  try {
    for (let s = 0; s < items.length; s += CHUNK) {
      const n = Math.min(CHUNK, items.length - s);
      const cols: DuckDBValue[][] = columns.map((col) => {
        const get = col[2];
        const out = new Array<DuckDBValue>(n);
        for (let k = 0; k < n; k++) out[k] = get(items[s + k]!);
        return out;
      });
      const chunk = DuckDBDataChunk.create(types, n);
      chunk.setColumns(cols);
      app.appendDataChunk(chunk);
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

type AdItem = { ad: Ad; bodyKey: string; runId: number };

// Dates and big integers are appended as VARCHAR/DOUBLE and DuckDB casts them to the column type.
export const AD_COLUMNS: readonly Column<AdItem>[] = [
  ["ad_id", VARCHAR, (x) => x.ad.adId],
  ["page_id", VARCHAR, (x) => x.ad.pageId],
  ["page_name", VARCHAR, (x) => x.ad.pageName],
  ["byline", VARCHAR, (x) => x.ad.byline],
  ["body", VARCHAR, (x) => x.ad.body],
  ["bodies", VARCHAR, (x) => (x.ad.bodies.length > 1 ? JSON.stringify(x.ad.bodies) : null)],
  ["title", VARCHAR, (x) => x.ad.title],
  ["link_caption", VARCHAR, (x) => x.ad.linkCaption],
  ["link_description", VARCHAR, (x) => x.ad.linkDescription],
  ["platforms", VARCHAR, (x) => JSON.stringify(x.ad.platforms)],
  ["languages", VARCHAR, (x) => JSON.stringify(x.ad.languages)],
  ["currency", VARCHAR, (x) => x.ad.currency],
  ["created_date", VARCHAR, (x) => x.ad.createdDate],
  ["start_date", VARCHAR, (x) => x.ad.startDate],
  ["end_date", VARCHAR, (x) => x.ad.endDate],
  ["spend_lower", DOUBLE, (x) => x.ad.spend?.lower ?? null],
  ["spend_upper", DOUBLE, (x) => x.ad.spend?.upper ?? null],
  ["impressions_lower", DOUBLE, (x) => x.ad.impressions?.lower ?? null],
  ["impressions_upper", DOUBLE, (x) => x.ad.impressions?.upper ?? null],
  ["audience_lower", DOUBLE, (x) => x.ad.audienceSize?.lower ?? null],
  ["audience_upper", DOUBLE, (x) => x.ad.audienceSize?.upper ?? null],
  ["state_delivery", VARCHAR, (x) => JSON.stringify(stateVector(x.ad.regions))],
  ["other_regions", VARCHAR, (x) => otherRegionsJson(x.ad.regions)],
  [
    "demographics",
    VARCHAR,
    (x) => JSON.stringify(x.ad.demographics.map((d) => [d.age, d.gender, d.share])),
  ],
  ["snapshot_url", VARCHAR, (x) => x.ad.snapshotUrl],
  ["media", VARCHAR, (x) => JSON.stringify(x.ad.media)],
  ["source", VARCHAR, (x) => x.ad.source],
  ["line", INTEGER, (x) => x.ad.line],
  ["record_key", VARCHAR, (x) => x.ad.recordKey],
  ["body_key", VARCHAR, (x) => x.bodyKey],
  ["synthetic", BOOLEAN, (x) => x.ad.synthetic],
  ["run_id", INTEGER, (x) => x.runId],
];

export const SIGNAL_COLUMNS: readonly Column<AdSignals>[] = [
  ["ad_id", VARCHAR, (s) => s.adId],
  ["top_state", VARCHAR, (s) => s.topStates[0] ?? s.stateRanking[0]!],
  ["top_states", VARCHAR, (s) => JSON.stringify(s.topStates)],
  ["top_region", VARCHAR, (s) => s.regionRanking[0]!],
  ["best_age_group", VARCHAR, (s) => s.bestAgeGroup],
  ["best_gender", VARCHAR, (s) => s.bestGender],
  ["impressions_per_usd", DOUBLE, (s) => s.impressionsPerUsd],
];

type QuarantineItem = { q: QuarantineEntry; runId: number };

export const QUARANTINE_COLUMNS: readonly Column<QuarantineItem>[] = [
  ["rule", VARCHAR, (x) => x.q.rule],
  ["detail", VARCHAR, (x) => x.q.detail],
  ["source", VARCHAR, (x) => x.q.source],
  ["line", INTEGER, (x) => x.q.line],
  ["ad_id", VARCHAR, (x) => x.q.adId],
  ["page_id", VARCHAR, (x) => x.q.pageId],
  ["record_key", VARCHAR, (x) => x.q.recordKey],
  ["raw", VARCHAR, (x) => x.q.raw],
  ["run_id", INTEGER, (x) => x.runId],
];

/** Delivery shares of the 51 states in US_STATES order, as given (not renormalised). */
export function stateVector(regions: readonly RegionShare[]): number[] {
  const v = new Array<number>(US_STATES.length).fill(0);
  for (const r of regions) {
    const i = stateIndex(r.region);
    if (i >= 0) v[i]! += r.share;
  }
  return v;
}

function otherRegionsJson(regions: readonly RegionShare[]): string | null {
  let out: [string, number][] | null = null;
  for (const r of regions) {
    if (stateIndex(r.region) >= 0) continue;
    out ??= [];
    out.push([r.region, r.share]);
  }
  return out ? JSON.stringify(out) : null;
}

/** The region list of an ad back from its stored columns: reached states, then other regions. */
export function regionsFromColumns(
  stateDelivery: string,
  otherRegions: string | null,
): RegionShare[] {
  const v = JSON.parse(stateDelivery) as number[];
  const out: RegionShare[] = [];
  v.forEach((share, i) => {
    if (share > 0) out.push({ region: US_STATES[i]!, share });
  });
  if (otherRegions) {
    for (const [region, share] of JSON.parse(otherRegions) as [string, number][])
      out.push({ region, share });
  }
  return out;
}

export function demographicsFromColumn(json: string): DemographicShare[] {
  return (JSON.parse(json) as [DemographicShare["age"], DemographicShare["gender"], number][]).map(
    ([age, gender, share]) => ({ age, gender, share }),
  );
}
