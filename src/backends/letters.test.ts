import assert from "node:assert/strict";
import { test } from "node:test";
import { AvakitError } from "../core/errors.js";
import { LOW_MASS_THRESHOLD, letterDistribution, letterVariants } from "./letters.js";
import type { TokenLogprob } from "./types.js";

const lp = (token: string, p: number): TokenLogprob => ({ token, logprob: Math.log(p) });

function close(actual: readonly number[] | null, want: number[]): void {
  assert.ok(actual !== null, "a distribution");
  assert.equal(actual.length, want.length);
  for (const [i, x] of actual.entries()) {
    assert.ok(Math.abs(x - (want[i] ?? Number.NaN)) < 1e-12, `[${i}] ${x}`);
  }
}

test("variants: bare, leading space, SentencePiece ▁ and byte-level BPE Ġ", () => {
  assert.deepEqual(letterVariants("A"), ["A", " A", "▁A", "ĠA"]);
});

test("sums each letter's variants and renormalises over the offered letters", () => {
  const d = letterDistribution(
    [
      lp(" A", 0.4),
      lp("A", 0.1),
      lp("▁B", 0.2),
      lp("ĠC", 0.05),
      lp("(A", 0.1), // not counted
      lp(" a", 0.05), // lower case: the article, not counted
      lp("D", 0.05), // not offered
      lp("\n", 0.05),
    ],
    ["A", "B", "C"],
  );
  // mass = 0.4 + 0.1 + 0.2 + 0.05 = 0.75; probs = 0.5/0.75, 0.2/0.75, 0.05/0.75.
  assert.ok(Math.abs(d.mass - 0.75) < 1e-12);
  close(d.probs, [2 / 3, 4 / 15, 1 / 15]);
  assert.equal(d.lowMass, false);
});

test("low letter mass is flagged below the threshold", () => {
  assert.equal(LOW_MASS_THRESHOLD, 0.5);
  const d = letterDistribution([lp(" The", 0.6), lp(" A", 0.2), lp(" B", 0.1)], ["A", "B"]);
  assert.ok(Math.abs(d.mass - 0.3) < 1e-12);
  close(d.probs, [2 / 3, 1 / 3]);
  assert.equal(d.lowMass, true);
  const exactly = letterDistribution([lp(" A", 0.5), lp("x", 0.5)], ["A", "B"]);
  assert.equal(exactly.lowMass, false);
  close(exactly.probs, [1, 0]);
});

test("no letter among the top tokens: probs null with a reason, no NaN", () => {
  const d = letterDistribution([lp(" The", 0.9), lp(" I", 0.05)], ["A", "B", "C"]);
  assert.equal(d.probs, null);
  assert.equal(d.mass, 0);
  assert.equal(d.lowMass, true);
  assert.ok("reason" in d);
  assert.match(d.reason, /none of the letters A, B, C/);
  assert.match(d.reason, /" The"/);
  const empty = letterDistribution([], ["A"]);
  assert.equal(empty.probs, null);
});

test("strict: parenthesised, punctuated, newline-led and lower-case forms are not letters", () => {
  const forms = [
    "(A",
    " (A",
    "A.",
    "A)",
    " A.",
    "\nA",
    "\tA",
    "a",
    " a",
    "Answer",
    " Answer",
    "AA",
  ];
  const d = letterDistribution(
    forms.map((f) => lp(f, 0.05)),
    ["A", "B"],
  );
  assert.equal(d.probs, null);
});

test("-Infinity log-probabilities count as zero; duplicate token strings add up", () => {
  const d = letterDistribution(
    [
      { token: "A", logprob: Number.NEGATIVE_INFINITY },
      lp(" B", 0.2),
      lp(" B", 0.2),
      lp(" A", 0.1),
    ],
    ["A", "B"],
  );
  close(d.probs, [0.2, 0.8]);
  assert.ok(Math.abs(d.mass - 0.5) < 1e-12);
});

test("mass is capped at 1 against rounding; any letter alphabet works", () => {
  const d = letterDistribution([{ token: " 1", logprob: 1e-9 }, lp("2", 1e-6)], ["1", "2"]);
  assert.equal(d.mass, 1);
  assert.ok(d.probs !== null && Math.abs((d.probs[0] ?? 0) + (d.probs[1] ?? 0) - 1) < 1e-12);
});

test("bad letter lists and NaN log-probabilities are errors", () => {
  assert.throws(() => letterDistribution([], []), AvakitError);
  assert.throws(() => letterDistribution([], ["A", "A"]), /offered twice/);
  assert.throws(() => letterDistribution([], ["A", " B"]), /without spaces/);
  assert.throws(
    () => letterDistribution([{ token: "A", logprob: Number.NaN }], ["A"]),
    /not a number/,
  );
});

test("opinionqa scoring: the larger of ' L' and 'L', absent letters imputed as helpers.py does", () => {
  const top = [lp(" A", 0.4), lp("A", 0.1), lp("▁B", 0.2), lp("x", 0.15), lp(" y", 0.05)];
  // Present: A = max(0.4, 0.1) = 0.4, B = 0.2. C, D absent (2 misses):
  // min_prob = 0.05, remaining = 1 − (0.4+0.1+0.2+0.15+0.05) = 0.1, miss = min(0.05, 0.1/2) = 0.05.
  const d = letterDistribution(top, ["A", "B", "C", "D"], "opinionqa");
  const z = 0.4 + 0.2 + 0.05 + 0.05;
  close(d.probs, [0.4 / z, 0.2 / z, 0.05 / z, 0.05 / z]);
  // mass counts the observed letter tokens (all variants), not the imputed values.
  assert.ok(Math.abs(d.mass - 0.7) < 1e-12);
  // The same tokens under `sum`: A = 0.5, B = 0.2, C = D = 0.
  close(letterDistribution(top, ["A", "B", "C", "D"], "sum").probs, [5 / 7, 2 / 7, 0, 0]);
  // A full top-k (nothing remaining) imputes 0, as log(0) = −inf does in helpers.py.
  const full = letterDistribution([lp(" A", 0.75), lp("B", 0.25)], ["A", "B", "C"], "opinionqa");
  close(full.probs, [0.75, 0.25, 0]);
  // No letter at all is still no answer.
  assert.equal(letterDistribution([lp("x", 0.9)], ["A", "B"], "opinionqa").probs, null);
});
