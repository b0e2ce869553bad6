import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32 } from "../eval/metrics/bootstrap.js";
import { cosine, cosineWithNorms, dot, norm } from "./types.js";

/** The plain loops the unrolled sums must equal to the bit. */
function plainDot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

test("dot, norm, cosine and cosineWithNorms equal the plain index-order loops to the bit, at every length", () => {
  const rand = mulberry32(5);
  for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 31, 511, 512, 513]) {
    for (let trial = 0; trial < 20; trial++) {
      const a = Float32Array.from({ length: n }, () => (rand() - 0.5) * 10 ** (rand() * 6 - 3));
      const b = Float32Array.from({ length: n }, () => (rand() - 0.5) * 10 ** (rand() * 6 - 3));
      assert.equal(dot(a, b), plainDot(a, b), `dot n=${n}`);
      const na = Math.sqrt(plainDot(a, a));
      const nb = Math.sqrt(plainDot(b, b));
      assert.equal(norm(a), na, `norm n=${n}`);
      const want = na === 0 || nb === 0 ? 0 : plainDot(a, b) / (na * nb);
      assert.equal(cosine(a, b), want, `cosine n=${n}`);
      assert.equal(cosineWithNorms(a, b, na, nb), want, `cosineWithNorms n=${n}`);
    }
  }
  assert.throws(() => dot(new Float32Array(2), new Float32Array(3)), RangeError);
});
