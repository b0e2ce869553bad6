import assert from "node:assert/strict";
import { hash } from "node:crypto";
import { test } from "node:test";
import { contentKey } from "../core/hash.js";
import {
  digestToWords,
  encodeId,
  IdSet,
  KEY_WORDS,
  KeyTable,
  keyToWords,
  wordsToKey,
} from "./key-table.js";

function words(text: string): Uint32Array {
  const w = new Uint32Array(KEY_WORDS);
  digestToWords(hash("sha256", text, "buffer") as Buffer, w, 0);
  return w;
}

test("a digest's words give back exactly its contentKey text, and the text its words", () => {
  for (let i = 0; i < 2000; i++) {
    const text = `record ${i} ${"x".repeat(i % 37)}`;
    const w = words(text);
    assert.equal(wordsToKey(w, 0), contentKey(text));
    const back = new Uint32Array(KEY_WORDS);
    assert.ok(keyToWords(contentKey(text), back, 0));
    assert.deepEqual(back, w);
  }
  const out = new Uint32Array(KEY_WORDS);
  // Not a contentKey text: wrong length, wrong alphabet, or bits beyond the 132 set.
  assert.equal(keyToWords("k", out, 0), false);
  assert.equal(keyToWords("abcdefghijabcdefghija+", out, 0), false);
  assert.equal(keyToWords("abcdefghijabcdefghijaz", out, 0), true);
});

test("a key table holds 100,000 keys through many growths, with their ids", () => {
  const t = new KeyTable(true);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const id =
      i % 10 === 0 ? `id-${i}` : i % 10 === 1 ? `00${i}` : String(1_000_000_000_000_000 + i);
    t.set(words(`k${i}`), 0, id);
  }
  assert.equal(t.size, n);
  for (let i = 0; i < n; i++) {
    const id =
      i % 10 === 0 ? `id-${i}` : i % 10 === 1 ? `00${i}` : String(1_000_000_000_000_000 + i);
    assert.equal(t.get(words(`k${i}`), 0), id);
    assert.ok(t.hasText(contentKey(`k${i}`)));
  }
  for (let i = n; i < n + 1000; i++) {
    assert.equal(t.has(words(`k${i}`), 0), false);
    assert.equal(t.get(words(`k${i}`), 0), undefined);
  }
  // Setting an existing key replaces its id (Map.set) and does not grow the table.
  t.set(words("k5"), 0, "again");
  assert.equal(t.get(words("k5"), 0), "again");
  assert.equal(t.size, n);
});

test("keys that share a slot, or differ only in their last bits, stay apart", () => {
  const t = new KeyTable(true);
  const a = new Uint32Array([7, 1, 2, 3, 4]);
  const variants = [
    [7, 1, 2, 3, 5], // only the 17th byte's nibble differs (the 22nd character)
    [7, 1, 2, 4, 4],
    [7, 9, 2, 3, 4],
    [7 + 1024, 1, 2, 3, 4], // same slot in a small table, different first word
    [7, 1, 2, 3, 0], // nibble 0 is a key, not an empty slot
  ].map((v) => new Uint32Array(v));
  t.set(a, 0, "1");
  for (const v of variants) assert.equal(t.has(v, 0), false);
  variants.forEach((v, i) => {
    t.set(v, 0, String(i + 2));
  });
  assert.equal(t.get(a, 0), "1");
  variants.forEach((v, i) => {
    assert.equal(t.get(v, 0), String(i + 2));
  });
  // 3,000 keys all with the same first word: one long probe run, through growths.
  const same = new KeyTable(false);
  for (let i = 0; i < 3000; i++) same.set(new Uint32Array([42, i, 0, 0, i & 15]), 0);
  for (let i = 0; i < 3000; i++) assert.ok(same.has(new Uint32Array([42, i, 0, 0, i & 15]), 0));
  assert.equal(same.has(new Uint32Array([42, 3000, 0, 0, 3000 & 15]), 0), false);
  assert.equal(same.size, 3000);
});

test("addAll copies keys and ids, odd text keys included", () => {
  const a = new KeyTable(true);
  const b = new KeyTable(true);
  for (let i = 0; i < 5000; i++) b.set(words(`b${i}`), 0, String(i + 1));
  b.setText("not a content key", "x");
  a.set(words("a"), 0, "a");
  a.addAll(b);
  assert.equal(a.size, 5002);
  assert.equal(a.get(words("b4999"), 0), "5000");
  assert.equal(a.getText("not a content key"), "x");
  assert.equal(a.get(words("a"), 0), "a");
});

test("id sets keep decimal ids as numbers and any other id as text, exactly", () => {
  assert.equal(encodeId("123"), 123);
  assert.equal(encodeId("0123"), -1);
  assert.equal(encodeId("0"), -1);
  assert.equal(encodeId("9007199254740993"), -1); // beyond 2^53: not exact as a number
  assert.equal(encodeId("12a"), -1);
  assert.equal(encodeId(""), -1);
  const s = new IdSet();
  const ids: string[] = [];
  for (let i = 0; i < 50_000; i++) ids.push(String(4_000_000_000_000_000 + i * 7919));
  ids.push("0123", "123", "9007199254740993", "9007199254740992", "x", "1e3", "1000");
  for (const id of ids) s.add(id);
  for (const id of ids) s.add(id); // again: no change
  assert.equal(s.size, ids.length);
  for (const id of ids) assert.ok(s.has(id), id);
  for (const id of ["00123", "0", "9007199254740994", "1e4", "y", "123 ", "4000000000000001"]) {
    assert.equal(s.has(id), false, id);
  }
  const t = new IdSet();
  t.add("5");
  t.addAll(s);
  assert.equal(t.size, ids.length + 1);
  assert.ok(t.has("x") && t.has("5") && t.has(ids[49_999]!));
});
