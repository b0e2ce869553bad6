import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { AvakitError } from "../core/errors.js";
import { US_STATES } from "../signals/geography.js";
import { readSignals, type SignalRecord } from "../signals/records.js";
import { demographicsFromColumn } from "../store/rows.js";
import { Store } from "../store/store.js";
import { formatCounts, type IngestCounts, ingestFiles } from "./ingest.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = join(ROOT, "test/fixtures/ingest");
const EVERY_RULE = join(FIXTURES, "every-rule.jsonl");
const BRUT_PR = join(FIXTURES, "brut-pr-regions.jsonl");
const SAMPLE = resolve(ROOT, "../shared/data/meta-ad-library/us-political-2019-10.jsonl");
const SAMPLE_SKIP = existsSync(SAMPLE)
  ? false
  : `../shared/data absent: the real Ad Library sample ${SAMPLE} is not here`;
const TOKEN = "EAABsbCS1iHgBAKZCZA0secretTOKEN123";

/** A fresh DuckDB file in a temp folder, closed and removed after `fn`. */
async function withStore(fn: (store: Store, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "avakit-ingest-"));
  const store = await Store.open(join(dir, "t.duckdb"));
  try {
    await fn(store, dir);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function count(store: Store, table: string): Promise<number> {
  const r = await store.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(r[0]!.n);
}

async function tableCounts(store: Store): Promise<Record<string, number>> {
  return {
    ads: await count(store, "ads"),
    signals: await count(store, "signals"),
    quarantine: await count(store, "quarantine"),
  };
}

function quarantinedTotal(c: IngestCounts): number {
  return Object.values(c.quarantined).reduce((a, b) => a + (b ?? 0), 0);
}

function assertReconciles(c: IngestCounts): void {
  assert.equal(c.read, c.kept + c.unchanged + quarantinedTotal(c), JSON.stringify(c));
  assert.equal(
    c.duplicates,
    (c.quarantined.duplicate_id ?? 0) + (c.quarantined.duplicate_body ?? 0),
  );
}

async function signalsById(store: Store): Promise<Map<string, SignalRecord>> {
  const out = new Map<string, SignalRecord>();
  for await (const s of readSignals(store)) out.set(s.ad_id, s);
  return out;
}

/** Every value of every table, as text: to show a token is nowhere in the database. */
async function everything(store: Store): Promise<string> {
  const parts: string[] = [];
  for (const t of ["ads", "signals", "quarantine", "ingest_runs", "crawl_state"]) {
    parts.push(JSON.stringify(await store.query(`SELECT * FROM ${t}`)));
  }
  return parts.join("\n");
}

const EVERY_RULE_COUNTS: IngestCounts = {
  read: 14,
  kept: 3,
  unchanged: 0,
  quarantined: {
    malformed_json: 1,
    invalid_record: 1,
    missing_id: 1,
    missing_page: 1,
    empty_body: 1,
    missing_dates: 1,
    missing_location: 1,
    no_us_state_delivery: 1,
    duplicate_id: 2,
    duplicate_body: 1,
  },
  duplicates: 3,
};

// Line of the fixture → what happened to it (line 7 is blank).
const EVERY_RULE_QUARANTINE: [number, string, string | null, string | null][] = [
  [2, "malformed_json", null, null],
  [3, "invalid_record", "3", "111"],
  [4, "missing_id", null, "111"],
  [5, "missing_page", "5", null],
  [6, "empty_body", "6", "111"],
  [8, "missing_dates", "8", "111"],
  [9, "missing_location", "9", "111"],
  [10, "no_us_state_delivery", "10", "111"],
  [11, "duplicate_id", "1", "111"],
  [12, "duplicate_body", "12", "111"],
  [14, "duplicate_id", "1", "111"],
];

for (const workers of [0, 2]) {
  test(`every rule fires once where it should and the counts reconcile (workers: ${workers})`, async () => {
    await withStore(async (store) => {
      const counts = await ingestFiles(store, [EVERY_RULE], { workers, batchSize: 4 });
      assert.deepEqual(counts, EVERY_RULE_COUNTS);
      assertReconciles(counts);
      assert.match(formatCounts(counts), /check {7}read = kept \+ unchanged \+ quarantined: ok/);

      const ads = await store.query<{
        ad_id: string;
        page_id: string;
        line: number;
        source: string;
      }>("SELECT ad_id, page_id, line, source FROM ads ORDER BY line");
      assert.deepEqual(
        ads.map((a) => [a.ad_id, a.page_id, a.line, a.source]),
        [
          ["1", "111", 1, EVERY_RULE],
          ["13", "222", 13, EVERY_RULE],
          ["15", "333", 15, EVERY_RULE],
        ],
      );
      assert.equal(await count(store, "signals"), 3);

      const q = await store.query<{
        rule: string;
        line: number;
        source: string;
        ad_id: string | null;
        page_id: string | null;
        detail: string;
        raw: string;
      }>("SELECT rule, line, source, ad_id, page_id, detail, raw FROM quarantine ORDER BY line");
      assert.deepEqual(
        q.map((r) => [r.line, r.rule, r.ad_id, r.page_id]),
        EVERY_RULE_QUARANTINE,
      );
      for (const r of q) {
        assert.equal(r.source, EVERY_RULE);
        assert.ok(r.detail.includes(`${EVERY_RULE}:${r.line}`), r.detail);
      }
      const byLine = new Map(q.map((r) => [r.line, r]));
      assert.match(byLine.get(3)!.detail, /spend: expected \{lower_bound, upper_bound\}, got 150/);
      assert.match(byLine.get(12)!.detail, /kept 1\b/);
      assert.match(byLine.get(11)!.detail, /ad 1 is already stored/);
      assert.equal(byLine.get(2)!.raw, '{"id": "2", "page_id": "111", "ad_creative_bodies": ["cut');
      // The quarantined raw record keeps the record but not its token.
      const raw5 = byLine.get(5)!.raw;
      assert.match(raw5, /"No page"/);
      assert.match(raw5, /access_token=\[REDACTED\]/);
      // Kept ad 1's snapshot URL lost its token; no token anywhere in the database.
      const snap = await store.query<{ snapshot_url: string }>(
        "SELECT snapshot_url FROM ads WHERE ad_id = '1'",
      );
      assert.equal(snap[0]!.snapshot_url, "https://www.facebook.com/ads/archive/render_ad/?id=1");
      assert.ok(!(await everything(store)).includes(TOKEN));
    });
  });
}

test("same body on the same page is a duplicate naming the kept ad; on another page it is kept", async () => {
  await withStore(async (store) => {
    await ingestFiles(store, [EVERY_RULE], { workers: 0 });
    const bodies = await store.query<{ ad_id: string; page_id: string; body: string }>(
      "SELECT ad_id, page_id, body FROM ads ORDER BY ad_id",
    );
    assert.deepEqual(bodies, [
      { ad_id: "1", page_id: "111", body: "Hello world [URL]" },
      { ad_id: "13", page_id: "222", body: "Hello world [URL]" },
      { ad_id: "15", page_id: "333", body: "Capital ad" },
    ]);
    const dup = await store.query<{ detail: string; ad_id: string }>(
      "SELECT detail, ad_id FROM quarantine WHERE rule = 'duplicate_body'",
    );
    assert.equal(dup.length, 1);
    assert.equal(dup[0]!.ad_id, "12");
    assert.match(dup[0]!.detail, /same body as ad 1 of page 111 \(kept 1\)/);
  });
});

test("DC under one name, Washington the state, other regions kept but outside the ranking", async () => {
  await withStore(async (store) => {
    await ingestFiles(store, [EVERY_RULE], { workers: 0 });
    const rows = await store.query<{ state_delivery: string; other_regions: string | null }>(
      "SELECT state_delivery, other_regions FROM ads WHERE ad_id = '15'",
    );
    const delivery = JSON.parse(rows[0]!.state_delivery) as number[];
    assert.equal(delivery.length, 51);
    assert.ok(Math.abs(delivery[US_STATES.indexOf("District of Columbia")]! - 0.5) < 1e-12);
    assert.equal(delivery[US_STATES.indexOf("Washington")], 0.4);
    assert.equal(delivery.filter((x) => x > 0).length, 2);
    assert.deepEqual(JSON.parse(rows[0]!.other_regions!), [["San Juan", 0.1]]);
    const s = (await signalsById(store)).get("15")!;
    assert.deepEqual(s.top_states, ["District of Columbia", "Washington"]);
    assert.equal(s.state_ranking.length, 51);
    assert.deepEqual([...s.state_ranking].sort(), [...US_STATES].sort());
  });
});

test("re-ingesting the same file changes nothing; the counts say unchanged", async () => {
  await withStore(async (store) => {
    const first = await ingestFiles(store, [EVERY_RULE], { workers: 0 });
    assert.deepEqual(first, EVERY_RULE_COUNTS);
    const before = await tableCounts(store);
    assert.deepEqual(before, { ads: 3, signals: 3, quarantine: 11 });
    const snapshot = await store.query("SELECT * EXCLUDE (run_id) FROM ads ORDER BY ad_id");
    for (const workers of [0, 2]) {
      const again = await ingestFiles(store, [EVERY_RULE], { workers });
      assert.deepEqual(again, { read: 14, kept: 0, unchanged: 14, quarantined: {}, duplicates: 0 });
      assertReconciles(again);
      assert.deepEqual(await tableCounts(store), before);
    }
    assert.deepEqual(
      await store.query("SELECT * EXCLUDE (run_id) FROM ads ORDER BY ad_id"),
      snapshot,
    );
    // Each run is recorded with its counts.
    const runs = await store.query<{ counts: string; finished_at: unknown }>(
      "SELECT counts, finished_at FROM ingest_runs ORDER BY run_id",
    );
    assert.equal(runs.length, 3);
    assert.deepEqual(JSON.parse(runs[0]!.counts), EVERY_RULE_COUNTS);
    assert.ok(runs.every((r) => r.finished_at !== null));
  });
});

test("a malformed line never aborts the run; what was stored before stays", async () => {
  await withStore(async (store, dir) => {
    await ingestFiles(store, [EVERY_RULE], { workers: 0 });
    const ad = (id: string, body: string) =>
      JSON.stringify({
        id,
        page_id: "900",
        ad_creative_bodies: [body],
        ad_delivery_start_time: "2022-05-01",
        delivery_by_region: [{ percentage: "1", region: "Maine" }],
      });
    const messy = join(dir, "messy.jsonl");
    writeFileSync(
      messy,
      [
        ad("901", "first"),
        "{{{{",
        "[1, 2",
        '{"id": "903", "spend": 12}',
        "null",
        `{"id": "904", "ad_snapshot_url": "https://x.test/?id=904&access_token=${TOKEN}", oops}`,
        ad("905", "last"),
      ].join("\n"),
    );
    for (const workers of [0, 2]) {
      const counts = await ingestFiles(store, [messy], { workers });
      assertReconciles(counts);
      if (workers === 0) {
        assert.deepEqual(counts, {
          read: 7,
          kept: 2,
          unchanged: 0,
          quarantined: { malformed_json: 3, invalid_record: 2 },
          duplicates: 0,
        });
      } else {
        assert.deepEqual(counts, {
          read: 7,
          kept: 0,
          unchanged: 7,
          quarantined: {},
          duplicates: 0,
        });
      }
    }
    const ids = (await store.query<{ ad_id: string }>("SELECT ad_id FROM ads ORDER BY ad_id")).map(
      (r) => r.ad_id,
    );
    assert.deepEqual(ids, ["1", "13", "15", "901", "905"]);
    const q = await store.query<{ line: number; rule: string }>(
      "SELECT line, rule FROM quarantine WHERE source = $1 ORDER BY line",
      [messy],
    );
    assert.deepEqual(
      q.map((r) => [r.line, r.rule]),
      [
        [2, "malformed_json"],
        [3, "malformed_json"],
        [4, "invalid_record"],
        [5, "invalid_record"],
        [6, "malformed_json"],
      ],
    );
    // The token in a malformed line is redacted, in the raw text and in the detail.
    assert.ok(!(await everything(store)).includes(TOKEN));
  });
});

for (const workers of [0, 2]) {
  test(`JSONL with a UTF-8 byte order mark loses no record (workers: ${workers})`, async () => {
    await withStore(async (store, dir) => {
      const lines = readFileSync(EVERY_RULE, "utf8").split(/\r?\n/);
      const bom = join(dir, "bom.jsonl");
      writeFileSync(bom, `\uFEFF${lines.join("\n")}`);
      assert.deepEqual(await ingestFiles(store, [bom], { workers }), EVERY_RULE_COUNTS);
      assert.equal(await count(store, "ads"), 3);
    });
  });

  test(`JSONL with a bad first line loses no record (workers: ${workers})`, async () => {
    await withStore(async (store, dir) => {
      const lines = readFileSync(EVERY_RULE, "utf8").split(/\r?\n/);
      const badFirst = join(dir, "bad-first.jsonl");
      writeFileSync(badFirst, ["{oops", ...lines].join("\n"));
      const counts = await ingestFiles(store, [badFirst], { workers });
      const want = structuredClone(EVERY_RULE_COUNTS);
      want.read++;
      want.quarantined.malformed_json = 2;
      assert.deepEqual(counts, want);
      const q = await store.query<{ line: number }>(
        "SELECT line FROM quarantine WHERE rule = 'malformed_json' ORDER BY line",
      );
      assert.deepEqual(
        q.map((r) => r.line),
        [1, 3],
      );
    });
  });
}

test("a delivery only outside the 51 states (Puerto Rico, Guam) is no_us_state_delivery", async () => {
  await withStore(async (store) => {
    await ingestFiles(store, [EVERY_RULE], { workers: 0 });
    const q = await store.query<{ detail: string; ad_id: string }>(
      "SELECT detail, ad_id FROM quarantine WHERE rule = 'no_us_state_delivery'",
    );
    assert.equal(q.length, 1);
    assert.equal(q[0]!.ad_id, "10");
    assert.match(q[0]!.detail, /Puerto Rico, Guam/);
  });
});

test("a JSON array and saved pages ingest like JSONL", async () => {
  await withStore(async (store, dir) => {
    const lines = readFileSync(EVERY_RULE, "utf8")
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "");
    // All but the malformed line (it would be malformed in any format).
    const records = lines.filter((l) => !l.endsWith('["cut')).map((l) => JSON.parse(l) as unknown);
    assert.equal(records.length, 13);
    const array = join(dir, "records.json");
    writeFileSync(array, JSON.stringify(records, null, 2));
    const counts = await ingestFiles(store, [array], { workers: 0 });
    const want = structuredClone(EVERY_RULE_COUNTS);
    want.read = 13;
    delete want.quarantined.malformed_json;
    assert.deepEqual(counts, want);
    // The same records as a pretty-printed saved page, gzipped: all already stored as ads or
    // duplicates of them. Their text differs from the array elements', so they are read again.
    const page = join(dir, "page.bin");
    writeFileSync(page, gzipSync(JSON.stringify({ data: records, paging: {} }, null, 2)));
    const again = await ingestFiles(store, [page], { workers: 0 });
    assertReconciles(again);
    assert.equal(again.read, 13);
    assert.equal(again.kept, 0);
    assert.deepEqual(await tableCounts(store), { ads: 3, signals: 3, quarantine: 10 + 13 });
  });
});

test("a file that cannot be read is a clear error naming it, before anything is stored", async () => {
  await withStore(async (store, dir) => {
    const missing = join(dir, "missing.jsonl");
    await assert.rejects(
      ingestFiles(store, [EVERY_RULE, missing], { workers: 0 }),
      (e: unknown) => e instanceof AvakitError && e.message.includes(missing),
    );
    assert.deepEqual(await tableCounts(store), { ads: 0, signals: 0, quarantine: 0 });
    await assert.rejects(ingestFiles(store, []), AvakitError);
  });
});

function manyRecords(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      JSON.stringify({
        id: `7${i}`,
        page_id: `p${i % 17}`,
        ad_creative_bodies: [`Ad number ${i} with some padding ${"x".repeat(i % 50)}`],
        ad_delivery_start_time: "2021-01-01",
        delivery_by_region: [
          { percentage: "0.5", region: "Texas" },
          { percentage: "0.5", region: "Ohio" },
        ],
      }),
    );
  }
  return `${out.join("\n")}\n`;
}

for (const workers of [0, 2]) {
  test(`a gzip file truncated in the middle keeps the committed batches and names the file (workers: ${workers})`, async () => {
    await withStore(async (store, dir) => {
      // Large enough that several read batches (and transactions) complete before the cut.
      const N = 20000;
      const text = manyRecords(N);
      const gz = gzipSync(text);
      const cut = join(dir, "cut.jsonl.gz");
      writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
      await assert.rejects(
        ingestFiles(store, [EVERY_RULE, cut], { workers, batchSize: 50 }),
        (e: unknown) => e instanceof AvakitError && e.message.includes(cut),
      );
      const stored = await count(store, "ads");
      // The first file's 3 ads and at least some of the cut file's batches.
      assert.ok(stored > 3 + 1000 && stored < 3 + N, `${stored} ads stored`);
      assert.equal(await count(store, "signals"), stored);
      const fromCut = await store.query<{ n: number | string; maxline: number }>(
        "SELECT count(*) AS n, max(line) AS maxline FROM ads WHERE source = $1",
        [cut],
      );
      // What was stored is a prefix of the file: lines 1..n, none skipped.
      assert.equal(Number(fromCut[0]!.n), fromCut[0]!.maxline);
      // The run is closed with its counts.
      const runs = await store.query<{ counts: string | null }>("SELECT counts FROM ingest_runs");
      assert.equal(runs.length, 1);
      const c = JSON.parse(runs[0]!.counts!) as IngestCounts;
      assertReconciles(c);
      assert.equal(c.kept, stored);
      // The complete file afterwards: what was stored is unchanged, the rest is added.
      const full = join(dir, "full.jsonl.gz");
      writeFileSync(full, gz);
      const rest = await ingestFiles(store, [full], { workers });
      assert.equal(rest.read, N);
      assert.equal(rest.unchanged, stored - 3);
      assert.equal(rest.kept, N - (stored - 3));
      assert.equal(await count(store, "ads"), N + 3);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The real sample (../shared/data), skipped with its reason where it is absent.

// Kept ads: the first of each (page, body) group, in file order (verified by hand: 11 groups).
const SAMPLE_KEPT: [string, number, "male" | "female"][] = [
  ["2447656412147213", 1, "male"],
  ["614648039071965", 10, "male"],
  ["2474979132738399", 11, "male"],
  ["486270815575356", 22, "male"],
  ["474534953409452", 40, "male"],
  ["711222742715737", 41, "male"],
  ["464055534317932", 42, "female"],
  ["521855758375235", 43, "female"],
  ["415142029386040", 44, "female"],
  ["1184599138403213", 45, "male"],
  ["698685903971587", 48, "female"],
];

test("the real sample: 52 read, 11 kept, 41 duplicate bodies", { skip: SAMPLE_SKIP }, async () => {
  await withStore(async (store) => {
    const counts = await ingestFiles(store, [SAMPLE]);
    assert.deepEqual(counts, {
      read: 52,
      kept: 11,
      unchanged: 0,
      quarantined: { duplicate_body: 41 },
      duplicates: 41,
    });
    const ads = await store.query<{ ad_id: string; line: number; page_name: string }>(
      "SELECT ad_id, line, page_name FROM ads ORDER BY line",
    );
    assert.deepEqual(
      ads.map((a) => [a.ad_id, a.line]),
      SAMPLE_KEPT.map(([id, line]) => [id, line]),
    );
    // Every duplicate names the first ad of its page with that body.
    const dups = await store.query<{ ad_id: string; line: number; detail: string }>(
      "SELECT ad_id, line, detail FROM quarantine ORDER BY line",
    );
    assert.equal(dups.length, 41);
    const keptBefore = (line: number) => [...SAMPLE_KEPT].reverse().find(([, l]) => l < line)![0];
    for (const d of dups) {
      const expected = [2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21].includes(
        d.line,
      )
        ? "2447656412147213"
        : keptBefore(d.line);
      assert.ok(d.detail.endsWith(`(kept ${expected})`), `line ${d.line}: ${d.detail}`);
    }
    assert.deepEqual(
      dups.filter((d) => d.line >= 46 && d.line <= 47).map((d) => d.detail.slice(-23)),
      ["(kept 1184599138403213)", "(kept 1184599138403213)"],
    );

    // Lowercase genders normalised: only the canonical values are stored, and best genders follow.
    const demo = await store.query<{ demographics: string }>("SELECT demographics FROM ads");
    const genders = new Set(
      demo.flatMap((d) => demographicsFromColumn(d.demographics).map((x) => x.gender)),
    );
    assert.deepEqual([...genders].sort(), ["female", "male", "unknown"]);
    const signals = await signalsById(store);
    assert.deepEqual(
      SAMPLE_KEPT.map(([id]) => signals.get(id)!.best_gender),
      SAMPLE_KEPT.map(([, , g]) => g),
    );
    // A body that was only a URL is kept as "[URL]" (it has a title and a link description).
    const urlOnly = await store.query<{ body: string; title: string }>(
      "SELECT body, title FROM ads WHERE ad_id = '711222742715737'",
    );
    assert.deepEqual(urlOnly, [
      { body: "[URL]", title: "US Treasury honors Ocasio-Cortez with new 'zero cents' AOC coin" },
    ]);
    // "Unknown" and DC: "Unknown" stored outside the states, DC among them.
    const cfe = await store.query<{ state_delivery: string; other_regions: string }>(
      "SELECT state_delivery, other_regions FROM ads WHERE ad_id = '614648039071965'",
    );
    assert.deepEqual(JSON.parse(cfe[0]!.other_regions), [["Unknown", 0.002456]]);
    const cfeDelivery = JSON.parse(cfe[0]!.state_delivery) as number[];
    assert.equal(cfeDelivery.filter((x) => x > 0).length, 51);
    assert.equal(cfeDelivery[US_STATES.indexOf("District of Columbia")], 0.000702);
    assert.equal(cfeDelivery[US_STATES.indexOf("Washington")], 0.021754);
    assert.ok(!signals.get("614648039071965")!.state_ranking.includes("Unknown"));

    // Re-ingest: nothing changes.
    const before = await tableCounts(store);
    const again = await ingestFiles(store, [SAMPLE]);
    assert.deepEqual(again, { read: 52, kept: 0, unchanged: 52, quarantined: {}, duplicates: 0 });
    assert.deepEqual(await tableCounts(store), before);
  });
});

/** Checks the real ad with PR municipalities, territories and a duplicated "Florida" entry. */
async function checkBrutAd(path: string): Promise<void> {
  await withStore(async (store) => {
    const counts = await ingestFiles(store, [path], { workers: 0 });
    assert.deepEqual(counts, { read: 1, kept: 1, unchanged: 0, quarantined: {}, duplicates: 0 });
    const rows = await store.query<{
      ad_id: string;
      state_delivery: string;
      other_regions: string;
    }>("SELECT ad_id, state_delivery, other_regions FROM ads");
    assert.equal(rows[0]!.ad_id, "716384778875916");
    const delivery = JSON.parse(rows[0]!.state_delivery) as number[];
    // "Florida" appears twice (0.001433 and 0.000425): merged by summing.
    assert.ok(Math.abs(delivery[US_STATES.indexOf("Florida")]! - 0.001858) < 1e-12);
    // "Washington, District of Columbia" is DC; "Washington" the state.
    assert.equal(delivery[US_STATES.indexOf("District of Columbia")], 0.000053);
    assert.equal(delivery[US_STATES.indexOf("Washington")], 0.000106);
    assert.equal(delivery.filter((x) => x > 0).length, 39);
    // 123 entries: 1 duplicate, 39 states, 83 other regions (77 PR municipalities, Guam,
    // Northern Mariana Islands, US Virgin Islands, Eastern and Western District, Unknown).
    const other = JSON.parse(rows[0]!.other_regions) as [string, number][];
    assert.equal(other.length, 83);
    const names = new Map(other);
    for (const n of [
      "San Juan",
      "Mayagüez",
      "Bayamón",
      "Las Marías",
      "Guam",
      "Northern Mariana Islands",
      "US Virgin Islands",
      "Eastern District",
      "Western District",
      "Unknown",
    ]) {
      assert.ok(names.has(n), `${n} kept as a region`);
    }
    assert.equal(names.get("Guam"), 0.285729);
    assert.equal(names.get("San Juan"), 0.149392);
    // The ranking holds the 51 states only.
    const s = (await signalsById(store)).get("716384778875916")!;
    assert.equal(s.state_ranking.length, 51);
    assert.deepEqual([...s.state_ranking].sort(), [...US_STATES].sort());
    assert.ok(s.top_states.every((st) => US_STATES.includes(st)));
    assert.equal(s.top_states.length, 3);
  });
}

test("a real ad's duplicated region entry is merged; PR and territories stored, not ranked (fixture)", async () => {
  await checkBrutAd(BRUT_PR);
});

test("the real sample's ad with a duplicated region entry (line 46)", {
  skip: SAMPLE_SKIP,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-sample-"));
  try {
    const line = readFileSync(SAMPLE, "utf8")
      .split("\n")
      .find((l) => l.includes('"id": "716384778875916"'));
    assert.ok(line, "the ad is in the sample");
    const names = (JSON.parse(line).delivery_by_region as { region: string }[]).map(
      (r) => r.region,
    );
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      ["Florida"],
    );
    const path = join(dir, "line46.jsonl");
    writeFileSync(path, `${line}\n`);
    await checkBrutAd(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
