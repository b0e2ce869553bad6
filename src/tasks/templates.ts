/**
 * The phrases the AVA task templates share (Appendix A.1 "Task Prompts" and the task samples),
 * with the paper's slips fixed once here. Pure, no I/O. The task families build on these:
 * `single-tasks.ts` (TAG, TAP) and `pair-templates.ts` (TS, TC).
 */
import type { AgeGroup, Gender, Range } from "../core/types.js";
import { rangeText } from "../signals/compute.js";
import { stateIndex } from "../signals/geography.js";
import { campaignDatesSentence } from "./dates.js";
import type { Facet, TaskAd, TaskCode } from "./types.js";

/**
 * Table A3: what each task holds constant and what it varies. The paper's table swaps the rows
 * of TC-G (printed "Age, Budget, Gender | Region") and TC-R (printed "Region, Budget, Age |
 * Gender"); by §3.3 and the TC-G/TC-R samples, TC-G varies gender and TC-R region, so the two
 * rows are given here the way TS-G/TS-R have them.
 */
export const TASK_FACETS: Readonly<
  Record<TaskCode, { constants: readonly Facet[]; variable: Facet }>
> = {
  "TAG-G": { constants: ["region", "budget", "age"], variable: "gender" },
  "TAG-A": { constants: ["region", "budget", "gender"], variable: "age" },
  "TAG-R": { constants: ["age", "budget", "gender"], variable: "region" },
  "TAG-B": { constants: ["region", "age", "gender"], variable: "budget" },
  "TAG-I": { constants: ["region", "age", "gender", "budget"], variable: "impressions" },
  "TAP-G": { constants: ["region", "budget", "age"], variable: "gender" },
  "TAP-A": { constants: ["region", "budget", "gender"], variable: "age" },
  "TAP-R": { constants: ["age", "budget", "gender"], variable: "region" },
  "TAP-B": { constants: ["region", "age", "gender"], variable: "budget" },
  "TAP-I": { constants: ["region", "age", "gender", "budget"], variable: "impressions" },
  "TS-B": { constants: ["region", "gender", "age"], variable: "budget" },
  "TS-E": { constants: ["region", "gender", "age", "budget"], variable: "impressions" },
  "TS-A": { constants: ["region", "budget", "gender"], variable: "age" },
  "TS-R": { constants: ["age", "budget", "gender"], variable: "region" },
  "TS-G": { constants: ["region", "budget", "age"], variable: "gender" },
  "TC-A": { constants: ["region", "budget", "gender"], variable: "age" },
  "TC-G": { constants: ["region", "budget", "age"], variable: "gender" },
  "TC-R": { constants: ["age", "budget", "gender"], variable: "region" },
};

/**
 * What ends every prompt. A.1 writes "... generate the content. Answer:" on one line, while most
 * task samples (TAG-A, TAG-G, the TAP, TS and TC samples) put "Answer:" after a blank line; avakit
 * uses the samples' form everywhere (the TAG-R and TC-R samples included).
 */
export const ANSWER_CUE = "\n\nAnswer:";

/** The spend unit: the ad's currency, USD when the record has none (A.1 writes "USD"). */
export function currencyOf(ad: TaskAd): string {
  return ad.currency ?? "USD";
}

/**
 * `text` closed as a sentence: a period is added unless it already ends in . ! ? or … (possibly
 * inside closing quotes or brackets). The paper's samples show both slips this avoids: "is
 * titled Because care begins with getting there.." (TAG-A) and "the future of the US deficit. ."
 * (TAP-A).
 */
export function endSentence(text: string): string {
  const t = text.trimEnd();
  return /[.!?…]["'”’)\]]*$/.test(t) ? t : `${t}.`;
}

/** Lists join with ", " as in the samples ("facebook, instagram", "Maryland, Louisiana, Alabama"). */
export function listText(items: readonly string[]): string {
  return items.join(", ");
}

/**
 * "The Advertisement for {brand} is titled {Title}." (A.1; capital "Advertisement" as in every
 * sample). Without a title the paper's template would read "The Advertisement for Uber is titled
 * ." (or "The Advertisement for Uber."): avakit writes "This is an advertisement for Uber."
 */
export function titleSentence(ad: TaskAd): string {
  const title = ad.title?.trim();
  return title
    ? `The Advertisement for ${ad.marketer} is titled ${endSentence(title)}`
    : `This is an advertisement for ${ad.marketer}.`;
}

/** "The advertisement was published on facebook, instagram." (platform names as the API gives them); none: omitted. */
export function platformsSentence(platforms: readonly string[]): string | null {
  return platforms.length > 0 ? `The advertisement was published on ${listText(platforms)}.` : null;
}

/**
 * "The campaign was marketed to USA audience, where estimated audience size is between 100001
 * to 500000." The TAG-R sample reads "USA audience , where ... 500000 are present." and the
 * TAG-A sample "between 100001 and 500000"; avakit drops the stray space and "are present" and
 * uses rangeText's "to" like every other range. Without an audience size the clause goes
 * ("The campaign was marketed to USA audience.", without the samples' " .").
 */
export function marketSentence(ad: TaskAd): string {
  return ad.audienceSize
    ? `The campaign was marketed to ${ad.market} audience, where estimated audience size is ${rangeText(ad.audienceSize)}.`
    : `The campaign was marketed to ${ad.market} audience.`;
}

/** The spend range with its unit: "between 600 to 699 USD", "at least 1000000 USD"; null without spend. */
export function spendText(ad: TaskAd): string | null {
  return ad.spend ? rangeText(ad.spend, currencyOf(ad)) : null;
}

/**
 * "The amount of money that was spent on this campaign is between 600 to 699 USD." (A.1). The
 * TAP-A and TAP-G samples lose the period ("... 99 USD Content of ..."); avakit keeps it. No
 * spend: omitted.
 */
export function spendSentence(ad: TaskAd): string | null {
  const spend = spendText(ad);
  return spend ? `The amount of money that was spent on this campaign is ${spend}.` : null;
}

/** The impressions range: "between 1000 to 1999", "at least 1000000". */
export function impressionsText(impressions: Range): string {
  return rangeText(impressions);
}

/**
 * The age and gender constants of Table A3, which the paper's samples leave out (its TAG-G sample
 * names no age group although age is a TAG-G constant): "The advertisement performs best for the
 * age group 25-34 and the female gender." ("the age group 25-34" and "the female gender" are the
 * samples' own phrases). Either part is dropped when unknown or not wanted; null when both are.
 */
export function audienceSentence(age: AgeGroup | null, gender: Gender | null): string | null {
  const parts: string[] = [];
  if (age) parts.push(`the age group ${age}`);
  if (gender) parts.push(`the ${gender} gender`);
  return parts.length > 0 ? `The advertisement performs best for ${parts.join(" and ")}.` : null;
}

/** "Keywords: uber, healthcare, appointments." (A.1); no keywords: omitted. */
export function keywordsSentence(keywords: readonly string[]): string | null {
  return keywords.length > 0 ? `Keywords: ${listText(keywords)}.` : null;
}

/**
 * The campaign facts every TAG/TAP prompt states, in A.1's order: title, platforms, dates,
 * market (with audience size) and, when `withSpend`, the spend.
 */
export function campaignFacts(ad: TaskAd, withSpend: boolean): (string | null)[] {
  return [
    titleSentence(ad),
    platformsSentence(ad.platforms),
    campaignDatesSentence(ad.startDate, ad.endDate),
    marketSentence(ad),
    withSpend ? spendSentence(ad) : null,
  ];
}

/** Sentences joined by one space, the omitted ones (null) skipped. */
export function sentences(parts: readonly (string | null | undefined)[]): string {
  return parts.filter((p): p is string => typeof p === "string" && p !== "").join(" ");
}

/**
 * An ad as the TS/TC prompts and responses quote it (A.1, TS-A sample): "The advertisement
 * titled {Title} with content : {body}", or "The advertisement with content : {body}" without a
 * title (TS-E, TC-R samples). The paper's " : " is kept, and no period is added after the body.
 */
export function pairAdText(ad: TaskAd): string {
  const title = ad.title?.trim();
  return title
    ? `The advertisement titled ${title} with content : ${ad.body}`
    : `The advertisement with content : ${ad.body}`;
}

const PLATFORM_NAMES: Readonly<Record<string, string>> = {
  facebook: "Facebook",
  instagram: "Instagram",
  messenger: "Messenger",
  audience_network: "Audience Network",
  whatsapp: "WhatsApp",
  threads: "Threads",
};

/**
 * Platforms as prose, for "on platforms like Facebook and Instagram" (TS-E sample): brand
 * capitalisation, "A and B", "A, B and C".
 */
export function platformsProse(platforms: readonly string[]): string {
  const names = platforms.map(
    (p) =>
      PLATFORM_NAMES[p.toLowerCase()] ?? p.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()),
  );
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
}

/** The US states among `names` (full canonical names), each once, in order of first mention. */
export function usStatesIn(names: readonly (string | null | undefined)[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (typeof n === "string" && stateIndex(n) >= 0 && !out.includes(n)) out.push(n);
  }
  return out;
}
