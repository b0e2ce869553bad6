import assert from "node:assert/strict";
import { test } from "node:test";
import { processRecord } from "./process-record.js";
import { BatchBuilder, KEYS, META, RowChunks, ruleAt } from "./processed-batch.js";

test("a processed batch carries each record's rows, keys and rule", () => {
  const ad = {
    id: "123456",
    page_id: "77",
    ad_creative_bodies: ["Vote — early, ünïcode ✓"],
    ad_delivery_start_time: "2022-05-01",
    delivery_by_region: [{ percentage: "1", region: "Ohio" }],
  };
  const b = new BatchBuilder(16, 1); // tiny: every buffer and array must grow
  const records = [
    processRecord({ source: "f", line: 1, text: JSON.stringify(ad), value: ad }, 3),
    processRecord({ source: "f", line: 2, text: "{", parseError: "bad" }, 3),
    processRecord({ source: "f", line: 3, text: "{}", value: {} }, 3),
  ];
  for (const p of records) b.add(p);
  const out = b.finish();
  assert.equal(out.count, 3);
  assert.equal(ruleAt(out, 0), null);
  assert.equal(ruleAt(out, 1), "malformed_json");
  assert.equal(ruleAt(out, 2), "missing_id");
  const text = (buf: Uint8Array, i: number, at: number) =>
    Buffer.from(buf).toString("utf8", out.meta[i * META + at]!, out.meta[i * META + at + 1]!);
  const p0 = records[0]!;
  assert.equal(p0.kind, "ad");
  if (p0.kind !== "ad") return;
  assert.equal(text(out.adRows, 0, 2), `${p0.adRow}\n`);
  assert.equal(text(out.signalRows, 0, 4), `${p0.signalRow}\n`);
  assert.deepEqual([out.ids[0], out.ids[1]], ["123456", "77"]);
  assert.equal(out.meta[1 * META + 1], 2);
  const p1 = records[1]!;
  assert.equal(text(out.quarantineRows, 1, 2), `${p1.kind === "rejected" && p1.quarantineRow}\n`);
  assert.equal(out.keys.length, 3 * KEYS);
  // A builder starts over after finish().
  assert.equal(b.finish().count, 0);
});

test("row chunks merge adjacent byte ranges and keep rows in order", () => {
  const a = new Uint8Array(10);
  const b = new Uint8Array(10);
  const c = new RowChunks();
  c.addRange(a, 0, 3);
  c.addRange(a, 3, 5);
  c.addRange(a, 7, 9); // a gap: a new chunk
  c.addRow("{}");
  c.addRange(b, 0, 2);
  const chunks = c.done();
  assert.equal(c.rows, 5);
  assert.equal(chunks.length, 4);
  assert.equal((chunks[0] as Uint8Array).byteLength, 5);
  assert.equal((chunks[1] as Uint8Array).byteOffset, 7);
  assert.equal(chunks[2], "{}");
  assert.equal((chunks[3] as Uint8Array).buffer, b.buffer);
});
