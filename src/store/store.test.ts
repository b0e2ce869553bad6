import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AvakitError } from "../core/errors.js";
import {
  AD_COLUMNS,
  adRow,
  QUARANTINE_COLUMNS,
  quarantineRow,
  SIGNAL_COLUMNS,
  signalRow,
} from "./rows.js";
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
      [
        "ads",
        "crawl_state",
        "embeddings",
        "ingest_runs",
        "media_texts",
        "quarantine",
        "schema_version",
        "signals",
      ],
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

test("row serialisers write exactly the columns of their tables, in table order", async () => {
  const { path, cleanup } = tempDb();
  try {
    const s = await Store.open(path);
    const cols = async (t: string) =>
      (
        await s.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_name = '${t}' ORDER BY ordinal_position`,
        )
      ).map((r) => r.column_name);
    const ad = {
      adId: "1",
      pageId: "2",
      pageName: null,
      byline: null,
      body: "b",
      bodies: ["b"],
      title: null,
      linkCaption: null,
      linkDescription: null,
      platforms: [],
      languages: [],
      currency: "USD",
      createdDate: null,
      startDate: "2020-01-01",
      endDate: null,
      spend: null,
      impressions: null,
      audienceSize: null,
      regions: [{ region: "Ohio", share: 1 }],
      demographics: [],
      snapshotUrl: null,
      media: [],
      synthetic: false,
    };
    const prov = { source: "f", line: 1, recordKey: "k", bodyKey: "b", runId: 1 };
    assert.deepEqual(Object.keys(adRow(ad, prov)), await cols("ads"));
    assert.deepEqual(
      AD_COLUMNS.map((c) => c[0]),
      await cols("ads"),
    );
    const sig = {
      adId: "1",
      stateInterest: [],
      stateRanking: ["Ohio"],
      topStates: ["Ohio"],
      regionInterest: [],
      regionRanking: ["Midwest"],
      bestAgeGroup: null,
      bestGender: null,
      impressionsPerUsd: null,
    };
    assert.deepEqual(Object.keys(signalRow(sig)), await cols("signals"));
    assert.deepEqual(
      SIGNAL_COLUMNS.map((c) => c[0]),
      await cols("signals"),
    );
    const q = {
      rule: "empty_body" as const,
      detail: "d",
      source: "f",
      line: 1,
      adId: null,
      pageId: null,
      recordKey: "k",
      raw: "{}",
    };
    assert.deepEqual(Object.keys(quarantineRow(q, 1)), await cols("quarantine"));
    assert.deepEqual(
      QUARANTINE_COLUMNS.map((c) => c[0]),
      await cols("quarantine"),
    );
    // And a batch of them round-trips through the bulk insert.
    await s.transaction(() =>
      s.appendBatch({
        adRows: [JSON.stringify(adRow(ad, prov))],
        signalRows: [JSON.stringify(signalRow(sig))],
        quarantineRows: [JSON.stringify(quarantineRow(q, 1))],
      }),
    );
    const [row] = await s.query<{
      state_delivery: string;
      start_date: string;
      bodies: string | null;
    }>("SELECT state_delivery, strftime(start_date, '%Y-%m-%d') AS start_date, bodies FROM ads");
    assert.equal(row!.start_date, "2020-01-01");
    assert.equal(row!.bodies, null);
    const v = JSON.parse(row!.state_delivery) as number[];
    assert.equal(v.length, 51);
    assert.equal(
      v.reduce((a, b) => a + b, 0),
      1,
    );
    s.close();
  } finally {
    cleanup();
  }
});
