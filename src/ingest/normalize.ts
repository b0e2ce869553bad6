import {
  type Ad,
  AGE_GROUPS,
  type AgeGroup,
  type DemographicShare,
  type Gender,
  type QuarantineRule,
  type Range,
  type RegionShare,
} from "../core/types.js";
import { canonicalRegion } from "../signals/geography.js";
import { cleanText } from "./clean-text.js";

/** The fields of an `Ad` that come from the record itself (not from where it was read). */
export type NormalizedAd = Omit<Ad, "source" | "line" | "recordKey">;

export type NormalizeResult =
  | { ok: true; ad: NormalizedAd }
  | { ok: false; rule: QuarantineRule; detail: string; adId: string | null; pageId: string | null };

class InvalidField extends Error {}

function fail(path: string, expected: string, got: unknown): never {
  const shown = got === undefined ? "nothing" : JSON.stringify(got)?.slice(0, 80);
  throw new InvalidField(`${path}: expected ${expected}, got ${shown}`);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function optString(v: unknown, path: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  return fail(path, "a string", v);
}

function stringList(v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === "string") return [v];
  if (!Array.isArray(v)) return fail(path, "a list of strings", v);
  return v.map((x, i) => {
    if (typeof x !== "string") fail(`${path}[${i}]`, "a string", x);
    return x;
  });
}

/** First of the field names present; the API renamed several fields across versions. */
function pick(r: Obj, ...names: string[]): unknown {
  for (const n of names) if (r[n] !== undefined && r[n] !== null) return r[n];
  return undefined;
}

/** Percentages come as strings, sometimes in scientific notation ("2.6E-5"), or numbers. */
export function parseShare(v: unknown, path: string): number {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0) fail(path, "a non-negative number or numeric string", v);
  return n;
}

function parseBound(v: unknown, path: string): number {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0 || !Number.isInteger(n)) fail(path, "a whole number", v);
  return n;
}

/** `{lower_bound, upper_bound}` as strings; no upper bound for the open-ended top range. */
export function parseRange(v: unknown, path: string): Range | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) return fail(path, "{lower_bound, upper_bound}", v);
  const lower = parseBound(v.lower_bound ?? 0, `${path}.lower_bound`);
  const upperRaw = v.upper_bound;
  const upper =
    upperRaw === undefined || upperRaw === null || upperRaw === ""
      ? null
      : parseBound(upperRaw, `${path}.upper_bound`);
  if (upper !== null && upper < lower) fail(path, "upper_bound >= lower_bound", v);
  return { lower, upper };
}

const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Both timestamp forms ("2019-10-30T22:24:19+0000" and "2022-05-01") → "YYYY-MM-DD". The
 * calendar date is taken as written (the API's own offset, +0000 in practice), not shifted.
 */
export function parseDate(v: unknown, path: string): string | null {
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string") return fail(path, "a date string", v);
  const m = DATE_RE.exec(v.trim());
  if (!m) return fail(path, "YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zzzz", v);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  // What Date.UTC accepts back unchanged: years 0-99 would be read as 1900-1999.
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    fail(path, "a real calendar date", v);
  }
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

const AGE_SET = new Set<string>(AGE_GROUPS);

export function normalizeAge(v: string): AgeGroup | "unknown" {
  // A bucket as the API writes it is already normal (no whitespace to remove).
  if (AGE_SET.has(v)) return v as AgeGroup;
  const t = v.trim().replace(/\s+/g, "");
  return AGE_SET.has(t) ? (t as AgeGroup) : "unknown";
}

export function normalizeGender(v: string): Gender | "unknown" {
  if (v === "female" || v === "male" || v === "unknown") return v;
  const t = v.trim().toLowerCase();
  return t === "male" || t === "female" ? t : "unknown";
}

/** Region entries, duplicates merged by summing, canonical names (DC under one name). */
export function parseRegions(v: unknown, path: string): RegionShare[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return fail(path, "a list of {percentage, region}", v);
  // Merged in order of first appearance; a few entries per ad, so a list search beats a Map.
  const out: RegionShare[] = [];
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (!isObj(e)) fail(`${path}[${i}]`, "{percentage, region}", e);
    if (typeof e.region !== "string") fail(`${path}[${i}].region`, "a string", e.region);
    const share = parseShare(e.percentage, `${path}[${i}].percentage`);
    const name = canonicalRegion(e.region);
    let j = 0;
    while (j < out.length && out[j]!.region !== name) j++;
    if (j < out.length) out[j]!.share += share;
    else out.push({ region: name, share: 0 + share }); // 0 + -0 = 0: no "-0" share stored
  }
  return out;
}

export function parseDemographics(v: unknown, path: string): DemographicShare[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return fail(path, "a list of {percentage, age, gender}", v);
  // Merged in order of first appearance (at most 24 distinct cells).
  const out: DemographicShare[] = [];
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (!isObj(e)) fail(`${path}[${i}]`, "{percentage, age, gender}", e);
    const age = normalizeAge(optString(e.age, `${path}[${i}].age`) ?? "unknown");
    const gender = normalizeGender(optString(e.gender, `${path}[${i}].gender`) ?? "unknown");
    const share = parseShare(e.percentage, `${path}[${i}].percentage`);
    let j = 0;
    while (j < out.length && (out[j]!.age !== age || out[j]!.gender !== gender)) j++;
    if (j < out.length) out[j]!.share += share;
    else out.push({ age, gender, share });
  }
  return out;
}

/**
 * `ad_snapshot_url` without its access_token (old exports embedded the token in it): every
 * `access_token` query parameter is removed, wherever it is and however often it appears.
 */
export function stripToken(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const hashAt = url.indexOf("#", q);
  const query = url.slice(q + 1, hashAt < 0 ? url.length : hashAt);
  // Nothing to remove (the common case): plain ASCII, nothing encoded, no token, no empty param.
  if (query !== "" && !MAYBE_CHANGED.test(query)) return url;
  const kept = query.split("&").filter((p) => p !== "" && !isTokenParam(p));
  return `${url.slice(0, q)}${kept.length > 0 ? `?${kept.join("&")}` : ""}${hashAt < 0 ? "" : url.slice(hashAt)}`;
}

const MAYBE_CHANGED = /[^\x21-\x7e]|%|access_token|&&|^&|&$/i;

function isTokenParam(param: string): boolean {
  const name = param.split("=", 1)[0]!;
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // keep the raw name
  }
  return decoded.trim().toLowerCase() === "access_token";
}

function idFromSnapshotUrl(url: string | null): string | null {
  if (!url) return null;
  const m = /[?&]id=(\d+)/.exec(url);
  return m ? m[1]! : null;
}

/** Applies §3.1's per-record rules: a kept ad, or the rule that drops the record. */
export function normalizeRecord(value: unknown): NormalizeResult {
  if (!isObj(value)) {
    return {
      ok: false,
      rule: "invalid_record",
      detail: `expected an ads_archive object, got ${Array.isArray(value) ? "a list" : typeof value}`,
      adId: null,
      pageId: null,
    };
  }
  const r = value;
  let adId: string | null = null;
  let pageId: string | null = null;
  try {
    const snapshotRaw = optString(r.ad_snapshot_url, "ad_snapshot_url");
    adId = optString(r.id, "id")?.trim() || idFromSnapshotUrl(snapshotRaw);
    pageId = optString(r.page_id, "page_id")?.trim() || null;
    const pageName = optString(r.page_name, "page_name");
    const bodiesRaw = stringList(
      pick(r, "ad_creative_bodies", "ad_creative_body"),
      "ad_creative_bodies",
    );
    const titles = stringList(
      pick(r, "ad_creative_link_titles", "ad_creative_link_title"),
      "ad_creative_link_titles",
    );
    const captions = stringList(
      pick(r, "ad_creative_link_captions", "ad_creative_link_caption"),
      "ad_creative_link_captions",
    );
    const descriptions = stringList(
      pick(r, "ad_creative_link_descriptions", "ad_creative_link_description"),
      "ad_creative_link_descriptions",
    );
    const byline = optString(pick(r, "bylines", "funding_entity"), "bylines");
    const startDate = parseDate(r.ad_delivery_start_time, "ad_delivery_start_time");
    const endDate = parseDate(r.ad_delivery_stop_time, "ad_delivery_stop_time");
    const createdDate = parseDate(r.ad_creation_time, "ad_creation_time");
    const spend = parseRange(r.spend, "spend");
    const impressions = parseRange(r.impressions, "impressions");
    const audienceSize = parseRange(
      pick(r, "estimated_audience_size", "potential_reach"),
      "estimated_audience_size",
    );
    const regionField =
      (r.delivery_by_region === undefined || r.delivery_by_region === null) &&
      r.region_distribution !== undefined &&
      r.region_distribution !== null
        ? "region_distribution"
        : "delivery_by_region";
    const regions = parseRegions(pick(r, "delivery_by_region", "region_distribution"), regionField);
    const demographics = parseDemographics(r.demographic_distribution, "demographic_distribution");
    const platforms = stringList(r.publisher_platforms, "publisher_platforms");
    const languages = stringList(r.languages, "languages");
    const currency = optString(r.currency, "currency");
    const media = stringList(pick(r, "media", "avakit_media"), "media");

    const drop = (rule: QuarantineRule, detail: string): NormalizeResult => ({
      ok: false,
      rule,
      detail,
      adId,
      pageId,
    });
    if (!adId) return drop("missing_id", "no id and no id= in ad_snapshot_url");
    if (!pageId) return drop("missing_page", "no page_id");
    const bodies = bodiesRaw.map(cleanText).filter((b) => b !== "");
    if (bodies.length === 0) return drop("empty_body", "no non-empty ad_creative_bodies");
    if (!startDate) return drop("missing_dates", "no ad_delivery_start_time");
    const total = regions.reduce((a, e) => a + e.share, 0);
    if (regions.length === 0 || total <= 0)
      return drop("missing_location", `no ${regionField} data`);

    const firstNonEmpty = (xs: string[]) => xs.map(cleanText).find((x) => x !== "") ?? null;
    return {
      ok: true,
      ad: {
        adId,
        pageId,
        pageName: pageName?.trim() || null,
        byline: byline?.trim() || null,
        body: bodies[0]!,
        bodies,
        title: firstNonEmpty(titles),
        linkCaption: firstNonEmpty(captions),
        linkDescription: firstNonEmpty(descriptions),
        platforms,
        languages,
        currency: currency?.trim().toUpperCase() || null,
        createdDate,
        startDate,
        endDate,
        spend,
        impressions,
        audienceSize,
        regions,
        demographics,
        snapshotUrl: snapshotRaw ? stripToken(snapshotRaw) : null,
        media,
        synthetic: r.avakit_synthetic === true,
      },
    };
  } catch (err) {
    if (err instanceof InvalidField) {
      return { ok: false, rule: "invalid_record", detail: err.message, adId, pageId };
    }
    throw err;
  }
}
