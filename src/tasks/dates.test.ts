import assert from "node:assert/strict";
import { test } from "node:test";
import { campaignDatesSentence, ordinal, spokenDate } from "./dates.js";

test("ordinal: correct English suffixes, 11th-13th and 111th-113th included", () => {
  const cases: [number, string][] = [
    [1, "1st"],
    [2, "2nd"],
    [3, "3rd"],
    [4, "4th"],
    [10, "10th"],
    [11, "11th"],
    [12, "12th"],
    [13, "13th"],
    [14, "14th"],
    [20, "20th"],
    [21, "21st"],
    [22, "22nd"],
    [23, "23rd"],
    [24, "24th"],
    [30, "30th"],
    [31, "31st"],
    [101, "101st"],
    [111, "111th"],
    [112, "112th"],
    [113, "113th"],
  ];
  for (const [n, want] of cases) assert.equal(ordinal(n), want, String(n));
  assert.throws(() => ordinal(1.5), RangeError);
  assert.throws(() => ordinal(-1), RangeError);
});

test("spokenDate: the paper's dates with its '22th', '02th', '01th' slips fixed", () => {
  assert.equal(spokenDate("2021-03-22"), "22nd March 2021"); // TAG-R sample: "22th March 2021"
  assert.equal(spokenDate("2021-03-26"), "26th March 2021");
  assert.equal(spokenDate("2020-04-02"), "2nd April 2020"); // TAP-A sample: "02th April 2020"
  assert.equal(spokenDate("2019-05-01"), "1st May 2019"); // TAG-G sample: "01th May 2019"
  assert.equal(spokenDate("2020-01-09"), "9th January 2020"); // TAP-G sample: "09th January 2020"
  assert.equal(spokenDate("2022-02-13"), "13th February 2022");
  assert.equal(spokenDate("2019-12-11"), "11th December 2019");
  assert.equal(spokenDate("2019-10-12"), "12th October 2019");
  assert.equal(spokenDate("2023-06-03"), "3rd June 2023");
  assert.equal(spokenDate("2023-07-21"), "21st July 2023");
  assert.equal(spokenDate("2023-08-23"), "23rd August 2023");
  assert.equal(spokenDate("2023-09-04"), "4th September 2023");
  assert.equal(spokenDate("2023-10-31"), "31st October 2023");
  assert.equal(spokenDate("2024-02-29"), "29th February 2024");
});

test("spokenDate rejects what is not a real YYYY-MM-DD date", () => {
  for (const bad of [
    "2021-3-22",
    "22/03/2021",
    "2021-02-29",
    "2021-13-01",
    "2021-03-22T10:00:00",
    "",
  ]) {
    assert.throws(() => spokenDate(bad), RangeError, bad);
  }
});

test("campaignDatesSentence: 'ran between A and B', or 'started on A and was still running'", () => {
  assert.equal(
    campaignDatesSentence("2021-03-22", "2021-03-26"),
    "The campaign ran between 22nd March 2021 and 26th March 2021.",
  );
  assert.equal(
    campaignDatesSentence("2021-03-22", null),
    "The campaign started on 22nd March 2021 and was still running.",
  );
  assert.equal(
    campaignDatesSentence("2019-05-01", "2019-05-01"),
    "The campaign ran between 1st May 2019 and 1st May 2019.",
  );
});

test("spokenDate says a date the same way every time, and refuses a bad one every time", () => {
  for (let k = 0; k < 3; k++) {
    assert.equal(spokenDate("2021-03-22"), "22nd March 2021");
    assert.throws(() => spokenDate("2021-02-30"), RangeError);
  }
});
