import { readFile } from "node:fs/promises";
import { AvakitError, UsageError } from "../core/errors.js";
import { formatSeconds, Progress } from "../core/progress.js";
import {
  type CrawlOptions,
  type CrawlResult,
  crawl,
  DEFAULT_AD_TYPE,
  DEFAULT_API_BASE,
  DEFAULT_API_VERSION,
  DEFAULT_FIELDS,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_PAGE_SIZE,
  redact,
} from "../ingest/crawl.js";
import { formatCounts } from "../ingest/ingest.js";
import { Store } from "../store/store.js";
import { bool, type Command, DB_OPTION, int, str } from "./command.js";

const TOKEN_ENV = "META_ACCESS_TOKEN";

/** The token from --token-file or $META_ACCESS_TOKEN, trimmed; never printed. */
async function readToken(tokenFile: string | undefined): Promise<string> {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(tokenFile, "utf8");
    } catch (err) {
      throw new AvakitError(
        `cannot read --token-file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
      );
    }
    const t = text.trim();
    if (!t) throw new AvakitError(`--token-file ${tokenFile} is empty`);
    return t;
  }
  const t = process.env[TOKEN_ENV]?.trim();
  if (!t) {
    throw new AvakitError(
      `no access token: set ${TOKEN_ENV} or pass --token-file PATH (a Graph API user access token with Ad Library API access)`,
    );
  }
  return t;
}

function list(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

function summary(r: CrawlResult): string {
  const state = r.alreadyComplete
    ? "complete (already; nothing fetched; --restart crawls again)"
    : r.complete
      ? "complete"
      : r.stopped === "max_pages"
        ? "incomplete (stopped at --max-pages; the same command continues)"
        : "incomplete (the same command continues)";
  const lines = [
    `crawl       ${r.crawlKey.slice(0, 12)}  ${state}${r.resumed ? ", resumed" : ""}`,
    `pages       ${r.pages} this run, ${r.totalPages} in all`,
    `ads         ${r.ads} this run, ${r.totalAds} in all`,
    `waits       ${r.waits} (${r.rateLimitWaits} rate-limit, ${r.retries} retry), ${formatSeconds(r.waitedMs / 1000)} waited`,
    `page size   ${r.limit}`,
  ];
  if (!r.alreadyComplete) lines.push(formatCounts(r.counts));
  return lines.join("\n");
}

export const crawlCommand: Command = {
  name: "crawl",
  summary:
    "Crawl the Meta Ad Library API (ads_archive) into the store; resumable, rate-limit aware",
  usage:
    "avakit crawl [--db PATH] [--country US] [--ad-type TYPE] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--search-terms TEXT] [--page-ids ID,ID] [--fields F,F] [--limit N] [--max-pages N] [--max-wait SECONDS] [--token-file PATH] [--restart] [--quiet]",
  options: {
    db: DB_OPTION,
    country: {
      type: "string",
      description: "ad_reached_countries, ISO codes, comma-separated",
      default: "US",
    },
    "ad-type": { type: "string", description: "ad_type", default: DEFAULT_AD_TYPE },
    since: { type: "string", description: "ad_delivery_date_min, YYYY-MM-DD" },
    until: { type: "string", description: "ad_delivery_date_max, YYYY-MM-DD" },
    "search-terms": { type: "string", description: "search_terms" },
    "page-ids": { type: "string", description: "search_page_ids, comma-separated (at most 10)" },
    fields: {
      type: "string",
      description: "fields to request, comma-separated (default: every field the ingest reads)",
    },
    limit: {
      type: "string",
      description: "page size; halved when the API asks for less data",
      default: String(DEFAULT_PAGE_SIZE),
    },
    "api-version": {
      type: "string",
      description: "Graph API version",
      default: DEFAULT_API_VERSION,
    },
    "api-base": { type: "string", description: "Graph API base URL", default: DEFAULT_API_BASE },
    "max-wait": {
      type: "string",
      description: "cap of any single wait (rate limit, backoff), seconds",
      default: String(DEFAULT_MAX_WAIT_MS / 1000),
    },
    "max-pages": { type: "string", description: "stop after N pages (the crawl stays resumable)" },
    "token-file": {
      type: "string",
      description: `file holding the access token (default: $${TOKEN_ENV})`,
    },
    restart: { type: "boolean", description: "crawl again from the first page" },
    quiet: { type: "boolean", description: "no progress on stderr" },
  },
  async run(args) {
    const token = await readToken(str(args, "token-file"));
    const quiet = bool(args, "quiet");
    const maxWait = int(args, "max-wait", DEFAULT_MAX_WAIT_MS / 1000)!;
    if (maxWait < 0) throw new UsageError("--max-wait must be 0 or more seconds");
    const limit = int(args, "limit", DEFAULT_PAGE_SIZE)!;
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit must be a whole number >= 1, got ${limit}`);
    const opts: CrawlOptions = {
      token,
      countries: list(str(args, "country")) ?? [],
      adType: str(args, "ad-type") ?? DEFAULT_AD_TYPE,
      apiVersion: str(args, "api-version") ?? DEFAULT_API_VERSION,
      apiBase: str(args, "api-base") ?? DEFAULT_API_BASE,
      fields: list(str(args, "fields")) ?? [...DEFAULT_FIELDS],
      limit,
      maxWaitMs: maxWait * 1000,
      restart: bool(args, "restart"),
    };
    const since = str(args, "since");
    if (since !== undefined) opts.since = since;
    const until = str(args, "until");
    if (until !== undefined) opts.until = until;
    const terms = str(args, "search-terms");
    if (terms !== undefined) opts.searchTerms = terms;
    const pageIds = list(str(args, "page-ids"));
    if (pageIds !== undefined) opts.pageIds = pageIds;
    const maxPages = int(args, "max-pages");
    if (maxPages !== undefined) {
      if (!Number.isInteger(maxPages) || maxPages < 1)
        throw new UsageError(`--max-pages must be a whole number >= 1, got ${maxPages}`);
      opts.maxPages = maxPages;
    }

    const say = (line: string) => {
      if (!quiet) process.stderr.write(`crawl: ${redact(line, token)}\n`);
    };
    const progress = new Progress({ label: "crawl", unit: "ads", enabled: !quiet });
    const store = await Store.open(str(args, "db")!);
    try {
      const result = await crawl(store, opts, {
        onStart(s) {
          const key = s.crawlKey.slice(0, 12);
          if (s.resumed) {
            say(`resuming crawl ${key} after page ${s.totalPages} (${s.totalAds} ads read before)`);
          } else if (s.restarted) say(`restarting crawl ${key} from the first page`);
          else say(`starting crawl ${key}`);
        },
        onPage(s) {
          progress.update(
            s.ads,
            `${s.kept} kept, page ${s.totalPages}, ${s.waits} waits, page size ${s.limit}`,
          );
        },
        onWait(w) {
          const why =
            w.reason === "retry"
              ? `before retry ${w.attempt}`
              : w.reason === "usage"
                ? "before the next request"
                : `for the rate limit (wait ${w.attempt})`;
          say(`${w.detail}; waiting ${formatSeconds(w.ms / 1000)} ${why}`);
        },
        onPageSize(c) {
          say(`${c.detail}; page size ${c.from} -> ${c.to}`);
        },
      });
      if (result.alreadyComplete) {
        say(
          `crawl ${result.crawlKey.slice(0, 12)} is already complete (${result.totalPages} pages, ${result.totalAds} ads); --restart crawls again`,
        );
      } else {
        progress.done(`${result.counts.kept} kept, ${result.totalPages} pages`);
      }
      process.stdout.write(`${redact(summary(result), token)}\n`);
      return 0;
    } finally {
      store.close();
    }
  },
};
