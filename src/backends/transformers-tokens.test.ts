import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { TransformersTokenEmbedder } from "./transformers-tokens.js";

const dir = mkdtempSync(join(tmpdir(), "avakit-tt-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function modelFolder(name: string, files: string[]): string {
  const d = join(dir, name);
  mkdirSync(join(d, "onnx"), { recursive: true });
  for (const f of files) writeFileSync(join(d, f), "{}");
  return d;
}

test("a missing folder, a folder without config.json or ONNX weights: clear errors", () => {
  assert.throws(
    () => new TransformersTokenEmbedder({ path: join(dir, "nope") }),
    /model folder .*nope does not exist/,
  );
  const noConfig = modelFolder("no-config", []);
  assert.throws(() => new TransformersTokenEmbedder({ path: noConfig }), /no config\.json/);
  const noWeights = modelFolder("no-weights", ["config.json"]);
  assert.throws(() => new TransformersTokenEmbedder({ path: noWeights }), /no ONNX weights/);
});

test("the package missing: an install hint, not a stack trace", async () => {
  const ok = modelFolder("ok", ["config.json", "onnx/model.onnx"]);
  const e = new TransformersTokenEmbedder({
    path: ok,
    importModule: () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package '@huggingface/transformers'"), {
          code: "ERR_MODULE_NOT_FOUND",
        }),
      ),
  });
  await assert.rejects(e.embedTokens(["hello"]), /install @huggingface\/transformers/);
});

test("tokens, vectors and special flags from a (stub) transformers.js pipeline", async () => {
  const ok = modelFolder("stub", ["config.json", "onnx/model.onnx"]);
  const tokenizer = Object.assign(
    (text: string) => ({
      input_ids: { data: [0n, ...text.split(" ").map((_, i) => BigInt(10 + i)), 2n], dims: [1] },
    }),
    { all_special_ids: [0, 2] },
  );
  const extractor = Object.assign(
    async (text: string) => {
      const n = text.split(" ").length + 2;
      return { data: Array.from({ length: n * 2 }, (_, i) => i), dims: [1, n, 2] };
    },
    { tokenizer },
  );
  const e = new TransformersTokenEmbedder({
    path: ok,
    importModule: async () => ({
      env: { allowLocalModels: false, allowRemoteModels: true },
      pipeline: async () => extractor,
    }),
  });
  const [t] = await e.embedTokens(["  two words "]);
  assert.deepEqual(t?.ids, [0, 10, 11, 2]);
  assert.deepEqual(t?.special, [true, false, false, true]);
  assert.deepEqual(Array.from(t?.vectors[1] ?? []), [2, 3]);
});
