import assert from "node:assert/strict";
import { test } from "node:test";
import { jsDistance, jsSimilarity } from "./jensen-shannon.js";

const close = (actual: number, expected: number, eps = 1e-15) =>
  assert.ok(Math.abs(actual - expected) < eps, `${actual} ≉ ${expected}`);

test("standard: scipy.spatial.distance.jensenshannon's documented examples", () => {
  assert.equal(jsDistance([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], { base: 2.0 }), 1.0);
  close(jsDistance([1.0, 0.0], [0.5, 0.5]), 0.46450140402245893);
  assert.equal(jsDistance([1.0, 0.0, 0.0], [1.0, 0.0, 0.0]), 0.0);
  // The axis=0 example, column by column: unnormalised counts are normalised first.
  const expected = [
    0.19542878115393794, 0.14476970910187165, 0.11383771437206669, 0.09276357967788262,
  ];
  for (let j = 0; j < 4; j++) {
    close(jsDistance([1 + j, 5 + j, 9 + j], [13 + j, 17 + j, 21 + j]), expected[j]!);
  }
});

test("standard by hand: √((KL(p‖m) + KL(q‖m)) / 2) with natural log", () => {
  // p = [1, 0], q = [½, ½], m = [¾, ¼]: KL(p‖m) = ln(4/3), KL(q‖m) = ½ln(2/3) + ½ln 2.
  const divergence = (Math.log(4 / 3) + 0.5 * Math.log(2 / 3) + 0.5 * Math.log(2)) / 2;
  close(jsDistance([1, 0], [0.5, 0.5]), Math.sqrt(divergence));
  close(jsDistance([0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]), 0.16692996572597962);
});

test("culturebank: each KL term divided by the number of options (CultureBank's JSDist)", () => {
  // batchmean over n options divides the divergence by n, so the distance by √n (eps aside).
  close(jsDistance([1, 0], [0.5, 0.5], { variant: "culturebank" }), 0.3284520926534308);
  close(
    jsDistance([0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], { variant: "culturebank" }),
    0.08346498285699933,
  );
  close(
    jsDistance([1, 0], [0.5, 0.5], { variant: "culturebank" }),
    jsDistance([1, 0], [0.5, 0.5]) / Math.SQRT2,
    1e-11,
  );
  // log(m + 1e-12) makes the divergence of equal vectors round below 0: 0, not NaN.
  assert.equal(jsDistance([0.3, 0.7], [0.3, 0.7], { variant: "culturebank" }), 0);
});

test("jsSimilarity = 1 − jsDistance; bad input is an error", () => {
  close(jsSimilarity([1, 0], [0.5, 0.5]), 1 - 0.46450140402245893);
  assert.equal(jsSimilarity([0, 1], [0, 1], { variant: "culturebank" }), 1);
  assert.throws(() => jsDistance([1, 0], [1, 0, 0]), /one length/);
  assert.throws(() => jsDistance([0, 0], [1, 0]), /sums to 0/);
  assert.throws(() => jsDistance([-0.1, 1.1], [1, 0]), /≥ 0/);
});
