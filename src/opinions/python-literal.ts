/** A value written as a Python literal (what pandas leaves in OpinionQA's CSV cells). */
export type PyValue = string | number | boolean | null | PyValue[] | PyDict;
/** A Python dict, keys kept as written (numbers stay numbers), in order. */
export interface PyDict {
  dict: Array<[PyValue, PyValue]>;
}

/**
 * Parses one Python literal: dicts, lists, tuples, str (single or double quotes, escapes),
 * int/float (incl. nan/inf), True/False/None. OpinionQA's info.csv stores `option_mapping`
 * as `{1.0: 'Very safe', 99.0: 'Refused'}` and `references`/`option_ordinal` as lists.
 */
export function parsePythonLiteral(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i} in Python literal ${JSON.stringify(text)}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === undefined) return fail("unexpected end");
    if (c === "{") return dict();
    if (c === "[" || c === "(") return list(c === "[" ? "]" : ")");
    if (c === "'" || c === '"') return str();
    const word = /^(True|False|None|nan|inf)\b/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      const w = word[0];
      return w === "True"
        ? true
        : w === "False"
          ? false
          : w === "None"
            ? null
            : w === "nan"
              ? Number.NaN
              : Infinity;
    }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return Number(num[0]);
    }
    return fail(`unexpected ${JSON.stringify(c)}`);
  };
  const list = (close: string): PyValue[] => {
    i++;
    const out: PyValue[] = [];
    for (;;) {
      ws();
      if (text[i] === close) {
        i++;
        return out;
      }
      out.push(value());
      ws();
      if (text[i] === ",") i++;
      else if (text[i] !== close) fail(`expected , or ${close}`);
    }
  };
  const dict = (): PyDict => {
    i++;
    const out: Array<[PyValue, PyValue]> = [];
    for (;;) {
      ws();
      if (text[i] === "}") {
        i++;
        return { dict: out };
      }
      const k = value();
      ws();
      if (text[i] !== ":") fail("expected :");
      i++;
      out.push([k, value()]);
      ws();
      if (text[i] === ",") i++;
      else if (text[i] !== "}") fail("expected , or }");
    }
  };
  const str = (): string => {
    const q = text[i++]!;
    let out = "";
    for (;;) {
      const c = text[i++];
      if (c === undefined) return fail("unterminated string");
      if (c === q) return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[i++];
      if (e === undefined) return fail("unterminated escape");
      const simple: Record<string, string> = {
        n: "\n",
        t: "\t",
        r: "\r",
        "\\": "\\",
        "'": "'",
        '"': '"',
        "0": "\0",
      };
      if (e in simple) out += simple[e];
      else if (e === "x" || e === "u" || e === "U") {
        const len = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = text.slice(i, i + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail("bad escape");
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        i += len;
      } else out += `\\${e}`;
    }
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}
