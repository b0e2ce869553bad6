import assert from "node:assert/strict";
import { test } from "node:test";
import { globalOpinionScore } from "./global-opinions.js";

const close = (actual: number | null | undefined, expected: number) =>
  assert.ok(actual != null && Math.abs(actual - expected) < 1e-12, `${actual} ≉ ${expected}`);

test("Avg Sim is over items, Skew the sample SD of per-country means, both × 100", () => {
  const s = globalOpinionScore([
    { country: "A", similarity: 0.8 },
    { country: "B", similarity: 0.9 },
    { country: "A", similarity: 0.6 },
    { country: "C", similarity: null },
    { country: "B", similarity: Number.NaN },
  ]);
  close(s.avgSimilarity, ((0.8 + 0.6 + 0.9) / 3) * 100); // not the mean of country means (80)
  close(s.skew, Math.SQRT2 * 0.1 * 100); // stdev([0.7, 0.9]) = 0.1√2
  assert.equal(s.n, 3);
  assert.equal(s.excluded, 2);
  assert.deepEqual(
    s.countries.map((c) => [c.country, c.n]),
    [
      ["A", 2],
      ["B", 1],
    ],
  );
  close(s.countries[0]?.value, 70);
  close(s.countries[1]?.value, 90);
});

test("Skew needs two countries; nothing scored gives nulls", () => {
  const one = globalOpinionScore([{ country: "A", similarity: 0.5 }]);
  close(one.avgSimilarity, 50);
  assert.equal(one.skew, null);
  assert.deepEqual(globalOpinionScore([]), {
    avgSimilarity: null,
    skew: null,
    n: 0,
    excluded: 0,
    countries: [],
  });
});
