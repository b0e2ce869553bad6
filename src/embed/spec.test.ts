import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../core/errors.js";
import { HashingEmbedder } from "./hashing.js";
import { OpenAIEmbedder } from "./openai.js";
import { createEmbedder, DEFAULT_EMBEDDER, formatEmbedderSpec, parseEmbedderSpec } from "./spec.js";
import { TransformersEmbedder } from "./transformers.js";
import { UseEmbedder } from "./use.js";

test("parseEmbedderSpec: the four forms, with their options", () => {
  assert.equal(DEFAULT_EMBEDDER, "use");
  assert.deepEqual(parseEmbedderSpec("use"), { kind: "use" });
  assert.deepEqual(parseEmbedderSpec(" hashing "), { kind: "hashing" });
  assert.deepEqual(parseEmbedderSpec("openai:text-embedding-3-small"), {
    kind: "openai",
    model: "text-embedding-3-small",
    url: "https://api.openai.com/v1",
  });
  assert.deepEqual(
    parseEmbedderSpec("openai:nomic:v1.5", { url: "http://127.0.0.1:8000/v1", keyFile: "k.txt" }),
    { kind: "openai", model: "nomic:v1.5", url: "http://127.0.0.1:8000/v1", keyFile: "k.txt" },
  );
  assert.deepEqual(parseEmbedderSpec("transformers:C:/models/minilm"), {
    kind: "transformers",
    path: "C:/models/minilm",
    allowDownload: false,
  });
  assert.deepEqual(parseEmbedderSpec("transformers:m", { allowDownload: true }), {
    kind: "transformers",
    path: "m",
    allowDownload: true,
  });
});

test("parseEmbedderSpec: unknown specs list the valid forms; misplaced options are refused", () => {
  for (const bad of ["sbert", "", "openai", "openai:", "transformers:", "use:x"]) {
    assert.throws(() => parseEmbedderSpec(bad), UsageError, bad);
  }
  assert.throws(
    () => parseEmbedderSpec("sbert"),
    /unknown embedder "sbert": use use \(default, offline\), hashing .*openai:MODEL or transformers:PATH/,
  );
  assert.throws(() => parseEmbedderSpec("openai:"), /needs MODEL after the colon/);
  assert.throws(
    () => parseEmbedderSpec("use", { url: "http://x/v1" }),
    /--embedder-url applies to openai:MODEL only/,
  );
  assert.throws(
    () => parseEmbedderSpec("hashing", { allowDownload: true }),
    /transformers:PATH only/,
  );
});

test("formatEmbedderSpec gives back the spec text; specs are plain JSON", () => {
  for (const s of ["use", "hashing", "openai:m", "transformers:/x/y"]) {
    const spec = parseEmbedderSpec(s);
    assert.equal(formatEmbedderSpec(spec), s);
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
  }
});

test("createEmbedder builds the right implementation", () => {
  assert.ok(createEmbedder("hashing") instanceof HashingEmbedder);
  assert.ok(createEmbedder("use") instanceof UseEmbedder);
  const o = createEmbedder(parseEmbedderSpec("openai:m", { url: "http://127.0.0.1:1/v1" }), {
    env: {},
  });
  assert.ok(o instanceof OpenAIEmbedder);
  assert.equal(o.id, "openai:m@127.0.0.1:1");
  assert.throws(() => createEmbedder("transformers:/no/such/folder"), /does not exist/);
  assert.equal(TransformersEmbedder.name, "TransformersEmbedder");
});
