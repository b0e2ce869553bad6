import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { mulberry32 } from "../eval/metrics/bootstrap.js";
import { HeldVectors } from "./held-vectors.js";

test("held vectors read back exactly, before and after their write buffer is flushed", () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-held-vectors-"));
  try {
    const rand = mulberry32(2);
    const dim = 512;
    // 1 MiB holds 512 such vectors: 1,300 of them flush twice and leave some pending.
    const vs = Array.from({ length: 1300 }, () =>
      Float32Array.from({ length: dim }, () => rand() - 0.5),
    );
    const path = join(dir, "v.tmp");
    // A 7-row read cache, so that slots are reused.
    const held = new HeldVectors(path, dim, 7);
    vs.forEach((v, i) => {
      held.push(v);
      if (i % 97 === 0) assert.deepEqual(held.row(i), v, `just pushed ${i}`);
    });
    assert.equal(held.length, 1300);
    const a = new Float32Array(dim);
    // Cached and uncached reads; 0 and 700 share a slot, as do 1 and 1023.
    for (const i of [0, 1, 511, 512, 1023, 1024, 1299, 700, 3, 0, 700]) {
      assert.deepEqual(held.row(i, a), vs[i], `row ${i}`);
      assert.deepEqual(held.row(i), vs[i]);
    }
    assert.throws(() => held.row(1300), /no held vector 1300/);
    assert.throws(() => held.push(new Float32Array(3)), /length 3, expected 512/);
    held.close();
    assert.ok(!existsSync(path), "close removes the file");
    held.close();
    assert.throws(() => held.row(0), /closed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
