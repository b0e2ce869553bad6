import assert from "node:assert/strict";
import { test } from "node:test";
import {
  answerText,
  parseAgeGroup,
  parseGender,
  parseRange,
  parseStates,
  parseTapAnswer,
  rangeMatches,
} from "./parse-answer.js";

test("gender: model-style answers", () => {
  const cases: [string, "female" | "male" | null][] = [
    ["Best target audience for this ad is Female.", "female"],
    [" Best target audience for this ad is Male.", "male"],
    ["female", "female"],
    ["MALE", "male"],
    ["Women.", "female"],
    ["The ad performs best among women aged 35-44.", "female"],
    ["the female audience", "female"],
    ["This advertisement will resonate most with men.", "male"],
    ["Female, not male.", "female"],
    ["Men rather than women would respond to this ad.", "male"],
    [
      "Best target audience for this ad is Female.\n\nExplanation: men are less likely...",
      "female",
    ],
    ["It performs equally well for both men and women.", null],
    ["The best audience is people who like pets.", null],
    ["", null],
    ["Ladies who love gardening", "female"],
    ["Best target audience: Male (18-24)", "male"],
  ];
  for (const [text, want] of cases) assert.equal(parseGender(text), want, text);
});

test("age: model-style answers", () => {
  const cases: [string, string | null][] = [
    ["Best target age group for this ad is the audience aged 55-64.", "55-64"],
    ["25 to 34", "25-34"],
    ["aged 25-34", "25-34"],
    ["The 35–44 age group.", "35-44"],
    ["people between 45 and 54 years old", "45-54"],
    ["18-24 year olds", "18-24"],
    ["65+", "65+"],
    ["Seniors aged 65 and older.", "65+"],
    ["audience over 65", "65+"],
    ["the audience aged 65 or older", "65+"],
    ["Best target age group for this ad is the audience aged 13-17.", "13-17"],
    ["ages 25-45", null],
    ["young adults in their thirties", null],
    ["25-45, mostly 35-44", "35-44"],
  ];
  for (const [text, want] of cases) assert.equal(parseAgeGroup(text), want, text);
});

test("states: names, order, DC, codes", () => {
  const cases: [string, string[]][] = [
    [
      "Top 3 states where the ad will perform best are Massachusetts, New York, Vermont.",
      ["Massachusetts", "New York", "Vermont"],
    ],
    ["west virginia, virginia and kansas", ["West Virginia", "Virginia", "Kansas"]],
    ["Arkansas, Texas, Oklahoma", ["Arkansas", "Texas", "Oklahoma"]],
    ["Washington, D.C., Maryland, Virginia", ["District of Columbia", "Maryland", "Virginia"]],
    ["Washington, Oregon, Idaho", ["Washington", "Oregon", "Idaho"]],
    ["1. California\n2. Texas\n3. Florida", ["California", "Texas", "Florida"]],
    ["NY, CA and TX", ["New York", "California", "Texas"]],
    ["New York, New York, New Jersey", ["New York", "New Jersey"]],
    ["The ad will perform best IN cities", []],
    ["District of Columbia and Hawaii", ["District of Columbia", "Hawaii"]],
    ["I cannot determine the states.", []],
    ["Top state where the ad will perform best is Texas.", ["Texas"]],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseStates(text), want, text);
});

test("ranges: spend and impressions wording", () => {
  const cases: [string, { lower: number; upper: number | null; single?: boolean } | null][] = [
    ["The amount of money spent on this ad is between 600 to 699 USD.", { lower: 600, upper: 699 }],
    ["$600-$699", { lower: 600, upper: 699 }],
    ["600 to 699 USD", { lower: 600, upper: 699 }],
    ["This ad received between 1000 to 1999 impressions.", { lower: 1000, upper: 1999 }],
    ["1,000 – 1,999 impressions", { lower: 1000, upper: 1999 }],
    ["between 1k and 2k impressions", { lower: 1000, upper: 2000 }],
    ["1-2K impressions", { lower: 1000, upper: 2000 }],
    ["at least 1000000 impressions", { lower: 1000000, upper: null }],
    ["more than 1 million impressions", { lower: 1000000, upper: null }],
    ["1M+ impressions", { lower: 1000000, upper: null }],
    ["About $650.", { lower: 650, upper: 650, single: true }],
    ["$100 USD to $199 USD", { lower: 100, upper: 199 }],
    ["No idea.", null],
    ["It received 5000 kids' attention", { lower: 5000, upper: 5000, single: true }],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseRange(text), want, text);
});

test("rangeMatches: exact, one-more upper bound, open ranges, single numbers", () => {
  const t = { lower: 1000, upper: 1999 };
  assert.ok(rangeMatches({ lower: 1000, upper: 1999 }, t));
  assert.ok(rangeMatches({ lower: 1000, upper: 2000 }, t));
  assert.ok(!rangeMatches({ lower: 1000, upper: 4999 }, t));
  assert.ok(!rangeMatches({ lower: 500, upper: 1999 }, t));
  assert.ok(rangeMatches({ lower: 1500, upper: 1500, single: true }, t));
  assert.ok(!rangeMatches({ lower: 2500, upper: 2500, single: true }, t));
  assert.ok(rangeMatches({ lower: 1000000, upper: null }, { lower: 1000000, upper: null }));
  assert.ok(!rangeMatches({ lower: 1000000, upper: null }, { lower: 1000000, upper: 1999999 }));
});

test("answerText keeps the first paragraph; parseTapAnswer dispatches on the variable", () => {
  assert.equal(answerText("  Female.\n\nBecause ..."), "Female.");
  assert.deepEqual(parseTapAnswer("gender", "Women"), { variable: "gender", value: "female" });
  assert.deepEqual(parseTapAnswer("region", "Texas"), { variable: "region", value: ["Texas"] });
  assert.equal(parseTapAnswer("region", "nowhere"), null);
  assert.equal(parseTapAnswer("budget", "unknown"), null);
  assert.deepEqual(parseTapAnswer("impressions", "1000-1999"), {
    variable: "impressions",
    value: { lower: 1000, upper: 1999 },
  });
});
