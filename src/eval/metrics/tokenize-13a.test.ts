import assert from "node:assert/strict";
import { test } from "node:test";
import { pyRstrip, pySplit, tokenize13a } from "./tokenize-13a.js";

// Expected strings: sacrebleu's Tokenizer13a (tokenizer_13a.py + tokenizer_re.py) run on each input.
const CASES: ReadonlyArray<readonly [string, string]> = [
  // sacrebleu's README / test_bleu.py corpus
  ["The dog bit the man.", "The dog bit the man ."],
  ["It wasn't surprising.", "It wasn't surprising ."],
  ["I'm a student.", "I'm a student ."],
  // test_sentence_bleu.py's reference (#98): non-ASCII letters stay inside tokens
  [
    "producţia de zahăr brut se exprimă în zahăr alb;",
    "producţia de zahăr brut se exprimă în zahăr alb ;",
  ],
  // periods and commas between digits stay; a dash after a digit is split; other dashes stay
  [
    "Prices rose 3.5% to $1,000.00 in 2019-2020, e.g. (a) and [b].",
    "Prices rose 3.5 % to $ 1,000.00 in 2019 - 2020 , e . g . ( a ) and [ b ] .",
  ],
  ["a.b,c 1.b a.1 5-3 a-b -4", "a . b , c 1 . b a . 1 5 - 3 a-b -4"],
  // every character of the first rule's ranges
  [
    "Hello, world! {ok} ~tilde~ `tick` @user #tag /path\\back",
    "Hello , world ! { ok } ~ tilde ~ ` tick ` @ user # tag / path \\ back",
  ],
  // the language-independent part: <skipped>, hyphenated line breaks, newlines
  ["x<skipped>y", "xy"],
  ["wel-\ncome home\nnow", "welcome home now"],
  // unescaping in sacrebleu's order: &amp;quot; → &quot;, not "
  ["&amp;quot; &quot;hi&quot; &lt;b&gt; AT&amp;T", '& quot ; " hi " < b > AT & T'],
  ["  many   spaces\t\there  ", "many spaces here"],
  ["", ""],
];

test("tokenize13a reproduces sacrebleu's 13a tokenizer", () => {
  for (const [input, expected] of CASES) assert.equal(tokenize13a(input), expected, input);
});

test("Python whitespace: split() and rstrip() use str.isspace, not JavaScript's \\s", () => {
  assert.deepEqual(pySplit(" a\u001cb\u0085c\u3000d "), ["a", "b", "c", "d"]);
  // U+FEFF is \s in JavaScript but not whitespace to Python
  assert.deepEqual(pySplit("a\ufeffb c"), ["a\ufeffb", "c"]);
  assert.equal(pyRstrip("ab \t\r\n\u0085"), "ab");
  assert.equal(pyRstrip("ab\ufeff"), "ab\ufeff");
  assert.deepEqual(pySplit(""), []);
});
