/**
 * YAML for the trainers' configs, written so that Python reads back exactly what we meant. All
 * three trainers load their YAML with PyYAML (TRL's TrlParser, axolotl, LLaMA-Factory through
 * OmegaConf), which follows YAML 1.1: there `2e-5` is a string (a float needs a dot and a signed
 * exponent) and `yes`/`on` are booleans. So floats are written in fixed notation, or as `2.0e-7`
 * when JavaScript would use an exponent, and strings that YAML 1.1 would read as something else
 * are quoted (the `yaml` package's 1.1 compatibility mode).
 */
import { type ScalarTag, stringify } from "yaml";

/** A float as PyYAML's resolver reads it: `0.0002`, or `1.0e-7` (mantissa with a dot, signed exponent). */
export function pyYamlFloat(value: number): string {
  const json = JSON.stringify(value);
  if (!/e/i.test(json)) return json;
  const [mantissa, exponent] = value.toExponential().split("e") as [string, string];
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}e${exponent}`;
}

const FLOAT: ScalarTag = {
  tag: "tag:yaml.org,2002:float",
  default: true,
  identify: (v) => typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v),
  // Only used when writing: the parse side keeps the yaml package's own float tag.
  test: /^\b$/,
  resolve: (s) => Number(s),
  stringify: ({ value }) => pyYamlFloat(value as number),
};

/** A config object as YAML, after `# ` comment lines (a header naming the schema followed). */
export function toYaml(value: Record<string, unknown>, header: readonly string[] = []): string {
  const body = stringify(value, {
    customTags: (tags) => [FLOAT, ...tags],
    compat: "yaml-1.1",
    lineWidth: 0,
  });
  return `${header.map((l) => (l ? `# ${l}` : "#")).join("\n")}${header.length ? "\n" : ""}${body}`;
}
