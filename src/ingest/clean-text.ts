/**
 * URLs in ad text become "[URL]" (§3.1). Matches scheme URLs (http, https, ftp), "www." hosts,
 * bare domains with a common TLD followed by a path ("bit.ly/abc", "example.org/x"), and bare
 * domains of the commonest TLDs without a path ("genesiustimes.com", "Amazon.com"); trailing
 * sentence punctuation and closing brackets stay outside the URL. Emails are left alone.
 */
const URL_RE =
  /(?<![@\w.-])(?:(?:https?|ftp):\/\/[^\s<>"]+|www\.[^\s<>"]+|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|gov|edu|io|co|us|ly|me|info|biz|app|ai|tv|gl|gg|link|page|site)\/[^\s<>"]*|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|gov|edu)\b(?![.-]?\w))/gi;
const TRAILING = ".,;:!?)]}'\"";
const OPENER: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/** Length of the sentence punctuation at the end of a matched URL; a closing bracket that
 * matches an opening one inside the URL ("wiki/Foo_(bar)") belongs to the URL. */
function trailingLength(m: string): number {
  let end = m.length;
  while (end > 0) {
    const ch = m[end - 1]!;
    if (!TRAILING.includes(ch)) break;
    const open = OPENER[ch];
    if (open !== undefined) {
      const body = m.slice(0, end - 1);
      if (body.split(open).length > body.split(ch).length) break;
    }
    end--;
  }
  return m.length - end;
}

// Cheap test that a text may hold a URL at all, before the full expression runs.
const MAYBE_URL =
  /:\/\/|www\.|\.(?:com|org|net|gov|edu|io|co|us|ly|me|info|biz|app|ai|tv|gl|gg|link|page|site)\b/i;

export function replaceUrls(text: string): string {
  if (!MAYBE_URL.test(text)) return text;
  return text.replace(URL_RE, (m) => {
    const n = trailingLength(m);
    return n > 0 ? `[URL]${m.slice(m.length - n)}` : "[URL]";
  });
}

/** Cleaned ad text: URLs replaced, surrounding whitespace trimmed; inner line breaks kept. */
export function cleanText(text: string): string {
  return replaceUrls(text).trim();
}

/** Key for "the same body": case and whitespace runs do not make two bodies different. */
export function bodyKey(cleanedBody: string): string {
  return cleanedBody.toLowerCase().replace(/\s+/g, " ").trim();
}
