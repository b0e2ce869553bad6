import assert from "node:assert/strict";
import { hash } from "node:crypto";
import { test } from "node:test";
import { fmix32 } from "../core/hash.js";
import { digestWord, recordKeys } from "./records.js";

/** The definition, from the digest's bytes: id = its first 22 base64url characters. */
function reference(task: string, adIds: string[], prompt: string, seed: number) {
  const h = hash("sha256", `${task}\u0000${adIds.join("\u0001")}\u0000${prompt}`, "buffer");
  const s = hash("sha256", `avakit-record-seed\u0000${seed}`, "buffer");
  const hi = fmix32((h.readUInt32BE(16) ^ s.readUInt32BE(0)) >>> 0);
  const lo = fmix32((h.readUInt32BE(20) ^ s.readUInt32BE(4) ^ hi) >>> 0);
  return { id: h.toString("base64url").slice(0, 22), prio: (hi >>> 11) * 2 ** 32 + lo };
}

test("record keys: the id and priority read the sha256 digest's bytes exactly", () => {
  for (let k = 0; k < 500; k++) {
    const prompt = `Given ${"ünïcødé ☃ 😀 ".repeat(k % 7)}prompt ${k}\n\nAnswer:`;
    const ids = k % 3 === 0 ? [`${k}`] : [`${k}`, `${k * 7}`];
    for (const seed of [0, 1, 12345]) {
      assert.deepEqual(recordKeys("TS-R", ids, prompt, seed), reference("TS-R", ids, prompt, seed));
    }
  }
  // A fixed value, so that a change of ids between versions is deliberate.
  assert.deepEqual(recordKeys("TAG-B", ["1", "2"], "p", 0), {
    id: "nwjU-IGa5DaM0kVlXgnlTo",
    prio: 140170038613260,
  });
});

test("digestWord decodes any 4 bytes of a base64url digest", () => {
  for (let k = 0; k < 200; k++) {
    const b = hash("sha256", `x${k}`, "buffer");
    const t = b.toString("base64url");
    for (let at = 0; at <= 28; at++)
      assert.equal(digestWord(t, at), b.readUInt32BE(at), `${k} ${at}`);
  }
});
