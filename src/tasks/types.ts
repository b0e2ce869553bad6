/**
 * The records the AVA builder (§3.3, Appendix A.1, Table A3) works on. Pure types, no I/O.
 * One `TaskAd` is a stored ad with its behavior signals and keywords, as the templates need it.
 */
import type { AgeGroup, Gender, Range } from "../core/types.js";

/** The 18 task codes of Table A3. */
export const TASK_CODES = [
  "TAG-G",
  "TAG-A",
  "TAG-R",
  "TAG-B",
  "TAG-I",
  "TAP-G",
  "TAP-A",
  "TAP-R",
  "TAP-B",
  "TAP-I",
  "TS-B",
  "TS-E",
  "TS-A",
  "TS-R",
  "TS-G",
  "TC-A",
  "TC-G",
  "TC-R",
] as const;
export type TaskCode = (typeof TASK_CODES)[number];

export const SINGLE_AD_TASKS = [
  "TAG-G",
  "TAG-A",
  "TAG-R",
  "TAG-B",
  "TAG-I",
  "TAP-G",
  "TAP-A",
  "TAP-R",
  "TAP-B",
  "TAP-I",
] as const satisfies readonly TaskCode[];
export type SingleAdTask = (typeof SINGLE_AD_TASKS)[number];

export const PAIR_TASKS = [
  "TS-B",
  "TS-E",
  "TS-A",
  "TS-R",
  "TS-G",
  "TC-A",
  "TC-G",
  "TC-R",
] as const satisfies readonly TaskCode[];
export type PairTask = (typeof PAIR_TASKS)[number];

/** The behavior "constants" and "variables" of Table A3. */
export type Facet = "region" | "age" | "gender" | "budget" | "impressions";

/** One ad as the builder sees it: content, campaign facts and behavior signals. */
export interface TaskAd {
  adId: string;
  pageId: string;
  /** The marketer's name as the prompts state it: page name, else byline, else the page id. */
  marketer: string;
  title: string | null;
  /** Cleaned body ([URL] already substituted), possibly with verbalized media appended. */
  body: string;
  platforms: string[];
  /** YYYY-MM-DD. */
  startDate: string;
  /** YYYY-MM-DD, or null while the ad still runs. */
  endDate: string | null;
  /** "USA" for the US Ad Library data avakit ingests. */
  market: string;
  currency: string | null;
  audienceSize: Range | null;
  spend: Range | null;
  impressions: Range | null;
  /** Population-normalised interest of the 51 states (US_STATES order), from computeSignals. */
  stateInterest: number[];
  /** The 51 states, best first (computeSignals' ranking). */
  stateRanking: string[];
  /** Up to 3 reached states, best first. */
  topStates: string[];
  /** Delivery share of each age group (AGE_GROUPS order), summed over genders, unknown age excluded. */
  ageShares: number[];
  /** Delivery share of female and male (GENDERS order), unknown gender excluded. */
  genderShares: number[];
  bestAgeGroup: AgeGroup | null;
  bestGender: Gender | null;
  /** KeyBERT keywords, best first (empty until extracted). */
  keywords: string[];
}

/** A rendered instruction: what a template produces. */
export interface RenderedTask {
  task: TaskCode;
  prompt: string;
  response: string;
  /** Every US state (full name) the prompt or the response mentions: for --drop-region. */
  states: string[];
  /** The answer class for balancing TAP test sets (TAP-* only): the age group, gender, top state, range text. */
  answerClass?: string;
  /** Task-specific facts for `meta` (given and target audience, ...). JSON-serialisable. */
  meta: Record<string, unknown>;
}

/**
 * An oriented pair for a transsuasion or transcreation task: rewrite `source` (Ad1) into
 * `target` (Ad2). `given`/`goal` are the audiences the prompt names.
 */
export interface PairCandidate {
  task: PairTask;
  source: TaskAd;
  target: TaskAd;
  /** The audience the source ad is for (TC) or was targeted at (TS), as the prompt names it. */
  given: string | null;
  /** The target audience (a state, age group or gender), or null for TS-B/TS-E. */
  goal: string | null;
  /** Cosine similarity of the two bodies' embeddings. */
  similarity: number;
  /** Word-level Levenshtein distance between the two bodies. */
  wordEdits: number;
}
