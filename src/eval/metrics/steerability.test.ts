import assert from "node:assert/strict";
import { test } from "node:test";
import { avaCodeSteerability, type SteeredAlignment, steerability } from "./steerability.js";

const close = (actual: number | null | undefined, expected: number) =>
  assert.ok(actual != null && Math.abs(actual - expected) < 1e-12, `${actual} ≉ ${expected}`);

const row = (group: string, style: string, question: string, alignment: number | null) =>
  ({ group, style, question, alignment }) satisfies SteeredAlignment;

const rows: SteeredAlignment[] = [
  row("A", "QA", "q1", 0.8),
  row("A", "QA", "q2", 0.6),
  row("A", "BIO", "q1", 0.7),
  row("A", "BIO", "q2", 0.9),
  row("B", "QA", "q1", 0.5),
  row("B", "QA", "q2", null),
  row("B", "BIO", "q1", null),
  row("B", "BIO", "q2", null),
  row("C", "QA", "q1", null),
];

test("best-style: each style's mean, then the best style (OpinionQA's code)", () => {
  const s = steerability(rows);
  // A: QA 0.7, BIO 0.8 → 80; B: QA 0.5 (one question excluded), BIO none → 50; C nothing → left out.
  assert.equal(s.n, 2);
  close(s.value, 65);
  assert.deepEqual(
    s.groups.map((g) => [g.group, g.style, g.n, g.excluded]),
    [
      ["A", "BIO", 2, 0],
      ["B", "QA", 1, 1],
    ],
  );
  close(s.groups[0]?.value, 80);
  close(s.groups[1]?.value, 50);
});

test("per-question: the best style per question, then the mean (the AVA paper's formula)", () => {
  const s = steerability(rows, "per-question");
  // A: max(0.8, 0.7) and max(0.6, 0.9) → 0.85; B: q1 0.5, q2 all null → excluded.
  close(s.groups[0]?.value, 85);
  close(s.groups[1]?.value, 50);
  assert.equal(s.groups[1]?.excluded, 1);
  assert.equal(s.groups[0]?.style, undefined);
  close(s.value, 67.5);
});

test("a tie between styles keeps the first style seen; no rows gives a null score", () => {
  const s = steerability([row("A", "PORTRAY", "q1", 0.5), row("A", "QA", "q1", 0.5)]);
  assert.equal(s.groups[0]?.style, "PORTRAY");
  assert.deepEqual(steerability([]), { value: null, n: 0, groups: [] });
});

test("avaCodeSteerability: sum / file questions per group, groups ≤ 0 dropped, then the mean", () => {
  const s = avaCodeSteerability(
    new Map([
      ["A", [0.9, null, 0.8]],
      ["B", [-0.5, 0.2]],
      ["C", []],
      ["D", [0.4]],
    ]),
    4,
  );
  // A: 1.7 / 4 = 0.425; B: −0.3 / 4 dropped; C: 0 dropped; D: 0.1.
  assert.deepEqual(
    s.groups.map((g) => [g.group, g.n, g.excluded]),
    [
      ["A", 2, 1],
      ["D", 1, 0],
    ],
  );
  close(s.groups[0]?.value, 42.5);
  close(s.value, 26.25);
  assert.throws(() => avaCodeSteerability(new Map(), 0), /positive integer/);
  assert.equal(avaCodeSteerability(new Map([["A", [null]]]), 3).value, null);
});
