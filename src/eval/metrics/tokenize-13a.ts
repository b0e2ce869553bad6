// sacrebleu's default BLEU tokenizer, mteval-v13a's rules (sacrebleu/tokenizers/tokenizer_13a.py
// over tokenizer_re.py), and the Python string primitives it rests on.

/** The characters of Python's `str.isspace()`: what `str.split()` and `str.strip()` treat as blank. */
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, "u");
const PY_SPACE_CHAR = new RegExp(`^[${PY_SPACE}]$`, "u");

/**
 * Python's `s.split()` with no separator: runs of whitespace split, no empty pieces. JavaScript's
 * `\s` differs (it has U+FEFF but not U+001C–U+001F or U+0085), hence the explicit class.
 */
export function pySplit(s: string): string[] {
  return s.split(PY_SPACE_RUN).filter((piece) => piece !== "");
}

/** Python's `s.rstrip()` with no argument. */
export function pyRstrip(s: string): string {
  // A loop, not /\s+$/: that regex backtracks quadratically over long runs of inner spaces.
  let end = s.length;
  while (end > 0 && PY_SPACE_CHAR.test(s[end - 1]!)) end--;
  return s.slice(0, end);
}

// tokenizer_re.py's four substitutions, applied in this order. The first class, written there as
// [\{-\~\[-\` -\&\(-\+\:-\@\/], is the ranges { to ~, [ to `, space to &, ( to +, : to @, and /.
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40/])/gu, " $1 "],
  // period and comma unless preceded by a digit
  [/([^0-9])([.,])/gu, "$1 $2 "],
  // period and comma unless followed by a digit
  [/([.,])([^0-9])/gu, " $1 $2"],
  // dash when preceded by a digit
  [/([0-9])(-)/gu, "$1 $2 "],
];

/**
 * Tokenizes one segment as sacrebleu's `Tokenizer13a` does: drop `<skipped>`, join `-\n` line
 * breaks, turn other newlines into spaces, unescape `&quot; &amp; &lt; &gt;` in that order (so
 * `&amp;quot;` becomes `&quot;`, not `"`), split punctuation off with the mteval-v13a rules, and
 * return the tokens joined by single spaces. Each `re.sub` pass is non-overlapping, left to right,
 * as JavaScript's global `replace` is, and the `u` flag makes `[^0-9]` match whole code points.
 */
export function tokenize13a(line: string): string {
  let s = line
    .replaceAll("<skipped>", "")
    .replaceAll("-\n", "")
    .replaceAll("\n", " ")
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">");
  s = ` ${s} `;
  for (const [pattern, replacement] of RULES) s = s.replace(pattern, replacement);
  return pySplit(s).join(" ");
}
