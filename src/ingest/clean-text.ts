/**
 * URLs in ad text become "[URL]" (§3.1). Matches scheme URLs (http, https, ftp), "www." hosts and
 * bare domains with a common TLD followed by a path ("bit.ly/abc", "example.org/x"); trailing
 * sentence punctuation and closing brackets stay outside the URL.
 */
const URL_RE =
  /\b(?:(?:https?|ftp):\/\/[^\s<>"]+|www\.[^\s<>"]+|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|gov|edu|io|co|us|ly|me|info|biz|app|ai|tv|gl|gg|link|page|site)\/[^\s<>"]*)/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

export function replaceUrls(text: string): string {
  if (!/[./]/.test(text)) return text;
  return text.replace(URL_RE, (m) => {
    const trail = TRAILING.exec(m);
    return trail ? `[URL]${trail[0]}` : "[URL]";
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
