import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32 } from "../eval/metrics/bootstrap.js";
import type { WorkRecord } from "./records.js";
import { jsonString, workLine } from "./work-files.js";

const ALPHABET = [
  "a",
  "Z",
  " ",
  "\n",
  "\n\n",
  '"',
  "\\",
  "\t",
  "\r",
  "\u0000",
  "\u001f",
  "\u007f",
  "é",
  "☃",
  "\u2028",
  "😀",
  "\ud800",
  "\udc00",
  "Answer:",
];

test("jsonString is JSON.stringify for any text: escapes, newlines, non-ASCII, lone surrogates", () => {
  const rand = mulberry32(7);
  for (let k = 0; k < 5000; k++) {
    let s = "";
    const n = Math.floor(rand() * 40);
    for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
    assert.equal(jsonString(s), JSON.stringify(s), JSON.stringify(s));
  }
  assert.equal(jsonString(""), '""');
  // Every UTF-16 code unit alone, and between plain text.
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    assert.equal(jsonString(ch), JSON.stringify(ch), `U+${c.toString(16)}`);
    assert.equal(jsonString(`ab${ch}cd\n`), JSON.stringify(`ab${ch}cd\n`), `U+${c.toString(16)}`);
  }
});

test("a work line is JSON.stringify of the record, byte for byte", () => {
  const r: WorkRecord = {
    id: "nwjU-IGa5DaM0kVlXgnlTo",
    task: "TS-R",
    split: "test-time",
    prompt: 'Rewrite "Ad1" for Texas.\n\nAnswer:',
    response: "Café ☃ \\ done",
    ad_ids: ["1", "2"],
    page_id: 'p"1',
    meta: {
      given: "Ohio",
      goal: "Texas",
      states: ["Ohio", "Texas"],
      similarity: 0.7125,
      skip: undefined,
    },
    answer_class: null,
    prio: 7354257327355967,
  };
  assert.equal(workLine(r), `${JSON.stringify(r)}\n`);
  assert.equal(
    workLine({ ...r, answer_class: "25-34", prompt: "plain" }),
    `${JSON.stringify({ ...r, answer_class: "25-34", prompt: "plain" })}\n`,
  );
});
