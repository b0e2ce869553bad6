import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseShots, cutAtStop, FEW_SHOT_SEPARATOR, fewShotPrompt } from "./few-shot.js";

const pool = Array.from({ length: 10 }, (_, i) => ({
  id: `e${i}`,
  prompt: `P${i}\n\nAnswer:`,
  response: `R${i}`,
}));

test("chooseShots: K distinct examples, seeded per record, never the record itself", () => {
  const a = chooseShots(pool, 3, 0, "e1");
  assert.equal(a.length, 3);
  assert.equal(new Set(a.map((e) => e.id)).size, 3);
  assert.ok(!a.some((e) => e.id === "e1"));
  assert.deepEqual(chooseShots(pool, 3, 0, "e1"), a);
  assert.notDeepEqual(chooseShots(pool, 3, 1, "e1"), a);
  assert.equal(chooseShots(pool.slice(0, 2), 5, 0, "x").length, 2);
  assert.deepEqual(chooseShots(pool, 0, 0, "x"), []);
});

test("fewShotPrompt: text with ### separators, or chat turns", () => {
  const shots = pool.slice(0, 2);
  assert.equal(
    fewShotPrompt("T\n\nAnswer:", shots, "text"),
    ["P0\n\nAnswer: R0", "P1\n\nAnswer: R1", "T\n\nAnswer:"].join(FEW_SHOT_SEPARATOR),
  );
  assert.equal(fewShotPrompt("T", [], "text"), "T");
  assert.deepEqual(fewShotPrompt("T", shots.slice(0, 1), "chat"), [
    { role: "user", content: "P0\n\nAnswer:" },
    { role: "assistant", content: "R0" },
    { role: "user", content: "T" },
  ]);
});

test("cutAtStop: the first stop sequence ends the answer", () => {
  assert.equal(cutAtStop(" Female.\n\n###\n\nGiven"), "Female.");
  assert.equal(cutAtStop(" A\n\nAnswer: B"), "A");
  assert.equal(cutAtStop("plain"), "plain");
});
