import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { contentDigest, contentKey } from "./hash.js";

test("contentDigest gives the sha256 and the same key as contentKey", () => {
  for (const text of ["", "a", "Vote — early, ünïcode ✓", "x".repeat(10_000)]) {
    const [digest, key] = contentDigest(text);
    assert.deepEqual(digest, createHash("sha256").update(text).digest());
    assert.equal(key, contentKey(text));
    assert.equal(key.length, 22);
  }
});
