import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupOpinion, tallyAnswers } from "./distribution.js";

// Six respondents, one attribute with two groups (slot 1 = group 0, slot 2 = group 1).
// Codes: 1, 2 ordinal options; 99 refused.
const answers = Float64Array.from([1, 2, 2, 99, 1, Number.NaN]);
const weights = Float64Array.from([0.5, 1.5, 2, 1, 3, 9]);
const membership = Int16Array.from([0, 0, 1, 1, -1, 0]);
const columnOf = new Map([
  [1, 0],
  [2, 1],
  [99, 2],
]);
const input = { answers, columnOf, columns: 3, membership, attributeCount: 1, groupCount: 2 };

describe("tallyAnswers + groupOpinion (OpinionQA D_H, R_H)", () => {
  it("weights: Overall and per group, refusals out of D_H and into R_H", () => {
    const t = tallyAnswers({ ...input, weights });
    // Overall: option 1 = 0.5 + 3, option 2 = 1.5 + 2, refused = 1; NaN answer ignored
    const all = groupOpinion(t, 0, 2, 1)!;
    assert.deepEqual(all.distribution, [3.5 / 7, 3.5 / 7]);
    assert.equal(all.refusal, 1 / 8);
    assert.deepEqual(all.counts, [2, 2]);
    assert.deepEqual(all.refusalCounts, [1]);
    // group 0 = respondents 0, 1 (respondent 5 did not answer)
    const g0 = groupOpinion(t, 1, 2, 1)!;
    assert.deepEqual(g0.distribution, [0.5 / 2, 1.5 / 2]);
    assert.equal(g0.refusal, 0);
    // group 1 = respondents 2, 3
    const g1 = groupOpinion(t, 2, 2, 1)!;
    assert.deepEqual(g1.distribution, [0, 1]);
    assert.equal(g1.refusal, 1 / 3);
    assert.deepEqual(g1.counts, [0, 1]);
  });

  it("unweighted: counts-based", () => {
    const t = tallyAnswers({ ...input, weights: null });
    assert.deepEqual(groupOpinion(t, 0, 2, 1)!.distribution, [0.5, 0.5]);
    assert.equal(groupOpinion(t, 0, 2, 1)!.refusal, 1 / 5);
  });

  it("a group with no ordinal answer is left out; NaN weights add nothing but are counted", () => {
    const t = tallyAnswers({
      ...input,
      answers: Float64Array.from([99, 99, 1, 1, 2, 99]),
      weights: Float64Array.from([1, 1, 1, Number.NaN, 1, 1]),
    });
    assert.equal(groupOpinion(t, 1, 2, 1), undefined); // group 0 = respondents 0, 1, 5: all refused
    const g1 = groupOpinion(t, 2, 2, 1)!; // group 1 = respondents 2 (w 1) and 3 (w NaN), both 1
    assert.deepEqual(g1.distribution, [1, 0]);
    assert.deepEqual(g1.counts, [2, 0]);
    const all = groupOpinion(t, 0, 2, 1)!;
    assert.deepEqual(all.distribution, [0.5, 0.5]);
    assert.equal(all.refusal, 3 / 5);
  });

  it("unlabelled codes (not in columnOf) are ignored", () => {
    const t = tallyAnswers({ ...input, answers: Float64Array.from([1, 7, 7, 7, 2, 2]), weights });
    assert.deepEqual(groupOpinion(t, 0, 2, 1)!.distribution, [0.5 / 12.5, 12 / 12.5]);
  });
});
