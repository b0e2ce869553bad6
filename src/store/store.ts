import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { AvakitError } from "../core/errors.js";
import { AD_COLUMNS, type Column, QUARANTINE_COLUMNS, SIGNAL_COLUMNS } from "./rows.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.js";

export interface StoreOptions {
  readOnly?: boolean;
  /**
   * DuckDB's memory limit, e.g. "1GB". Default: $AVAKIT_MEMORY_LIMIT, else 384MB, so that a
   * long ingest does not let DuckDB's cache grow towards its own default (80% of RAM); larger
   * queries spill to a temporary folder beside the database.
   */
  memoryLimit?: string;
  /** Fail instead of creating a new database file. */
  mustExist?: boolean;
}

/**
 * A batch written in one transaction: rows already serialised by rows.ts (adRowJson,
 * signalRowJson, quarantineRowJson). A string is one row (a JSON object, no newline); bytes are
 * one or more rows as UTF-8 JSONL, each row ending in a newline (the ingest workers' output,
 * written to the insert file as they are).
 */
export interface StoredBatch {
  adRows: readonly RowChunk[];
  signalRows: readonly RowChunk[];
  quarantineRows: readonly RowChunk[];
}

export type RowChunk = string | Uint8Array;

export const DEFAULT_MEMORY_LIMIT = "384MB";

/** The DuckDB store: the only module that touches @duckdb/node-api. */
export class Store {
  private scratch: string | undefined;

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
      const config: Record<string, string> = {};
      if (opts.readOnly) config.access_mode = "READ_ONLY";
      config.memory_limit =
        opts.memoryLimit ?? process.env.AVAKIT_MEMORY_LIMIT ?? DEFAULT_MEMORY_LIMIT;
      instance = await DuckDBInstance.create(path, config);
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
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
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

  /**
   * Another connection to the same database, for statements that should run side by side (each
   * connection executes on its caller's thread even with `SET threads = 1`). Close it after use.
   */
  async connection(): Promise<{ run(sql: string): Promise<void>; close(): void }> {
    const c = await this.instance.connect();
    return {
      run: async (sql: string) => {
        await c.run(sql);
      },
      close: () => c.closeSync(),
    };
  }

  async nextRunId(): Promise<number> {
    const r = await this.query<{ n: number | null }>("SELECT max(run_id) AS n FROM ingest_runs");
    return Number(r[0]?.n ?? 0) + 1;
  }

  /** Appends a batch; call inside `transaction`. */
  async appendBatch(batch: StoredBatch): Promise<void> {
    await insertRows(this, "ads", AD_COLUMNS, batch.adRows);
    await insertRows(this, "signals", SIGNAL_COLUMNS, batch.signalRows);
    await insertRows(this, "quarantine", QUARANTINE_COLUMNS, batch.quarantineRows);
  }

  /** A private folder for bulk-insert files, removed on close. */
  scratchDir(): string {
    this.scratch ??= mkdtempSync(join(tmpdir(), "avakit-"));
    return this.scratch;
  }
}

/**
 * Bulk insert through a newline-delimited JSON file that DuckDB reads with `read_json` (in C++, on
 * its own threads, while JavaScript goes on preparing the next batch): measured about twice as
 * fast as the appender's per-value conversion here, and it keeps the insert inside the caller's
 * transaction like any other statement.
 */
async function insertRows(
  store: Store,
  table: string,
  columns: readonly Column[],
  rows: readonly RowChunk[],
): Promise<void> {
  if (rows.length === 0) return;
  const file = join(store.scratchDir(), `${table}-${++fileSeq}.jsonl`);
  // Consecutive string rows become one buffer; byte chunks are written as they are.
  const bufs: Uint8Array[] = [];
  let text: string[] = [];
  const flushText = () => {
    if (text.length > 0) bufs.push(Buffer.from(`${text.join("\n")}\n`));
    text = [];
  };
  for (const r of rows) {
    if (typeof r === "string") text.push(r);
    else {
      flushText();
      if (r.byteLength > 0) bufs.push(r);
    }
  }
  flushText();
  if (bufs.length === 0) return;
  try {
    // writeFile takes the chunks in order and finishes any short write itself.
    await writeFile(file, bufs);
    const spec = columns.map(([name, type]) => `${quoteIdent(name)}: '${type}'`).join(", ");
    await store.run(
      `INSERT INTO ${quoteIdent(table)} BY NAME SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', columns = {${spec}})`,
    );
  } finally {
    await rm(file, { force: true });
  }
}

let fileSeq = 0;

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
