import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { pyYamlFloat, toYaml } from "./yaml.js";

// PyYAML's (YAML 1.1) implicit float: a dot is required, an exponent must be signed.
const PYYAML_FLOAT = /^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?$/;
// PyYAML's implicit booleans.
const PYYAML_BOOL =
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

test("pyYamlFloat: every float is one PyYAML reads as a float, with the same value", () => {
  for (const x of [2e-4, 2e-5, 1e-6, 5e-7, 1e-7, 0.05, 0.03, 3e-4, 1.5, 12345.678, 1e-12]) {
    const s = pyYamlFloat(x);
    assert.match(s, PYYAML_FLOAT, `${x} → ${s}`);
    assert.equal(Number(s), x, s);
  }
  assert.equal(pyYamlFloat(2e-4), "0.0002");
  assert.equal(pyYamlFloat(1e-7), "1.0e-7");
  assert.equal(pyYamlFloat(2.5e-7), "2.5e-7");
});

test("toYaml: floats, integers, booleans and YAML-1.1 look-alike strings read back as written", () => {
  const value = {
    learning_rate: 1e-7,
    warmup_ratio: 0.03,
    epochs: 1,
    bf16: true,
    model: "meta-llama/Llama-2-7b-chat-hf",
    tricky: ["yes", "on", "1e-4", "null", "0.5"],
    nested: [{ path: "data/train.jsonl", map: { role: "role" } }],
  };
  const text = toYaml(value, ["header line"]);
  assert.match(text, /^# header line\n/);
  assert.deepEqual(parse(text), value);
  // PyYAML follows YAML 1.1: the same values must come back under that schema too.
  assert.deepEqual(parse(text, { version: "1.1" }), value);
  for (const line of text.split("\n")) {
    const scalar = /^\s*(?:- |[\w-]+: )(.+)$/.exec(line)?.[1];
    if (scalar === undefined) continue;
    if (typeof parse(scalar) === "string")
      assert.doesNotMatch(scalar, PYYAML_BOOL, `a string PyYAML would read as a boolean: ${line}`);
    if (/^[-+]?[\d.]+e/i.test(scalar)) assert.match(scalar, PYYAML_FLOAT, line);
  }
  assert.match(text, /learning_rate: 1\.0e-7\n/);
  assert.match(text, /- "yes"\n/);
});
