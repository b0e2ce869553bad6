/** Domain records shared by every stage. No I/O here. */

/** An integer range as the Ad Library gives it; `upper` is null for the open-ended top range. */
export interface Range {
  lower: number;
  upper: number | null;
}

/** Meta's age buckets, in order. */
export const AGE_GROUPS = ["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];
export const GENDERS = ["female", "male"] as const;
export type Gender = (typeof GENDERS)[number];

/** One region entry of `delivery_by_region`, duplicates merged. `share` is a fraction in [0, 1]. */
export interface RegionShare {
  region: string;
  share: number;
}

/** One cell of `demographic_distribution`; age or gender may be "unknown". */
export interface DemographicShare {
  age: AgeGroup | "unknown";
  gender: Gender | "unknown";
  share: number;
}

/** An ad after normalisation and cleaning: what the store keeps. */
export interface Ad {
  adId: string;
  pageId: string;
  pageName: string | null;
  byline: string | null;
  /** Cleaned body (URLs replaced by [URL]): the first non-empty creative body. */
  body: string;
  /** Every non-empty creative body, cleaned, in API order (dynamic creative variants). */
  bodies: string[];
  title: string | null;
  linkCaption: string | null;
  linkDescription: string | null;
  platforms: string[];
  languages: string[];
  currency: string | null;
  createdDate: string | null;
  startDate: string;
  endDate: string | null;
  spend: Range | null;
  impressions: Range | null;
  audienceSize: Range | null;
  regions: RegionShare[];
  demographics: DemographicShare[];
  /** `ad_snapshot_url` with any access_token removed. */
  snapshotUrl: string | null;
  /** Media items (image paths or URLs, video frame paths), if the input record carries them. */
  media: string[];
  /** Where the record came from: file path or crawl label. */
  source: string;
  /** 1-based line in the source, where known. */
  line: number | null;
  /** Content key of the raw record: what makes re-ingesting the same input a no-op. */
  recordKey: string;
  /** True when the record came from `avakit synth`. */
  synthetic: boolean;
}

/** Behavior signals of one ad (§3.1). */
export interface AdSignals {
  adId: string;
  /** Interest of each of the 51 states (50 + DC) in `US_STATES` order; 0 without delivery. */
  stateInterest: number[];
  /** The 51 states, best first (ties alphabetical). */
  stateRanking: string[];
  topStates: string[];
  /** Interest of each Census region in `CENSUS_REGIONS` order. */
  regionInterest: number[];
  regionRanking: string[];
  bestAgeGroup: AgeGroup | null;
  bestGender: Gender | null;
  impressionsPerUsd: number | null;
}

/** Why a record was not kept. Every rule has one stable code. */
export const QUARANTINE_RULES = [
  "malformed_json",
  "invalid_record",
  "missing_id",
  "missing_page",
  "empty_body",
  "missing_dates",
  "missing_location",
  "no_us_state_delivery",
  "duplicate_id",
  "duplicate_body",
] as const;
export type QuarantineRule = (typeof QUARANTINE_RULES)[number];

export interface QuarantineEntry {
  rule: QuarantineRule;
  detail: string;
  source: string;
  line: number | null;
  adId: string | null;
  pageId: string | null;
  recordKey: string;
  /** The raw record text with any access token redacted (truncated to 64 KiB). */
  raw: string;
}
