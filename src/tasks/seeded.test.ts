import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRank, seededSample } from "./seeded.js";
import { seededUnit } from "./splits.js";

test("seededRank is a deterministic 53-bit integer that depends on seed and key", () => {
  const r = seededRank(0, "ad-1");
  assert.ok(Number.isSafeInteger(r) && r >= 0 && r < 2 ** 53);
  assert.equal(seededRank(0, "ad-1"), r);
  assert.equal(seededRank("0", "ad-1"), r, "a number seed is its decimal text");
  assert.notEqual(seededRank(1, "ad-1"), r);
  assert.notEqual(seededRank(0, "ad-2"), r);
  // No ambiguity between seed and key boundaries.
  assert.notEqual(seededRank("a", "bc"), seededRank("ab", "c"));
});

test("seededRank agrees with splits' seededUnit (one construction)", () => {
  for (const key of ["x", "page-9", "1|2"]) {
    assert.equal(seededRank(42, key) / 2 ** 53, seededUnit(42, key));
  }
});

const items = Array.from({ length: 200 }, (_, i) => ({ id: `item-${i}` }));
const keyOf = (x: { id: string }) => x.id;

test("seededSample keeps the n smallest ranks, in input order", () => {
  const got = seededSample(items, 17, "s", keyOf);
  const want = [...items]
    .sort((a, b) => seededRank("s", a.id) - seededRank("s", b.id))
    .slice(0, 17);
  assert.equal(got.length, 17);
  assert.deepEqual(new Set(got), new Set(want));
  const positions = got.map((x) => items.indexOf(x));
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
  );
});

test("seededSample does not depend on input order and changes with the seed", () => {
  const reversed = [...items].reverse();
  const a = seededSample(items, 20, 3, keyOf).map(keyOf);
  const b = seededSample(reversed, 20, 3, keyOf).map(keyOf);
  assert.deepEqual(new Set(a), new Set(b));
  assert.deepEqual(
    b,
    reversed.map(keyOf).filter((k) => a.includes(k)),
  );
  assert.notDeepEqual(seededSample(items, 20, 4, keyOf).map(keyOf), a);
});

test("seededSample edge sizes", () => {
  assert.deepEqual(seededSample(items, 0, 1, keyOf), []);
  assert.deepEqual(seededSample(items, -3, 1, keyOf), []);
  const all = seededSample(items, 500, 1, keyOf);
  assert.deepEqual(all, items);
  assert.notEqual(all, items, "a copy");
  assert.deepEqual(seededSample([], 5, 1, keyOf), []);
  assert.equal(seededSample(items, 2.9, 1, keyOf).length, 2);
});

test("seededSample with repeated keys is still deterministic", () => {
  const dup = Array.from({ length: 30 }, (_, i) => ({ id: `k${i % 3}`, i }));
  const a = seededSample(dup, 7, 5, (x) => x.id);
  const b = seededSample(dup, 7, 5, (x) => x.id);
  assert.deepEqual(a, b);
  assert.equal(a.length, 7);
});
