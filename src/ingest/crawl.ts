import { setTimeout as delay } from "node:timers/promises";
import { jitteredBackoff } from "../core/backoff.js";
import { AvakitError, errorMessage } from "../core/errors.js";
import { canonicalJson, sha256 } from "../core/hash.js";
import type { Store } from "../store/store.js";
import { type IngestCounts, Ingestor, redactTokens } from "./ingest.js";
import { stripToken } from "./normalize.js";

/**
 * `avakit crawl`: a client of the Graph API `ads_archive` endpoint (the Meta Ad Library API).
 *
 * Every page is stored together with the cursor to the next page in ONE transaction, so a crawl
 * killed at any moment resumes where it stopped with no ad lost and none stored twice. The access
 * token is sent only as the `access_token` query parameter to the API base's origin, and is
 * stripped or redacted from everything the crawler stores, prints or throws.
 */

/** Every field the ingest normaliser reads. */
export const DEFAULT_FIELDS: readonly string[] = [
  "id",
  "ad_creation_time",
  "ad_creative_bodies",
  "ad_creative_link_captions",
  "ad_creative_link_descriptions",
  "ad_creative_link_titles",
  "ad_delivery_start_time",
  "ad_delivery_stop_time",
  "ad_snapshot_url",
  "bylines",
  "currency",
  "delivery_by_region",
  "demographic_distribution",
  "estimated_audience_size",
  "impressions",
  "languages",
  "page_id",
  "page_name",
  "publisher_platforms",
  "spend",
];

export const DEFAULT_API_BASE = "https://graph.facebook.com";
export const DEFAULT_API_VERSION = "v24.0";
export const DEFAULT_AD_TYPE = "POLITICAL_AND_ISSUE_ADS";
export const DEFAULT_PAGE_SIZE = 250;
export const DEFAULT_MAX_WAIT_MS = 900_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_MAX_RATE_LIMIT_WAITS = 50;

/** Usage (percent of the quota) above which the crawler pauses before its next request. */
export const USAGE_PAUSE_THRESHOLD = 75;

/** What to crawl: these (with the API version) make the crawl key. */
export interface CrawlQuery {
  /** ISO country codes for `ad_reached_countries` (or "ALL"). */
  countries: string[];
  /** `ad_type` (default POLITICAL_AND_ISSUE_ADS). */
  adType?: string;
  /** `ad_delivery_date_min`, YYYY-MM-DD. */
  since?: string;
  /** `ad_delivery_date_max`, YYYY-MM-DD. */
  until?: string;
  searchTerms?: string;
  /** `search_page_ids`, at most 10. */
  pageIds?: string[];
  /** Fields to request (default DEFAULT_FIELDS); `id` is always requested. */
  fields?: string[];
  /** Graph API version, e.g. "v24.0". */
  apiVersion?: string;
}

export interface CrawlOptions extends CrawlQuery {
  /** The access token. Never stored or printed. */
  token: string;
  /** Scheme and host of the Graph API (default https://graph.facebook.com). */
  apiBase?: string;
  /** Page size, the `limit` parameter (default 250); halved when the API asks for less data. */
  limit?: number;
  /** Cap of any single wait, in milliseconds (default 15 minutes). */
  maxWaitMs?: number;
  /** Stop after this many pages in this run (the crawl stays resumable). */
  maxPages?: number;
  /** Crawl again from the first page even if this crawl is complete or part-way. */
  restart?: boolean;
  /** Per-request timeout in milliseconds, body included (default 60 s). */
  requestTimeoutMs?: number;
  /** Tries per page for transient failures (5xx, network, timeout, bad JSON) (default 8). */
  maxAttempts?: number;
  /** Consecutive rate-limit waits on one page before giving up (default 50). */
  maxRateLimitWaits?: number;
  /** First backoff for transient failures, doubled each try, jittered (default 1 s). */
  backoffBaseMs?: number;
  /** First wait after a rate-limit error without a usage estimate, doubled each time (default 60 s). */
  rateLimitBaseMs?: number;
  /** Pause when usage is above 75% and the API gives no estimate (default 60 s). */
  usagePauseMs?: number;
  /** Injectable for tests: waits `ms` milliseconds. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: uniform [0, 1) for the backoff jitter. */
  random?: () => number;
}

export type WaitReason = "rate_limit" | "usage" | "retry";

export interface CrawlStatus {
  crawlKey: string;
  /** Pages and records stored for this crawl, all runs together. */
  totalPages: number;
  totalAds: number;
  /** Pages and records of this run. */
  pages: number;
  ads: number;
  kept: number;
  waits: number;
  /** Current page size. */
  limit: number;
}

/** Callbacks for progress; every text they get is already redacted. */
export interface CrawlHooks {
  onStart?(info: {
    crawlKey: string;
    resumed: boolean;
    restarted: boolean;
    totalPages: number;
    totalAds: number;
  }): void;
  onPage?(status: CrawlStatus): void;
  onWait?(wait: { reason: WaitReason; ms: number; detail: string; attempt: number }): void;
  onPageSize?(change: { from: number; to: number; detail: string }): void;
}

export interface CrawlResult {
  crawlKey: string;
  /** The query parameters of the crawl (no token, no page size). */
  params: CrawlParams;
  /** True when the last page has been stored (now or before). */
  complete: boolean;
  /** True when the crawl was already complete and nothing was fetched. */
  alreadyComplete: boolean;
  /** True when this run continued a crawl stopped part-way. */
  resumed: boolean;
  /** Why this run stopped before the end, if it did. */
  stopped: "max_pages" | null;
  pages: number;
  ads: number;
  totalPages: number;
  totalAds: number;
  counts: IngestCounts;
  /** All waits (rate limits, usage pauses, retry backoffs). */
  waits: number;
  rateLimitWaits: number;
  retries: number;
  waitedMs: number;
  /** The page size at the end (it shrinks when the API asks for less data). */
  limit: number;
}

/** The `ads_archive` query, with the API's own parameter names. */
export interface CrawlParams {
  endpoint: "ads_archive";
  api_version: string;
  ad_reached_countries: string[];
  ad_type: string;
  ad_delivery_date_min?: string;
  ad_delivery_date_max?: string;
  search_terms?: string;
  search_page_ids?: string[];
  fields: string[];
}

/** Scrubs the token (raw and URL-encoded) and any `access_token=...` from a text. */
export function redact(text: string, token?: string): string {
  let out = text;
  if (token && token.length >= 4) {
    const forms = new Set([
      token,
      encodeURIComponent(token),
      new URLSearchParams({ t: token }).toString().slice(2),
    ]);
    for (const f of forms) out = out.split(f).join("[REDACTED]");
  }
  return redactTokens(out);
}

/** A URL without its access_token parameter. */
export function stripTokenFromUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.delete("access_token");
  return u.toString();
}

const COUNTRY_RE = /^(?:[A-Z]{2}|ALL)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);

function isRateLimitCode(code: number): boolean {
  return RATE_LIMIT_CODES.has(code) || (code >= 80000 && code <= 80014);
}

function checkDate(v: string | undefined, flag: string): void {
  if (v === undefined) return;
  const m = DATE_RE.exec(v);
  const ok =
    m !== null &&
    (() => {
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      return d.toISOString().slice(0, 10) === v;
    })();
  if (!ok) throw new AvakitError(`${flag} must be a date YYYY-MM-DD, got "${v}"`);
}

/** Validates the query and puts it in canonical form (what the crawl key hashes). */
export function crawlParams(q: CrawlQuery): CrawlParams {
  const countries = [...new Set(q.countries.map((c) => c.trim().toUpperCase()).filter(Boolean))];
  if (countries.length === 0) throw new AvakitError("give at least one country (--country US)");
  for (const c of countries) {
    if (!COUNTRY_RE.test(c)) {
      throw new AvakitError(
        `--country expects ISO 3166 two-letter codes (US, GB, ...), got "${c}"`,
      );
    }
  }
  countries.sort();
  const adType = (q.adType ?? DEFAULT_AD_TYPE).trim().toUpperCase();
  if (!/^[A-Z_]+$/.test(adType)) {
    throw new AvakitError(
      `--ad-type expects a value like POLITICAL_AND_ISSUE_ADS, got "${adType}"`,
    );
  }
  checkDate(q.since, "--since");
  checkDate(q.until, "--until");
  if (q.since && q.until && q.since > q.until) {
    throw new AvakitError(`--since ${q.since} is after --until ${q.until}`);
  }
  const apiVersion = q.apiVersion ?? DEFAULT_API_VERSION;
  if (!/^v\d+\.\d+$/.test(apiVersion)) {
    throw new AvakitError(`--api-version expects a version like v24.0, got "${apiVersion}"`);
  }
  const fields = [
    ...new Set(["id", ...(q.fields ?? DEFAULT_FIELDS).map((f) => f.trim()).filter(Boolean)]),
  ];
  for (const f of fields) {
    if (!/^[A-Za-z0-9_.{}(),]+$/.test(f)) throw new AvakitError(`--fields: bad field name "${f}"`);
  }
  const params: CrawlParams = {
    endpoint: "ads_archive",
    api_version: apiVersion,
    ad_reached_countries: countries,
    ad_type: adType,
    fields,
  };
  if (q.since) params.ad_delivery_date_min = q.since;
  if (q.until) params.ad_delivery_date_max = q.until;
  const terms = q.searchTerms?.trim();
  if (terms) params.search_terms = terms;
  if (q.pageIds && q.pageIds.length > 0) {
    const ids = [...new Set(q.pageIds.map((p) => p.trim()).filter(Boolean))].sort();
    for (const id of ids) {
      if (!/^\d+$/.test(id))
        throw new AvakitError(`--page-ids expects numeric page ids, got "${id}"`);
    }
    if (ids.length > 10) {
      throw new AvakitError(`--page-ids: the API takes at most 10 page ids, got ${ids.length}`);
    }
    if (ids.length > 0) params.search_page_ids = ids;
  }
  return params;
}

/** sha256 of the canonical JSON of the query: one crawl_state row per key. */
export function crawlKey(params: CrawlParams): string {
  return sha256(canonicalJson(params));
}

/** The first page's URL (no token). */
export function firstPageUrl(apiBase: string, params: CrawlParams, limit: number): string {
  const u = new URL(`${apiBase.replace(/\/+$/, "")}/${params.api_version}/ads_archive`);
  const s = u.searchParams;
  s.set("ad_reached_countries", JSON.stringify(params.ad_reached_countries));
  s.set("ad_type", params.ad_type);
  if (params.ad_delivery_date_min) s.set("ad_delivery_date_min", params.ad_delivery_date_min);
  if (params.ad_delivery_date_max) s.set("ad_delivery_date_max", params.ad_delivery_date_max);
  if (params.search_terms) s.set("search_terms", params.search_terms);
  if (params.search_page_ids) s.set("search_page_ids", `[${params.search_page_ids.join(",")}]`);
  s.set("fields", params.fields.join(","));
  s.set("limit", String(limit));
  return u.toString();
}

interface GraphError {
  message: string;
  type: string | null;
  code: number | null;
  subcode: number | null;
  fbtraceId: string | null;
  isTransient: boolean;
}

function graphError(json: unknown): GraphError | null {
  if (json === null || typeof json !== "object") return null;
  const e = (json as { error?: unknown }).error;
  if (e === null || typeof e !== "object") return null;
  const o = e as Record<string, unknown>;
  const num = (v: unknown) =>
    typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : null;
  return {
    message: typeof o.message === "string" ? o.message : "(no message)",
    type: typeof o.type === "string" ? o.type : null,
    code: num(o.code),
    subcode: num(o.error_subcode),
    fbtraceId: typeof o.fbtrace_id === "string" ? o.fbtrace_id : null,
    isTransient: o.is_transient === true,
  };
}

function describe(e: GraphError, status: number): string {
  const bits = [`HTTP ${status}`];
  if (e.code !== null) bits.push(`code ${e.code}`);
  if (e.subcode !== null) bits.push(`subcode ${e.subcode}`);
  if (e.type) bits.push(e.type);
  if (e.fbtraceId) bits.push(`fbtrace_id ${e.fbtraceId}`);
  return `${e.message} (${bits.join(", ")})`;
}

interface Usage {
  /** Highest of call_count / total_cputime / total_time over the usage headers. */
  pct: number;
  metric: string;
  /** estimated_time_to_regain_access, minutes (0 when none). */
  regainMinutes: number;
}

/** Reads `x-business-use-case-usage` and `x-app-usage`; null when neither is there or parseable. */
export function readUsage(headers: Headers): Usage | null {
  const entries: { header: string; obj: Record<string, unknown> }[] = [];
  const parse = (name: string): unknown => {
    const raw = headers.get(name);
    if (!raw) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  };
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  const buc = parse("x-business-use-case-usage");
  if (isObj(buc)) {
    for (const list of Object.values(buc)) {
      for (const item of Array.isArray(list) ? list : [list]) {
        if (isObj(item)) entries.push({ header: "x-business-use-case-usage", obj: item });
      }
    }
  }
  const app = parse("x-app-usage");
  if (isObj(app)) entries.push({ header: "x-app-usage", obj: app });
  if (entries.length === 0) return null;
  let best: Usage = { pct: 0, metric: "", regainMinutes: 0 };
  for (const { header, obj } of entries) {
    for (const m of ["call_count", "total_cputime", "total_time"]) {
      const v = Number(obj[m]);
      if (Number.isFinite(v) && v > best.pct) best = { ...best, pct: v, metric: `${header} ${m}` };
    }
    const eta = Number(obj.estimated_time_to_regain_access);
    if (Number.isFinite(eta) && eta > best.regainMinutes) best.regainMinutes = eta;
  }
  return best;
}

interface Page {
  data: unknown[];
  next: string | null;
}

/** Fetches pages with the retry, backoff and rate-limit policy. */
class PageFetcher {
  waits = 0;
  rateLimitWaits = 0;
  retries = 0;
  waitedMs = 0;
  /** Pause owed before the next request (usage above the threshold). */
  private pauseMs = 0;
  private pauseDetail = "";
  private readonly base: URL;

  constructor(
    private readonly o: {
      token: string;
      apiBase: string;
      maxWaitMs: number;
      requestTimeoutMs: number;
      maxAttempts: number;
      maxRateLimitWaits: number;
      backoffBaseMs: number;
      rateLimitBaseMs: number;
      usagePauseMs: number;
      sleep: (ms: number) => Promise<void>;
      random: () => number;
    },
    public limit: number,
    private readonly hooks: CrawlHooks,
  ) {
    this.base = new URL(o.apiBase);
  }

  private async wait(reason: WaitReason, ms: number, detail: string, attempt: number) {
    const capped = Math.max(0, Math.min(ms, this.o.maxWaitMs));
    this.waits++;
    if (reason === "retry") this.retries++;
    else this.rateLimitWaits++;
    this.waitedMs += capped;
    this.hooks.onWait?.({ reason, ms: capped, detail: redact(detail, this.o.token), attempt });
    await this.o.sleep(capped);
  }

  /** The URL to send: the stored one on the API base's origin, with page size and token. */
  private requestUrl(stored: string): URL {
    let u = new URL(stored);
    // The token only ever goes to the API base: a cursor URL on another origin is moved onto it.
    if (u.origin !== this.base.origin) u = new URL(u.pathname + u.search, this.base.origin);
    u.searchParams.set("limit", String(this.limit));
    u.searchParams.set("access_token", this.o.token);
    return u;
  }

  private noteUsage(headers: Headers): void {
    const usage = readUsage(headers);
    if (!usage || usage.pct <= USAGE_PAUSE_THRESHOLD) return;
    const ms = usage.regainMinutes > 0 ? usage.regainMinutes * 60_000 : this.o.usagePauseMs;
    if (ms > this.pauseMs) {
      this.pauseMs = ms;
      this.pauseDetail = `usage at ${usage.pct}% (${usage.metric})${usage.regainMinutes > 0 ? `, access regained in ~${usage.regainMinutes} min` : ""}`;
    }
  }

  async fetch(stored: string, pageNo: number): Promise<Page> {
    let attempts = 0;
    let rateWaits = 0;
    const transient = async (problem: string) => {
      attempts++;
      if (attempts >= this.o.maxAttempts) {
        throw new AvakitError(
          `giving up on page ${pageNo} after ${attempts} attempts; last problem: ${problem}`,
        );
      }
      const jittered = jitteredBackoff(
        this.o.backoffBaseMs,
        attempts,
        this.o.maxWaitMs,
        this.o.random,
      );
      await this.wait("retry", jittered, `page ${pageNo}: ${problem}`, attempts);
    };
    for (;;) {
      if (this.pauseMs > 0) {
        const ms = this.pauseMs;
        this.pauseMs = 0;
        await this.wait("usage", ms, this.pauseDetail, 1);
      }
      const url = this.requestUrl(stored);
      let res: Response;
      let body: string;
      try {
        res = await fetch(url, {
          headers: { accept: "application/json" },
          signal: AbortSignal.timeout(this.o.requestTimeoutMs),
        });
        body = await res.text();
      } catch (err) {
        const e = err as Error & { cause?: unknown };
        const problem =
          e.name === "TimeoutError" || e.name === "AbortError"
            ? `no complete response within ${(this.o.requestTimeoutMs / 1000).toFixed(1)}s`
            : `network error: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}`;
        await transient(problem);
        continue;
      }
      this.noteUsage(res.headers);
      let json: unknown;
      let parseFailed = false;
      try {
        json = JSON.parse(body);
      } catch {
        parseFailed = true;
      }
      const gErr = graphError(json);
      if (gErr === null) {
        if (res.ok) {
          if (parseFailed) {
            await transient(`HTTP ${res.status} with a body that is not valid JSON (truncated?)`);
            continue;
          }
          const data = (json as { data?: unknown } | null)?.data;
          if (!Array.isArray(data)) {
            await transient(`HTTP ${res.status} without a "data" list`);
            continue;
          }
          const next = (json as { paging?: { next?: unknown } }).paging?.next;
          return { data, next: typeof next === "string" && next !== "" ? next : null };
        }
        if (res.status === 429) {
          rateWaits = await this.rateLimited(`HTTP 429`, rateWaits, pageNo);
          continue;
        }
        if (res.status >= 500) {
          await transient(`HTTP ${res.status}`);
          continue;
        }
        throw new AvakitError(
          `the Graph API refused the request: HTTP ${res.status} ${body.slice(0, 300)}`,
        );
      }
      const code = gErr.code ?? -1;
      const what = describe(gErr, res.status);
      if (code === 190) {
        throw new AvakitError(
          `access token expired or invalid (code 190); get a new token and rerun to resume (the API said: ${what})`,
        );
      }
      if (isRateLimitCode(code) || res.status === 429) {
        rateWaits = await this.rateLimited(`rate limited: ${what}`, rateWaits, pageNo);
        continue;
      }
      if (code === 1 && this.limit > 1) {
        const from = this.limit;
        this.limit = Math.max(1, Math.floor(this.limit / 2));
        this.hooks.onPageSize?.({
          from,
          to: this.limit,
          detail: redact(`the API asked for less data: ${what}`, this.o.token),
        });
        continue;
      }
      const denied = `permission denied by the Graph API: ${what}; check that the token's app has Ad Library API access and that the account's identity is confirmed`;
      if (code === 10 || (code >= 200 && code <= 299)) throw new AvakitError(denied);
      // The API labels most errors OAuthException, the transient ones (codes 1, 2, 5xx) too.
      if (code === 1 || code === 2 || gErr.isTransient || res.status >= 500) {
        await transient(what);
        continue;
      }
      if (gErr.type === "OAuthException") throw new AvakitError(denied);
      throw new AvakitError(`the Graph API refused the request: ${what}`);
    }
  }

  private async rateLimited(problem: string, rateWaits: number, pageNo: number): Promise<number> {
    if (rateWaits >= this.o.maxRateLimitWaits) {
      throw new AvakitError(
        `still rate limited on page ${pageNo} after ${rateWaits} waits (${problem}); rerun later to resume`,
      );
    }
    // A usage estimate (already noted from this response's headers) beats blind doubling.
    let ms = this.o.rateLimitBaseMs * 2 ** rateWaits;
    let detail = problem;
    if (this.pauseMs > 0) {
      ms = this.pauseMs;
      detail += `; ${this.pauseDetail}`;
      this.pauseMs = 0;
    }
    await this.wait("rate_limit", ms, `page ${pageNo}: ${detail}`, rateWaits + 1);
    return rateWaits + 1;
  }
}

/** Deep copy of a record with every access_token parameter removed and the token redacted. */
function scrub(value: unknown, token: string): unknown {
  if (typeof value === "string") {
    const s = /access_token=/i.test(value) ? stripToken(value) : value;
    return redact(s, token);
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, token));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, token);
    return out;
  }
  return value;
}

function recordText(rec: unknown, token: string): { text: string; value: unknown } {
  const text = JSON.stringify(rec) ?? "null";
  if (!text.includes(token) && !/access_token/i.test(text)) return { text, value: rec };
  const value = scrub(rec, token);
  return { text: JSON.stringify(value), value };
}

interface StateRow {
  next_url: string | null;
  pages: number;
  ads: number;
  done: boolean;
}

async function saveState(
  store: Store,
  key: string,
  paramsJson: string,
  s: { nextUrl: string | null; pages: number; ads: number; done: boolean },
): Promise<void> {
  await store.run(
    `INSERT INTO crawl_state (crawl_key, params, next_url, pages, ads, done, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (crawl_key) DO UPDATE SET params = excluded.params, next_url = excluded.next_url,
       pages = excluded.pages, ads = excluded.ads, done = excluded.done, updated_at = excluded.updated_at`,
    [key, paramsJson, s.nextUrl, s.pages, s.ads, s.done],
  );
}

/** Reads the stored state of a crawl, or null. */
export async function crawlState(store: Store, key: string): Promise<StateRow | null> {
  const rows = await store.query<StateRow>(
    "SELECT next_url, pages, ads, done FROM crawl_state WHERE crawl_key = $1",
    [key],
  );
  const r = rows[0];
  if (!r) return null;
  return { next_url: r.next_url, pages: Number(r.pages), ads: Number(r.ads), done: !!r.done };
}

function positive(v: number | undefined, fallback: number, what: string, min = 1): number {
  const n = v ?? fallback;
  if (!Number.isFinite(n) || n < min) throw new AvakitError(`${what} must be at least ${min}`);
  return n;
}

/**
 * Crawls `ads_archive` into the store, resuming a crawl with the same query that stopped
 * part-way. Throws AvakitError (token redacted) on a fatal API error; pages stored stay.
 */
export async function crawl(
  store: Store,
  options: CrawlOptions,
  hooks: CrawlHooks = {},
): Promise<CrawlResult> {
  const token = options.token.trim();
  if (!token) throw new AvakitError("no access token given");
  try {
    return await crawlInner(store, { ...options, token }, hooks);
  } catch (err) {
    if (err instanceof AvakitError) throw new AvakitError(redact(err.message, token));
    throw new AvakitError(redact(`crawl failed: ${errorMessage(err)}`, token));
  }
}

async function crawlInner(
  store: Store,
  options: CrawlOptions,
  hooks: CrawlHooks,
): Promise<CrawlResult> {
  const token = options.token;
  const params = crawlParams(options);
  const key = crawlKey(params);
  const paramsJson = canonicalJson(params);
  const apiBase = options.apiBase ?? DEFAULT_API_BASE;
  try {
    const b = new URL(apiBase);
    if (b.protocol !== "https:" && b.protocol !== "http:") throw new Error("not http(s)");
  } catch {
    throw new AvakitError(`--api-base must be an http(s) URL, got "${apiBase}"`);
  }
  const limit = Math.floor(positive(options.limit, DEFAULT_PAGE_SIZE, "--limit"));
  const maxPages = options.maxPages;
  if (maxPages !== undefined) positive(maxPages, 1, "--max-pages");
  const fetcher = new PageFetcher(
    {
      token,
      apiBase,
      maxWaitMs: positive(options.maxWaitMs, DEFAULT_MAX_WAIT_MS, "--max-wait", 0),
      requestTimeoutMs: positive(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, "timeout"),
      maxAttempts: positive(options.maxAttempts, DEFAULT_MAX_ATTEMPTS, "max attempts"),
      maxRateLimitWaits: positive(
        options.maxRateLimitWaits,
        DEFAULT_MAX_RATE_LIMIT_WAITS,
        "max rate-limit waits",
        0,
      ),
      backoffBaseMs: positive(options.backoffBaseMs, 1000, "backoff", 0),
      rateLimitBaseMs: positive(options.rateLimitBaseMs, 60_000, "rate-limit wait", 0),
      usagePauseMs: positive(options.usagePauseMs, 60_000, "usage pause", 0),
      sleep: options.sleep ?? ((ms: number) => delay(ms)),
      random: options.random ?? Math.random,
    },
    limit,
    hooks,
  );

  const state = await crawlState(store, key);
  const result: CrawlResult = {
    crawlKey: key,
    params,
    complete: false,
    alreadyComplete: false,
    resumed: false,
    stopped: null,
    pages: 0,
    ads: 0,
    totalPages: state?.pages ?? 0,
    totalAds: state?.ads ?? 0,
    counts: { read: 0, kept: 0, unchanged: 0, quarantined: {}, duplicates: 0 },
    waits: 0,
    rateLimitWaits: 0,
    retries: 0,
    waitedMs: 0,
    limit,
  };
  if (state?.done && !options.restart) {
    result.complete = true;
    result.alreadyComplete = true;
    return result;
  }
  let cursor: string;
  if (state && !state.done && !options.restart && state.next_url) {
    cursor = state.next_url;
    result.resumed = true;
  } else {
    cursor = firstPageUrl(apiBase, params, limit);
    result.totalPages = 0;
    result.totalAds = 0;
    await saveState(store, key, paramsJson, { nextUrl: cursor, pages: 0, ads: 0, done: false });
  }
  hooks.onStart?.({
    crawlKey: key,
    resumed: result.resumed,
    restarted: options.restart === true && state !== null,
    totalPages: result.totalPages,
    totalAds: result.totalAds,
  });

  const source = `crawl:${key.slice(0, 12)}`;
  const ingestor = await Ingestor.create(store, { kind: "crawl", inputs: [key] });
  const sync = () => {
    result.waits = fetcher.waits;
    result.rateLimitWaits = fetcher.rateLimitWaits;
    result.retries = fetcher.retries;
    result.waitedMs = fetcher.waitedMs;
    result.limit = fetcher.limit;
  };
  try {
    for (;;) {
      if (maxPages !== undefined && result.pages >= maxPages) {
        result.stopped = "max_pages";
        break;
      }
      const pageNo = result.totalPages + 1;
      const page = await fetcher.fetch(cursor, pageNo);
      let line = result.totalAds;
      for (const rec of page.data) {
        line++;
        const { text, value } = recordText(rec, token);
        // One page is one transaction (with its cursor): the batch-full signal is ignored.
        ingestor.accept({ source, line, text, value });
      }
      let next: string | null = null;
      if (page.data.length > 0 && page.next !== null) {
        try {
          next = stripTokenFromUrl(page.next);
        } catch {
          throw new AvakitError(`page ${pageNo}: paging.next is not a URL`);
        }
      }
      const done = next === null;
      const totals = {
        nextUrl: next,
        pages: result.totalPages + 1,
        ads: result.totalAds + page.data.length,
        done,
      };
      await ingestor.flush(() => saveState(store, key, paramsJson, totals));
      result.pages++;
      result.ads += page.data.length;
      result.totalPages = totals.pages;
      result.totalAds = totals.ads;
      sync();
      hooks.onPage?.({
        crawlKey: key,
        totalPages: result.totalPages,
        totalAds: result.totalAds,
        pages: result.pages,
        ads: result.ads,
        kept: ingestor.counts.kept,
        waits: result.waits,
        limit: fetcher.limit,
      });
      if (next === null) {
        result.complete = true;
        break;
      }
      cursor = next;
    }
  } catch (err) {
    sync();
    await ingestor.finish().catch(() => undefined);
    const msg = errorMessage(err);
    throw new AvakitError(
      `${msg} [${result.totalPages} pages, ${result.totalAds} ads of this crawl are stored; the same command resumes]`,
    );
  }
  sync();
  result.counts = await ingestor.finish();
  return result;
}
