import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AvakitError } from "../core/errors.js";
import { TRANSFORMERS_PACKAGE, TransformersEmbedder } from "./transformers.js";

function installed(): boolean {
  try {
    createRequire(import.meta.url).resolve(TRANSFORMERS_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

describe("transformers embedder", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "avakit-transformers-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("names a missing model folder", () => {
    const missing = join(dir, "no-such-model");
    assert.throws(
      () => new TransformersEmbedder({ path: missing }),
      (err: unknown) =>
        err instanceof AvakitError &&
        err.message.includes(missing) &&
        /does not exist/.test(err.message),
    );
  });

  it("refuses a folder that is not a model (no config.json, or no ONNX weights)", () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    assert.throws(
      () => new TransformersEmbedder({ path: empty }),
      /empty is not a transformers model folder \(no config\.json\)/,
    );
    const noWeights = join(dir, "no-weights");
    mkdirSync(noWeights);
    writeFileSync(join(noWeights, "config.json"), "{}");
    assert.throws(() => new TransformersEmbedder({ path: noWeights }), /has no ONNX weights/);
  });

  it("names the folder and the config in its id", () => {
    const m = join(dir, "mini-model");
    mkdirSync(join(m, "onnx"), { recursive: true });
    writeFileSync(join(m, "config.json"), '{"model_type":"bert"}');
    writeFileSync(join(m, "onnx", "model_quantized.onnx"), "");
    assert.match(
      new TransformersEmbedder({ path: m }).id,
      /^transformers:mini-model@[0-9a-f]{12}-q8$/,
    );
  });

  it("reports a folder transformers.js cannot load, naming it", {
    skip: installed() ? false : `${TRANSFORMERS_PACKAGE} is not installed`,
  }, async () => {
    const broken = join(dir, "broken-model");
    mkdirSync(join(broken, "onnx"), { recursive: true });
    writeFileSync(join(broken, "config.json"), '{"model_type":"bert"}');
    writeFileSync(join(broken, "onnx", "model.onnx"), "not an onnx file");
    const e = new TransformersEmbedder({ path: broken });
    try {
      await assert.rejects(e.embed(["hello"]), (err: unknown) => {
        assert.ok(err instanceof AvakitError);
        assert.match(err.message, /transformers: cannot load the model from .*broken-model/);
        return true;
      });
    } finally {
      await e.close();
    }
  });
});
