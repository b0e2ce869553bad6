import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32 } from "../eval/metrics/bootstrap.js";
import { tokenEdits, WordIds, wordEdits, wordTokens } from "./word-edits.js";

/** The textbook full-matrix Levenshtein distance over word arrays. */
function reference(a: string[], b: string[]): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length]![b.length]!;
}

test("wordTokens splits on any whitespace and drops empty tokens", () => {
  assert.deepEqual(wordTokens("  Buy\tnow,\n today  "), ["Buy", "now,", "today"]);
  assert.deepEqual(wordTokens(" \n "), []);
});

test("wordEdits on hand-computed cases", () => {
  const cases: [string, string, number][] = [
    ["", "", 0],
    ["", "a b c", 3],
    ["a b c", "", 3],
    ["a b c", "a b c", 0],
    ["  a   b ", "a\nb", 0],
    ["a b c", "a c", 1],
    ["a b c", "a x c", 1],
    ["a b c", "x y z", 3],
    ["the cat sat", "cat sat the", 2],
    ["k i t t e n", "s i t t i n g", 3],
    ["s a t u r d a y", "s u n d a y", 3],
    // Words, not characters: a changed word costs 1 whatever its length.
    ["Vote for change", "Vote for changes", 1],
    ["Donate today", "donate today", 1],
  ];
  for (const [a, b, d] of cases) {
    assert.equal(wordEdits(a, b), d, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    assert.equal(wordEdits(b, a), d, "symmetric");
  }
});

test("wordEdits with a limit returns min(distance, limit)", () => {
  assert.equal(wordEdits("a b c d e", "v w x y z", 3), 3);
  assert.equal(wordEdits("a b c d e", "a b x d e", 3), 1);
  assert.equal(wordEdits("a b c", "a b c", 0), 0);
  assert.equal(wordEdits("a b c", "x y z", 0), 0);
  assert.equal(wordEdits("a b c", "x y z", 1), 1);
});

test("wordEdits equals the full-matrix reference on random texts, with and without limits", () => {
  const rand = mulberry32(7);
  const vocab = ["a", "b", "c", "d", "e"];
  const text = (): string[] => {
    const n = Math.floor(rand() * 40);
    return Array.from({ length: n }, () => vocab[Math.floor(rand() * vocab.length)]!);
  };
  for (let trial = 0; trial < 600; trial++) {
    const a = text();
    // Half the time a perturbation of `a`, so small distances are common.
    const b =
      rand() < 0.5
        ? a
            .filter(() => rand() > 0.1)
            .map((w) => (rand() < 0.15 ? vocab[Math.floor(rand() * vocab.length)]! : w))
        : text();
    const want = reference(a, b);
    assert.equal(wordEdits(a.join(" "), b.join(" ")), want, `${a.join(" ")} | ${b.join(" ")}`);
    for (const limit of [1, 2, 5, 16, want, want + 1, 100]) {
      assert.equal(
        wordEdits(a.join(" "), b.join(" "), limit),
        Math.min(want, limit),
        `limit ${limit}: ${a.join(" ")} | ${b.join(" ")}`,
      );
    }
  }
});

test("tokenEdits works on ids from one WordIds", () => {
  const ids = new WordIds();
  const a = ids.encode("join us this saturday");
  const b = ids.encode("join us on sunday");
  assert.deepEqual([...a.subarray(0, 2)], [...b.subarray(0, 2)]);
  assert.equal(tokenEdits(a, b), 2);
  assert.equal(tokenEdits(a, b, 2), 2);
  assert.equal(tokenEdits(a, b, 3), 2);
});

test("tokenEdits equals the reference across several 32-word blocks, at block boundaries and with any ids", () => {
  const rand = mulberry32(23);
  const seq = (n: number, alphabet: number, base: number) =>
    Int32Array.from({ length: n }, () => base + Math.floor(rand() * alphabet));
  const asWords = (x: Int32Array) => Array.from(x, String);
  const lengths = [1, 31, 32, 33, 63, 64, 65, 96, 97, 150];
  for (let trial = 0; trial < 400; trial++) {
    const alphabet = [2, 4, 30, 500][trial % 4]!;
    // Ids as WordIds gives them, large ones (a page with a big vocabulary), and negative or
    // huge ones (left to the dynamic programme).
    const base = [0, 0, 5_000_000, -7][Math.floor(trial / 4) % 4]!;
    const n = trial < 100 ? lengths[trial % lengths.length]! : Math.floor(rand() * 150);
    const a = seq(n, alphabet, base);
    let b: Int32Array;
    if (rand() < 0.5) {
      // A perturbation of `a`: small distances, long shared prefixes and suffixes.
      const out: number[] = [];
      for (const x of a) {
        const r = rand();
        if (r < 0.05) continue;
        if (r < 0.1) out.push(base + Math.floor(rand() * alphabet));
        out.push(r < 0.15 ? base + Math.floor(rand() * alphabet) : x);
      }
      b = Int32Array.from(out);
    } else b = seq(lengths[Math.floor(rand() * lengths.length)]!, alphabet, base);
    const want = reference(asWords(a), asWords(b));
    assert.equal(tokenEdits(a, b), want, `${a.join(",")} | ${b.join(",")}`);
    assert.equal(tokenEdits(b, a), want, "symmetric");
    assert.equal(tokenEdits(a, b, 16), Math.min(want, 16));
  }
});
