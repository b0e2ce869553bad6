/**
 * Reading a model's free-text answer to a Target Audience Prediction task (§3.3, TAP-G/A/R/B/I)
 * as the class it names: a gender, an age group, a ranked list of US states, or a spend /
 * impressions range. Tolerant of wording, case and order ("Female", "women", "the female
 * audience"; "25 to 34", "aged 25-34", "65 and older"; "$600-$699", "600 to 699 USD",
 * "1,000–1,999", "1k-2k"); an answer it cannot read is `null` (scored wrong and counted). Pure.
 *
 * Decisions:
 * - The first class named wins ("Female, not male" → female); a gender answer naming both
 *   sexes together with "both"/"equally"/"neither" is unreadable.
 * - Age: only ranges that are one of the dataset's groups (13-17 ... 65+) read; "25-45" or "in
 *   their thirties" do not.
 * - States: full names in order of appearance (longest name first, so "West Virginia" is not
 *   "Virginia", "Arkansas" not "Kansas"); "Washington, D.C."/"DC"/"District of Columbia" is
 *   District of Columbia; two-letter USPS codes count only in capitals and as separate words,
 *   and never the codes that are also English words (IN, OR, ME, OK, HI, OH, AL, DE, PA, MA, ID,
 *   LA, CO, MD, GA are read in capitals only: all codes are; the English-word ones are skipped).
 * - Ranges: "between A to/and B", "A-B", "A to B", "A – B" with $, commas, k/K, m/M, "million";
 *   "at least A", "A+", "over/more than A" → [A, ∞). A range matches a class when the lower
 *   bounds are equal and the upper bounds equal or one more ("1,000-2,000" is the 1000-1999
 *   class). A single number ("about $650") matches the class that contains it, when classes
 *   are given.
 */
import { AGE_GROUPS, type AgeGroup, GENDERS, type Gender } from "../../core/types.js";
import { US_STATES } from "../../signals/geography.js";

export type TapVariable = "gender" | "age" | "region" | "budget" | "impressions";

/** A spend or impressions range; `upper` null for "at least lower". */
export interface AnswerRange {
  lower: number;
  upper: number | null;
}

export type ParsedTapAnswer =
  | { variable: "gender"; value: Gender }
  | { variable: "age"; value: AgeGroup }
  | { variable: "region"; value: string[] }
  | { variable: "budget" | "impressions"; value: AnswerRange };

/** The answer part of a generation: up to the first blank line after some text, trimmed. */
export function answerText(generated: string): string {
  const t = generated.trim();
  const cut = t.search(/\n\s*\n/);
  return (cut < 0 ? t : t.slice(0, cut)).trim();
}

const FEMALE = /\b(female|females|women|woman|womens|women's|girls?|ladies|lady|feminine)\b/i;
const MALE = /\b(male|males|men|man|mens|men's|boys?|gentlemen|gentleman|guys|masculine)\b/i;

export function parseGender(text: string): Gender | null {
  const t = answerText(text);
  const f = t.search(FEMALE);
  const m = t.search(MALE);
  if (f < 0 && m < 0) return null;
  if (f >= 0 && m >= 0 && /\b(both|equally|neither|either|all genders)\b/i.test(t)) return null;
  if (f < 0) return "male";
  if (m < 0) return "female";
  return f < m ? "female" : "male";
}

const DASH = String.raw`\s*(?:-|–|—|to|through|and|until)\s*`;

export function parseAgeGroup(text: string): AgeGroup | null {
  const t = answerText(text);
  type Hit = { at: number; group: AgeGroup | null };
  const hits: Hit[] = [];
  const range = new RegExp(String.raw`\b(\d{1,2})${DASH}(\d{1,2})\b`, "gi");
  for (const m of t.matchAll(range)) {
    const g = `${Number(m[1])}-${Number(m[2])}`;
    hits.push({
      at: m.index,
      group: (AGE_GROUPS as readonly string[]).includes(g) ? (g as AgeGroup) : null,
    });
  }
  const older =
    /\b65\s*(?:\+|(?:years?\s*)?(?:and|or)\s*(?:older|over|above|up)|plus\b)|\b(?:over|above|older than)\s*65\b|\b65\s*\+/gi;
  for (const m of t.matchAll(older)) hits.push({ at: m.index, group: "65+" });
  hits.sort((a, b) => a.at - b.at);
  const first = hits.find((h) => h.group !== null);
  return first?.group ?? null;
}

// USPS codes that are also ordinary English words (or common capitalised abbreviations): skipped.
const AMBIGUOUS_CODES = new Set([
  "IN",
  "OR",
  "ME",
  "OK",
  "HI",
  "OH",
  "AL",
  "DE",
  "PA",
  "MA",
  "ID",
  "LA",
  "CO",
  "MD",
  "GA",
  "AR",
  "MO",
  "SC",
  "ND",
]);
const STATE_CODES: Record<string, string> = {
  AL: "Alabama",
  AK: "Alaska",
  AZ: "Arizona",
  AR: "Arkansas",
  CA: "California",
  CO: "Colorado",
  CT: "Connecticut",
  DE: "Delaware",
  DC: "District of Columbia",
  FL: "Florida",
  GA: "Georgia",
  HI: "Hawaii",
  ID: "Idaho",
  IL: "Illinois",
  IN: "Indiana",
  IA: "Iowa",
  KS: "Kansas",
  KY: "Kentucky",
  LA: "Louisiana",
  ME: "Maine",
  MD: "Maryland",
  MA: "Massachusetts",
  MI: "Michigan",
  MN: "Minnesota",
  MS: "Mississippi",
  MO: "Missouri",
  MT: "Montana",
  NE: "Nebraska",
  NV: "Nevada",
  NH: "New Hampshire",
  NJ: "New Jersey",
  NM: "New Mexico",
  NY: "New York",
  NC: "North Carolina",
  ND: "North Dakota",
  OH: "Ohio",
  OK: "Oklahoma",
  OR: "Oregon",
  PA: "Pennsylvania",
  RI: "Rhode Island",
  SC: "South Carolina",
  SD: "South Dakota",
  TN: "Tennessee",
  TX: "Texas",
  UT: "Utah",
  VT: "Vermont",
  VA: "Virginia",
  WA: "Washington",
  WV: "West Virginia",
  WI: "Wisconsin",
  WY: "Wyoming",
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const DC_FORMS = [String.raw`washington,?\s*d\.?\s*c\b\.?`, "district of columbia"];
const NAMES = [...US_STATES].sort((a, b) => b.length - a.length).map(escapeRe);
const STATE_RE = new RegExp(
  String.raw`(${DC_FORMS.join("|")})|\b(${NAMES.join("|")})\b|(?<![A-Za-z])([A-Z]{2})(?![A-Za-z])`,
  "gi",
);
const BY_LOWER = new Map(US_STATES.map((s) => [s.toLowerCase(), s] as const));

/** US states named in the answer, in order of first mention, without repeats. */
export function parseStates(text: string): string[] {
  const t = answerText(text);
  const out: string[] = [];
  for (const m of t.matchAll(STATE_RE)) {
    let state: string | undefined;
    if (m[1] !== undefined) state = "District of Columbia";
    else if (m[2] !== undefined) state = BY_LOWER.get(m[2].toLowerCase().replace(/\s+/g, " "));
    else if (m[3] !== undefined) {
      const code = m[3];
      // Codes only in capitals (the regex is case-insensitive for the names).
      if (code === code.toUpperCase() && !AMBIGUOUS_CODES.has(code)) state = STATE_CODES[code];
    }
    if (state !== undefined && !out.includes(state)) out.push(state);
  }
  return out;
}

const NUMBER = String.raw`\$?\s*(\d[\d,]*(?:\.\d+)?)(?:\s*(k|m|million|thousand)\b)?(?!\d)`;

function numberOf(digits: string, suffix: string | undefined): number {
  const n = Number(digits.replaceAll(",", ""));
  const s = (suffix ?? "").toLowerCase();
  if (s === "k" || s === "thousand") return Math.round(n * 1_000);
  if (s === "m" || s === "million") return Math.round(n * 1_000_000);
  return n;
}

/**
 * A spend or impressions range, or a single number as [n, n] (`single: true`), from the answer;
 * null when it names no number.
 */
export function parseRange(text: string): (AnswerRange & { single?: boolean }) | null {
  const t = answerText(text).replace(/(\d)\s*(?:USD|usd|dollars?)/g, "$1");
  const between = new RegExp(
    String.raw`${NUMBER}\s*(?:USD|dollars?)?\s*(?:-|–|—|to|and|through)\s*${NUMBER}`,
    "i",
  );
  const atLeast = new RegExp(
    String.raw`(?:at least|more than|over|above|greater than|in excess of|upwards of)\s*${NUMBER}|${NUMBER}\s*(?:\+|or more|and (?:up|above|more)|plus)`,
    "i",
  );
  const r = between.exec(t);
  const a = atLeast.exec(t);
  if (r && (!a || r.index <= a.index)) {
    const lower = numberOf(r[1]!, r[2]);
    // "1-2k": a suffix on the upper bound alone applies to both.
    const lowerScaled = r[2] === undefined && r[4] !== undefined ? numberOf(r[1]!, r[4]) : lower;
    const upper = numberOf(r[3]!, r[4]);
    const lo = lowerScaled <= upper ? lowerScaled : lower;
    return { lower: lo, upper };
  }
  if (a) {
    const digits = a[1] ?? a[3];
    const suffix = a[1] !== undefined ? a[2] : a[4];
    return { lower: numberOf(digits!, suffix), upper: null };
  }
  const single = new RegExp(NUMBER, "i").exec(t);
  if (single) {
    const n = numberOf(single[1]!, single[2]);
    return { lower: n, upper: n, single: true };
  }
  return null;
}

/** Whether a parsed range names the class `truth` (see the module note), given the classes. */
export function rangeMatches(
  parsed: AnswerRange & { single?: boolean },
  truth: AnswerRange,
): boolean {
  if (parsed.single) {
    return parsed.lower >= truth.lower && (truth.upper === null || parsed.lower <= truth.upper);
  }
  if (parsed.lower !== truth.lower) return false;
  if (truth.upper === null || parsed.upper === null) return truth.upper === parsed.upper;
  return parsed.upper === truth.upper || parsed.upper === truth.upper + 1;
}

/** The answer read as the task's variable, or null when it cannot be read. */
export function parseTapAnswer(variable: TapVariable, text: string): ParsedTapAnswer | null {
  switch (variable) {
    case "gender": {
      const v = parseGender(text);
      return v === null ? null : { variable, value: v };
    }
    case "age": {
      const v = parseAgeGroup(text);
      return v === null ? null : { variable, value: v };
    }
    case "region": {
      const v = parseStates(text);
      return v.length === 0 ? null : { variable, value: v };
    }
    case "budget":
    case "impressions": {
      const v = parseRange(text);
      return v === null ? null : { variable, value: v };
    }
  }
}

export const TAP_VARIABLES: Readonly<Record<string, TapVariable>> = {
  "TAP-G": "gender",
  "TAP-A": "age",
  "TAP-R": "region",
  "TAP-B": "budget",
  "TAP-I": "impressions",
};

export { GENDERS };
