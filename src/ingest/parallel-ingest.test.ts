import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Store } from "../store/store.js";
import { writeSynthFile } from "../synth/write.js";
import { ingestFiles } from "./ingest.js";

const dir = mkdtempSync(join(tmpdir(), "avakit-par-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function dump(db: string): Promise<{ ads: string; signals: string; quarantine: string }> {
  const s = await Store.open(db, { readOnly: true });
  try {
    const q = async (sql: string) => JSON.stringify(await s.query(sql));
    return {
      ads: await q("SELECT * EXCLUDE (run_id) FROM ads ORDER BY ad_id"),
      signals: await q("SELECT * FROM signals ORDER BY ad_id"),
      quarantine: await q("SELECT * EXCLUDE (run_id) FROM quarantine ORDER BY line, record_key"),
    };
  } finally {
    s.close();
  }
}

test("worker threads and the main thread store exactly the same rows", async () => {
  const file = join(dir, "synth.jsonl");
  await writeSynthFile({ ads: 3000, seed: 11 }, file);
  const results = [];
  for (const workers of [0, 2]) {
    const db = join(dir, `w${workers}.duckdb`);
    const store = await Store.open(db);
    const counts = await ingestFiles(store, [file], { workers, batchSize: 700 });
    store.close();
    results.push({ counts, rows: await dump(db) });
  }
  const [a, b] = results;
  assert.equal(a!.counts.read, 3000);
  assert.ok(a!.counts.kept > 2000, `kept ${a!.counts.kept}`);
  assert.deepEqual(a!.counts, b!.counts);
  assert.equal(a!.rows.ads, b!.rows.ads);
  assert.equal(a!.rows.signals, b!.rows.signals);
  assert.equal(a!.rows.quarantine, b!.rows.quarantine);
});

test("an ingest killed with SIGKILL mid-run resumes with no ad lost and none duplicated", async () => {
  const file = join(dir, "big.jsonl");
  await writeSynthFile({ ads: 20000, seed: 5 }, file);
  // Reference: one uninterrupted run.
  const refDb = join(dir, "ref.duckdb");
  const ref = await Store.open(refDb);
  const refCounts = await ingestFiles(ref, [file], { batchSize: 1000 });
  ref.close();

  const db = join(dir, "killed.duckdb");
  const cli = new URL("../cli/main.ts", import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", cli, "ingest", "--db", db, "--batch-size", "1000", file],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  // Kill once progress shows some records were read (a batch or more committed).
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stderr.on("data", (d: Buffer) => {
      seen += d.toString();
      if (/ingest: [\d,]+ records/.test(seen) && /(\d{1,3},)?\d{3,} kept/.test(seen)) {
        child.kill("SIGKILL");
      }
    });
    child.on("exit", () => resolve());
    child.on("error", reject);
  });
  const partial = await Store.open(db);
  const [{ n }] = (await partial.query<{ n: string }>("SELECT count(*) AS n FROM ads")) as [
    { n: string },
  ];
  assert.ok(Number(n) < refCounts.kept, `killed run stored ${n} of ${refCounts.kept}`);
  const counts = await ingestFiles(partial, [file], { batchSize: 1000 });
  partial.close();
  assert.equal(counts.read, 20000);
  assert.equal(counts.unchanged + counts.kept + counts.duplicates, 20000 - sumOther(counts));
  const a = await dump(refDb);
  const b = await dump(db);
  assert.equal(b.ads, a.ads);
  assert.equal(b.signals, a.signals);
});

function sumOther(c: { quarantined: Record<string, number | undefined> }): number {
  return Object.entries(c.quarantined)
    .filter(([k]) => k !== "duplicate_id" && k !== "duplicate_body")
    .reduce((s, [, v]) => s + (v ?? 0), 0);
}
