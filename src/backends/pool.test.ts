import assert from "node:assert/strict";
import { test } from "node:test";
import { countFailures, runPool } from "./pool.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("keeps item order, limits concurrency and records failures instead of aborting", async () => {
  let inFlight = 0;
  let most = 0;
  const progress: number[] = [];
  const items = Array.from({ length: 40 }, (_, i) => i);
  const out = await runPool(
    items,
    async (x) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep((x * 7) % 5);
      inFlight--;
      if (x % 10 === 3) throw new Error(`item ${x} failed`);
      return x * 2;
    },
    { concurrency: 4, onProgress: (p) => progress.push(p.done) },
  );
  assert.equal(most, 4);
  assert.equal(out.length, 40);
  out.forEach((r, i) => {
    if (i % 10 === 3) assert.deepEqual(r, { ok: false, error: `item ${i} failed` });
    else assert.deepEqual(r, { ok: true, value: i * 2 });
  });
  assert.equal(countFailures(out), 4);
  assert.deepEqual(
    progress,
    items.map((i) => i + 1),
  );
});

test("empty input, more workers than items, bad concurrency", async () => {
  assert.deepEqual(await runPool([], async () => 1, { concurrency: 8 }), []);
  assert.deepEqual(await runPool(["a"], async (s) => s, { concurrency: 32 }), [
    { ok: true, value: "a" },
  ]);
  await assert.rejects(
    runPool([1], async () => 1, { concurrency: 0 }),
    RangeError,
  );
});

test("an aborted signal stops new items; they are recorded as cancelled", async () => {
  const ac = new AbortController();
  const out = await runPool(
    [1, 2, 3, 4],
    async (x) => {
      if (x === 2) ac.abort();
      return x;
    },
    { concurrency: 1, signal: ac.signal },
  );
  assert.deepEqual(
    out.map((r) => r.ok),
    [true, true, false, false],
  );
  assert.deepEqual(out[3], { ok: false, error: "cancelled" });
});
