import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { AvakitError } from "../core/errors.js";
import { loadInfo, parseInfoCsv } from "./info.js";
import { parsePythonLiteral } from "./python-literal.js";

const HUMAN_RESP = fileURLToPath(
  new URL("../../../shared/data/opinionqa/human_resp/", import.meta.url),
);
const SKIP = existsSync(HUMAN_RESP) ? false : `OpinionQA info.csv absent (${HUMAN_RESP})`;

describe("parsePythonLiteral", () => {
  it("reads pandas-written dicts, lists and strings", () => {
    assert.deepEqual(parsePythonLiteral("{1.0: 'Very safe', 99.0: \"Don't know\"}"), {
      dict: [
        [1, "Very safe"],
        [99, "Don't know"],
      ],
    });
    assert.deepEqual(parsePythonLiteral("[1.0, 2.0, 1.5]"), [1, 2, 1.5]);
    assert.deepEqual(parsePythonLiteral("['a', \"Associate's degree\", 'it\\'s', '\\u2019']"), [
      "a",
      "Associate's degree",
      "it's",
      "\u2019",
    ]);
    assert.deepEqual(parsePythonLiteral("(None, True, -3e2)"), [null, true, -300]);
    assert.throws(() => parsePythonLiteral("[1, 2"), SyntaxError);
  });
});

const INFO = `,Unnamed: 0.1,Unnamed: 0,key,option_mapping,question,references,option_ordinal
1,1,1,WORLDDANGER_W26,"{1.0: 'We live in a safer world', 2.0: 'We live in a more dangerous world', 3.0: 'The world we live in is neither safer nor more dangerous', 99.0: 'Refused'}","Compared to 50 years ago, do you think","['We live in a safer world', 'We live in a more dangerous world', 'The world we live in is neither safer nor more dangerous', 'Refused']","[1.0, 2.0, 1.5]"
2,2,2,X_W26,"{1.0: 'Yes', 2.0: 'No', 3.0: 'Not sure', 99.0: 'Refused'}",Is it?,"['Yes', 'No', 'Not sure', 'Refused']","[1.0, 2.0]"
`;

describe("parseInfoCsv", () => {
  it("splits references into ordinal options and refusal-like answers, with codes", () => {
    const [a, b] = parseInfoCsv(INFO, "info.csv");
    assert.equal(a!.key, "WORLDDANGER_W26");
    assert.equal(a!.question, "Compared to 50 years ago, do you think");
    assert.deepEqual(a!.ordinal, [1, 2, 1.5]);
    assert.deepEqual(
      a!.options.map((o) => o.code),
      [1, 2, 3],
    );
    assert.deepEqual(a!.refusals, [{ code: 99, label: "Refused" }]);
    assert.deepEqual(
      b!.refusals.map((o) => o.label),
      ["Not sure", "Refused"],
    );
  });

  it("names the file, row and key when a row does not parse", () => {
    const bad = INFO.replace('\'Refused\']","[1.0, 2.0]"', '\'Nope\']","[1.0, 2.0]"');
    assert.throws(
      () => parseInfoCsv(bad, "x/info.csv"),
      (err: unknown) =>
        err instanceof AvakitError && /x\/info\.csv row 3 \(X_W26\).*Nope/.test(err.message),
    );
  });

  it("loads the real human_resp folder, one entry per key, piped texts kept", {
    skip: SKIP,
  }, async () => {
    const info = await loadInfo(HUMAN_RESP);
    assert.equal(info.get("SAFECRIME_W26")?.length, 1);
    assert.equal(info.get("IDIMPORT_W43")?.length, 5);
    const rows = [...info.values()].reduce((n, l) => n + l.length, 0);
    assert.ok(rows >= 1500, `${rows} info rows`);
  });
});
