import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseOpinionsLine, readOpinionsFile } from "./opinions-file.js";

const fixture = (name: string) =>
  new URL(`../../test/fixtures/correlate/${name}`, import.meta.url).pathname;

test("reads an opinions file: one question per (survey, key), groups, sha256 of the bytes", async () => {
  const f = await readOpinionsFile(fixture("opinions.jsonl"));
  assert.equal(f.questions.length, 4);
  assert.equal(f.repeats, 1, "GUNS_W99 again with another question text");
  assert.ok(f.groups.has("CREGION:Northeast"));
  assert.ok(f.groups.has("AGE:65+"));
  assert.ok(f.groups.has("SEX:Male"));
  assert.deepEqual(f.questions[2]!.ordinal, [1, 2, 1.5]);
  assert.equal(f.questions[1]!.line, 2);
  assert.equal(
    f.sha256,
    createHash("sha256")
      .update(readFileSync(fixture("opinions.jsonl")))
      .digest("hex"),
  );
});

test("a bad line is an error naming FILE:LINE", async () => {
  const bad = fixture("bad-line.jsonl");
  await assert.rejects(
    readOpinionsFile(bad),
    new RegExp(`${bad}:3: question ECON_W99: distribution of "CREGION:South" must be 3 numbers`),
  );
  const nj = fixture("not-json.jsonl");
  await assert.rejects(readOpinionsFile(nj), new RegExp(`${nj}:3: not JSON`));
  await assert.rejects(readOpinionsFile(fixture("missing.jsonl")), /missing\.jsonl: cannot read/);
});

test("parseOpinionsLine checks key, ordinal, options and distributions", () => {
  const ok = { key: "K", ordinal: [1, 2], options: ["a", "b"], distributions: { X: [0.5, 0.5] } };
  assert.equal(parseOpinionsLine(JSON.stringify(ok), "f:1").key, "K");
  const bad = (v: unknown, re: RegExp) =>
    assert.throws(() => parseOpinionsLine(JSON.stringify(v), "f:9"), re);
  bad([1, 2], /f:9: not an opinions record/);
  bad({ ...ok, key: 3 }, /f:9: .*"key"/);
  bad({ ...ok, ordinal: [] }, /f:9: question K: "ordinal"/);
  bad({ ...ok, options: ["a"] }, /1 options but 2 ordinal positions/);
  bad({ ...ok, distributions: [] }, /"distributions" must be an object/);
  bad({ ...ok, distributions: { X: [-1, 2] } }, /"X" must be 2 numbers ≥ 0/);
  bad({ ...ok, distributions: { X: [0, 0] } }, /not all 0/);
});
