import assert from "node:assert/strict";
import { test } from "node:test";
import { bodyKey, cleanText, replaceUrls } from "./clean-text.js";

test("scheme URLs, www hosts and bare domains with a path become [URL]", () => {
  assert.equal(replaceUrls("https://x.y/z?a=b"), "[URL]");
  assert.equal(replaceUrls("http://example.com"), "[URL]");
  assert.equal(replaceUrls("ftp://files.example.org/f.txt"), "[URL]");
  assert.equal(replaceUrls("www.example.com"), "[URL]");
  assert.equal(replaceUrls("bit.ly/abc"), "[URL]");
  assert.equal(replaceUrls("Donate: secure.actblue.com/donate/aoc now"), "Donate: [URL] now");
  assert.equal(replaceUrls("Go to HTTPS://A.COM/X!"), "Go to [URL]!");
  assert.equal(replaceUrls("WWW.EXAMPLE.COM"), "[URL]");
});

test("every URL in a text is replaced, the text around it is kept", () => {
  assert.equal(
    replaceUrls("Sign https://a.com/p and share www.b.org/q or bit.ly/c today"),
    "Sign [URL] and share [URL] or [URL] today",
  );
  assert.equal(replaceUrls("line one\nhttps://a.com/x\nline three"), "line one\n[URL]\nline three");
});

test("trailing sentence punctuation and closing brackets stay outside the URL", () => {
  assert.equal(replaceUrls("see https://a.com/x."), "see [URL].");
  assert.equal(replaceUrls("see https://a.com/x, then"), "see [URL], then");
  assert.equal(replaceUrls("really? https://a.com/x?!"), "really? [URL]?!");
  assert.equal(replaceUrls("(https://a.com/x)"), "([URL])");
  assert.equal(replaceUrls("(see https://a.com/x)."), "(see [URL]).");
  assert.equal(replaceUrls('"https://a.com/x"'), '"[URL]"');
  assert.equal(replaceUrls("<https://a.com>"), "<[URL]>");
  assert.equal(replaceUrls("https://a.com/x..."), "[URL]...");
  assert.equal(replaceUrls("ftp://files.example.org/f.txt;"), "[URL];");
});

test("a closing bracket that matches one inside the URL is part of the URL", () => {
  assert.equal(replaceUrls("https://en.wikipedia.org/wiki/Foo_(bar)"), "[URL]");
  assert.equal(replaceUrls("(https://en.wikipedia.org/wiki/Foo_(bar))."), "([URL]).");
});

test("text without URLs is unchanged: emails, decimals, abbreviations, other TLD-like words", () => {
  const plain = [
    "It's official! We're turning AOC into an action figure 👏",
    "Email me at jane@example.com",
    "It costs 3.5 dollars, rated 3.5/10",
    "The U.S. Senate votes on 1.2.2020",
    "and/or",
    "foo.company thing",
    "",
  ];
  for (const t of plain) assert.equal(replaceUrls(t), t, JSON.stringify(t));
});

test("cleanText replaces URLs and trims, keeping inner line breaks", () => {
  assert.equal(cleanText("  hi https://a.com/x  "), "hi [URL]");
  assert.equal(cleanText("\n  a\n\nb  \n"), "a\n\nb");
  assert.equal(cleanText(" \t\n "), "");
  assert.equal(cleanText("https://bit.ly/2lPbNpw"), "[URL]");
});

test("bodyKey ignores case and runs of whitespace, nothing else", () => {
  assert.equal(bodyKey("Hello   World\n"), "hello world");
  assert.equal(bodyKey("Hello World"), bodyKey("hello\n\tworld"));
  assert.notEqual(bodyKey("Hello World!"), bodyKey("Hello World"));
});

test("bare domains of the commonest TLDs are URLs too, with or without a path", () => {
  assert.equal(replaceUrls("Visit genesiustimes.com today"), "Visit [URL] today");
  assert.equal(replaceUrls("Shop Amazon.com."), "Shop [URL].");
  assert.equal(replaceUrls("sub.example.org"), "[URL]");
  assert.equal(replaceUrls("x.com/path?q=1,"), "[URL],");
});
