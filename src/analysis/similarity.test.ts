import assert from "node:assert/strict";
import { test } from "node:test";
import { opinionAlignment } from "../eval/metrics/opinion-alignment.js";
import type { OpinionQuestion } from "./opinions-file.js";
import { opinionSimilarity } from "./similarity.js";

const q = (key: string, ordinal: number[], distributions: Record<string, number[]>) =>
  ({ survey: "W1", key, line: 1, ordinal, distributions }) satisfies OpinionQuestion;

const questions = [
  q("A", [1, 2, 3], { "G:x": [0.2, 0.3, 0.5], "G:y": [0.5, 0.3, 0.2], "G:z": [0.1, 0.1, 0.8] }),
  q("B", [1, 2, 1.5], { "G:x": [0.6, 0.3, 0.1], "G:y": [0.2, 0.5, 0.3] }),
  q("C", [1, 2, 3, 5], { "G:x": [0.1, 0.2, 0.3, 0.4], "G:z": [0.4, 0.3, 0.2, 0.1] }),
  // max ordinal = min ordinal: the alignment is undefined (0/0) and left out.
  q("D", [1, 1], { "G:x": [0.5, 0.5], "G:y": [1, 0] }),
];

test("opinion similarity (Eq. 2) is the mean of the evaluator's opinionAlignment over shared questions", () => {
  const s = opinionSimilarity(questions, ["G:x", "G:y", "G:z"], ["x", "y", "z"]);
  assert.deepEqual(s.names, ["x", "y", "z"]);
  const xy = [
    opinionAlignment([0.2, 0.3, 0.5], [0.5, 0.3, 0.2], [1, 2, 3])!,
    opinionAlignment([0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [1, 2, 1.5])!,
  ];
  const xz = [
    opinionAlignment([0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [1, 2, 3])!,
    opinionAlignment([0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1], [1, 2, 3, 5])!,
  ];
  const yz = opinionAlignment([0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [1, 2, 3])!;
  assert.equal(s.values[0]![1], (xy[0]! + xy[1]!) / 2);
  assert.equal(s.values[1]![0], s.values[0]![1]);
  assert.equal(s.values[0]![2], (xz[0]! + xz[1]!) / 2);
  assert.equal(s.values[1]![2], yz);
  // Hand check of one term: CDFs .2/.5 vs .5/.8 → WD = 0.3 + 0.3 = 0.6 over max − min = 2.
  assert.equal(xy[0], 0.7);
  assert.deepEqual(
    s.values.map((r, i) => r[i]),
    [1, 1, 1],
  );
  assert.deepEqual(s.questions, [
    [4, 2, 2],
    [2, 3, 1],
    [2, 1, 2],
  ]);
  assert.equal(s.undefinedAlignments, 1);
});

test("a pair with no shared question is NaN with 0 questions", () => {
  const s = opinionSimilarity(questions.slice(2, 3), ["G:x", "G:y", "G:z"]);
  assert.ok(Number.isNaN(s.values[0]![1]!));
  assert.equal(s.questions[0]![1], 0);
  assert.deepEqual(s.names, ["G:x", "G:y", "G:z"]);
});
