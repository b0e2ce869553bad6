/**
 * npm run bench:ingest-parts [-- --records N]
 *
 * Where ingest's CPU goes, per record, one step at a time on one thread: the functions the ingest
 * workers call (decode, JSON.parse, content hashes, §3.1 normalisation, signals, row JSON), the
 * whole per-batch function, then DuckDB's insert of the resulting rows (one DuckDB thread, CPU
 * time). Reads the first N records of bench:ingest's 100,000-ad synthetic file (generated if
 * missing). The figures explain bench:ingest's ads/s: 20,000 ads/s on 2 cores is 100 µs per
 * record, all steps included. Each step runs twice and the second run is timed.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { contentDigest } from "../src/core/hash.js";
import { bodyKey } from "../src/ingest/clean-text.js";
import { processLineBatch } from "../src/ingest/line-batches.js";
import { normalizeRecord } from "../src/ingest/normalize.js";
import { RowChunks } from "../src/ingest/processed-batch.js";
import { computeSignals } from "../src/signals/compute.js";
import { adRowJson, signalRowJson } from "../src/store/rows.js";
import { Store } from "../src/store/store.js";
import { writeSynthFile } from "../src/synth/write.js";

const { values } = parseArgs({ options: { records: { type: "string", default: "20000" } } });
const wanted = Number(values.records);
const cacheDir = new URL("./.cache/", import.meta.url).pathname;
mkdirSync(cacheDir, { recursive: true });
const file = join(cacheDir, "synth-100000-seed1.jsonl");
if (!existsSync(file)) {
  await writeSynthFile({ ads: 100_000, seed: 1 }, `${file}.tmp`);
  renameSync(`${file}.tmp`, file);
}
// The first `wanted` lines, as bytes.
const buf = Buffer.alloc(Math.min(wanted, 100_000) * 4096);
const fd = openSync(file, "r");
const n = readSync(fd, buf, 0, buf.length, 0);
let end = 0;
for (let k = 0; k < wanted; k++) {
  const nl = buf.indexOf(10, end);
  if (nl < 0 || nl >= n) break;
  end = nl + 1;
}
const bytes = buf.subarray(0, end);
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const lines: string[] = [];
for (let s = 0; s < bytes.length; ) {
  const e = bytes.indexOf(10, s);
  lines.push(utf8.decode(bytes.subarray(s, e)));
  s = e + 1;
}
const count = lines.length;

/** Runs `f` once to warm up (JIT), then times a second run. */
function time(label: string, f: () => void): void {
  f();
  const t = performance.now();
  f();
  const us = ((performance.now() - t) * 1000) / count;
  console.log(`${label.padEnd(38)} ${us.toFixed(1).padStart(6)} µs/record`);
}

console.log(`${count} records, ${(bytes.length / count).toFixed(0)} bytes each on average`);
let values2: unknown[] = [];
let ads: ReturnType<typeof normalizeRecord>[] = [];
time("decode (TextDecoder)", () => {
  for (let s = 0; s < bytes.length; ) {
    const e = bytes.indexOf(10, s);
    utf8.decode(bytes.subarray(s, e));
    s = e + 1;
  }
});
time("JSON.parse", () => {
  values2 = lines.map((l) => JSON.parse(l));
});
time("sha256 of the record", () => {
  for (const l of lines) contentDigest(l);
});
time("§3.1 normalisation", () => {
  ads = values2.map((v) => normalizeRecord(v));
});
const kept = ads.flatMap((r) => (r.ok ? [r.ad] : []));
const scale = kept.length / count;
let signals: ReturnType<typeof computeSignals>[] = [];
time("signals", () => {
  signals = kept.map((a) => computeSignals(a));
});
time("sha256 of (page, body)", () => {
  for (const a of kept) contentDigest(`${a.pageId}\u0000${bodyKey(a.body)}`);
});
const p = { source: file, line: 1, recordKey: "k", bodyKey: "b", runId: 1 };
time("ad row JSON", () => {
  for (const a of kept) adRowJson(a, p);
});
time("signal row JSON", () => {
  for (const s of signals) if (s) signalRowJson(s);
});
let batch: ReturnType<typeof processLineBatch> | null = null;
time("whole worker batch (processLineBatch)", () => {
  batch = processLineBatch(bytes, 1, file, 1);
});
const dir = mkdtempSync(join(tmpdir(), "avakit-bench-parts-"));
try {
  const store = await Store.open(join(dir, "parts.duckdb"));
  await store.run("SET threads = 1");
  const b = batch!;
  for (const round of [1, 2]) {
    const adRows = new RowChunks();
    adRows.addRange(b.adRows, 0, b.adRows.byteLength);
    const signalRows = new RowChunks();
    signalRows.addRange(b.signalRows, 0, b.signalRows.byteLength);
    const cpu = process.cpuUsage();
    const t = performance.now();
    await store.transaction(() =>
      store.appendBatch({
        adRows: adRows.done(),
        signalRows: signalRows.done(),
        quarantineRows: [],
      }),
    );
    const c = process.cpuUsage(cpu);
    console.log(
      `${`DuckDB insert, round ${round}`.padEnd(38)} ${((c.user + c.system) / count).toFixed(1).padStart(6)} µs/record CPU (${(((performance.now() - t) * 1000) / count).toFixed(1)} wall)`,
    );
  }
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `(${(scale * 100).toFixed(0)}% of the records pass normalisation; per-ad steps are divided by all records read)`,
);
