import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AvakitError } from "../core/errors.js";
import { SCHEMA_VERSION } from "./schema.js";
import { Store } from "./store.js";

function tempDb(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "avakit-store-"));
  return {
    path: join(dir, "t.duckdb"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test("a new database is created at the current schema version, and reopening keeps it", async () => {
  const { path, cleanup } = tempDb();
  try {
    const s = await Store.open(path);
    assert.equal(await s.schemaVersion(), SCHEMA_VERSION);
    const tables = await s.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables ORDER BY table_name",
    );
    assert.deepEqual(
      tables.map((t) => t.table_name),
      ["ads", "crawl_state", "ingest_runs", "quarantine", "schema_version", "signals"],
    );
    s.close();
    const again = await Store.open(path);
    const versions = await again.query<{ n: string }>("SELECT count(*) AS n FROM schema_version");
    assert.equal(Number(versions[0]!.n), SCHEMA_VERSION);
    again.close();
  } finally {
    cleanup();
  }
});

test("a database from a newer avakit is refused with a clear message", async () => {
  const { path, cleanup } = tempDb();
  try {
    const s = await Store.open(path);
    await s.run("INSERT INTO schema_version VALUES (999, 'future', now())");
    s.close();
    await assert.rejects(
      Store.open(path),
      (e: unknown) => e instanceof AvakitError && /newer than this avakit/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

test("a failed transaction stores nothing", async () => {
  const { path, cleanup } = tempDb();
  try {
    const s = await Store.open(path);
    await assert.rejects(
      s.transaction(async () => {
        await s.run(
          "INSERT INTO ingest_runs (run_id, kind, inputs, started_at) VALUES (1, 'files', '[]', now())",
        );
        throw new Error("boom");
      }),
      /boom/,
    );
    const n = await s.query<{ n: string }>("SELECT count(*) AS n FROM ingest_runs");
    assert.equal(Number(n[0]!.n), 0);
    s.close();
  } finally {
    cleanup();
  }
});

test("read-only open of a missing database names the file", async () => {
  await assert.rejects(
    Store.open("/nonexistent/dir/x.duckdb", { readOnly: true }),
    (e: unknown) => e instanceof AvakitError && e.message.includes("/nonexistent/dir/x.duckdb"),
  );
});
