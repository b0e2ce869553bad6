import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type FakeGraphApi,
  type FakeGraphApiOptions,
  makeAds,
  startFakeGraphApi,
} from "../../test/fake-graph-api.js";
import { AvakitError } from "../core/errors.js";
import { Store } from "../store/store.js";
import {
  type CrawlHooks,
  type CrawlOptions,
  crawl,
  crawlState,
  DEFAULT_FIELDS,
  readUsage,
  redact,
} from "./crawl.js";

const TOKEN = "EAAGm0PX4ZCpsBAFakeTokenZx9Yq7SECRETvalue42";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Env {
  dbPath: string;
  store: Store;
  api: FakeGraphApi;
  sleeps: number[];
  waits: { reason: string; ms: number; detail: string }[];
  /** Every text the hooks received. */
  log: string[];
  run(extra?: Partial<CrawlOptions>): ReturnType<typeof crawl>;
}

async function withEnv(
  apiOpts: Partial<FakeGraphApiOptions>,
  fn: (env: Env) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "avakit-crawl-"));
  const dbPath = join(dir, "t.duckdb");
  const store = await Store.open(dbPath);
  const api = await startFakeGraphApi({ token: TOKEN, ...apiOpts });
  const sleeps: number[] = [];
  const waits: Env["waits"] = [];
  const log: string[] = [];
  const hooks: CrawlHooks = {
    onStart: (s) => log.push(JSON.stringify(s)),
    onPage: (s) => log.push(JSON.stringify(s)),
    onWait: (w) => {
      waits.push(w);
      log.push(w.detail);
    },
    onPageSize: (c) => log.push(JSON.stringify(c)),
  };
  const env: Env = {
    dbPath,
    store,
    api,
    sleeps,
    waits,
    log,
    run: (extra = {}) =>
      crawl(
        store,
        {
          token: TOKEN,
          countries: ["US"],
          apiBase: api.url,
          limit: 5,
          maxWaitMs: 50,
          sleep: async (ms) => {
            sleeps.push(ms);
          },
          ...extra,
        },
        hooks,
      ),
  };
  try {
    await fn(env);
  } finally {
    store.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ad_id → number of rows in `ads`. */
async function storedIds(store: Store): Promise<Map<string, number>> {
  const rows = await store.query<{ ad_id: string; n: number | string }>(
    "SELECT ad_id, count(*) AS n FROM ads GROUP BY ad_id",
  );
  return new Map(rows.map((r) => [r.ad_id, Number(r.n)]));
}

function assertExactlyOnce(ids: Map<string, number>, ads: Record<string, unknown>[]): void {
  for (const [id, n] of ids) assert.equal(n, 1, `ad ${id} stored ${n} times`);
  assert.equal(ids.size, ads.length, "number of distinct ads stored");
  for (const ad of ads) assert.ok(ids.has(String(ad.id)), `ad ${ad.id} missing`);
}

/** Every row of every table as text. */
async function dumpAll(store: Store): Promise<string> {
  const tables = await store.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'",
  );
  assert.ok(tables.length >= 5);
  let out = "";
  for (const { table_name } of tables) {
    const rows = await store.query(`SELECT * FROM "${table_name}"`);
    out += `${table_name}\n${JSON.stringify(rows)}\n`;
  }
  return out;
}

async function quarantined(store: Store): Promise<number> {
  const r = await store.query<{ n: number | string }>("SELECT count(*) AS n FROM quarantine");
  return Number(r[0]!.n);
}

test("pages through the whole result set, stores state, and a second run knows it is complete", async () => {
  const ads = makeAds(23);
  await withEnv({ ads }, async ({ store, api, run }) => {
    const r = await run();
    assert.equal(r.complete, true);
    assert.equal(r.pages, 5);
    assert.equal(r.ads, 23);
    assert.equal(r.counts.kept, 23);
    assert.equal(r.waits, 0);
    assertExactlyOnce(await storedIds(store), ads);
    assert.equal(api.requests.length, 5);
    assert.ok(api.requests.every((q) => q.tokenOk));
    const first = api.requests[0]!;
    assert.equal(first.path, "/v24.0/ads_archive");
    assert.equal(first.params.ad_reached_countries, '["US"]');
    assert.equal(first.params.ad_type, "POLITICAL_AND_ISSUE_ADS");
    assert.deepEqual(first.params.fields!.split(",").sort(), [...DEFAULT_FIELDS].sort());
    assert.equal(first.limit, 5);
    assert.equal(first.after, null);
    assert.ok(api.requests.slice(1).every((q) => q.after !== null));

    const state = await crawlState(store, r.crawlKey);
    assert.deepEqual(state, { next_url: null, pages: 5, ads: 23, done: true });
    const rows = await store.query<{ params: string }>("SELECT params FROM crawl_state");
    assert.equal(JSON.parse(rows[0]!.params).ad_reached_countries[0], "US");
    const src = await store.query<{ source: string; line: number }>(
      "SELECT source, line FROM ads ORDER BY line",
    );
    assert.equal(src[0]!.source, `crawl:${r.crawlKey.slice(0, 12)}`);
    assert.deepEqual(
      src.map((x) => Number(x.line)),
      Array.from({ length: 23 }, (_, i) => i + 1),
    );

    // Same query again: nothing fetched. Another page size is the same crawl.
    const again = await run({ limit: 7 });
    assert.equal(again.alreadyComplete, true);
    assert.equal(again.complete, true);
    assert.equal(api.requests.length, 5);

    // --restart fetches everything again; nothing is stored twice.
    const re = await run({ restart: true, limit: 10 });
    assert.equal(re.complete, true);
    assert.equal(re.pages, 3);
    assert.equal(re.counts.unchanged, 23);
    assert.equal(re.counts.kept, 0);
    assertExactlyOnce(await storedIds(store), ads);

    // A different query is a different crawl.
    const other = await run({ since: "2019-10-01", maxPages: 2 });
    assert.notEqual(other.crawlKey, r.crawlKey);
    assert.equal(other.complete, false);
    assert.equal(other.stopped, "max_pages");
    assert.equal(other.pages, 2);
    assert.equal(api.requests.at(-1)!.params.ad_delivery_date_min, "2019-10-01");
  });
});

test("rate-limit codes 4, 17, 613 and 80004 wait (capped by max wait) and retry the same page", async () => {
  const ads = makeAds(12);
  await withEnv(
    {
      ads,
      faults: [
        {
          kind: "graph-error",
          code: 613,
          message: "Calls to this api have exceeded the rate limit.",
        },
        { kind: "ok" },
        { kind: "graph-error", code: 4, message: "Application request limit reached" },
        { kind: "graph-error", code: 17, message: "User request limit reached" },
        {
          kind: "graph-error",
          code: 80004,
          subcode: 2446079,
          message: "There have been too many calls to this ad-account.",
        },
      ],
    },
    async ({ store, api, run, waits, sleeps }) => {
      const r = await run({ maxWaitMs: 40 });
      assert.equal(r.complete, true);
      assert.equal(r.rateLimitWaits, 4);
      assert.equal(r.retries, 0);
      assert.deepEqual(
        waits.map((w) => w.reason),
        ["rate_limit", "rate_limit", "rate_limit", "rate_limit"],
      );
      assert.ok(sleeps.every((ms) => ms <= 40));
      assert.ok(waits[0]!.detail.includes("613"));
      assertExactlyOnce(await storedIds(store), ads);
      // The failed requests were for the same page as the retry that worked.
      assert.equal(api.requests[2]!.after, api.requests[3]!.after);
      assert.equal(api.requests[3]!.after, api.requests[5]!.after);
    },
  );
});

test("code 1 (reduce the amount of data) halves the page size until the API accepts it", async () => {
  const ads = makeAds(14);
  await withEnv({ ads, maxLimit: 3 }, async ({ store, api, run, log }) => {
    const r = await run({ limit: 12 });
    assert.equal(r.complete, true);
    assert.equal(r.limit, 3);
    assert.deepEqual(
      api.requests.map((q) => q.limit),
      [12, 6, 3, 3, 3, 3, 3],
    );
    assert.equal(r.pages, 5);
    assert.equal(r.waits, 0);
    assert.ok(log.some((l) => l.includes('"from":12') && l.includes('"to":6')));
    assertExactlyOnce(await storedIds(store), ads);
  });
});

test("5xx, a truncated JSON body, a cut connection and a timeout are retried with backoff", async () => {
  const ads = makeAds(15);
  await withEnv(
    {
      ads,
      faults: [
        { kind: "http", status: 502 },
        { kind: "graph-error", code: 2, status: 500, message: "Service temporarily unavailable" },
        { kind: "ok" },
        { kind: "truncated" },
        { kind: "cut-connection" },
        { kind: "ok" },
        { kind: "slow", ms: 3000 },
      ],
    },
    async ({ store, run, waits, sleeps }) => {
      const t0 = performance.now();
      const r = await run({ requestTimeoutMs: 300, maxWaitMs: 20, backoffBaseMs: 10 });
      assert.ok(performance.now() - t0 < 2500, "the slow response was abandoned");
      assert.equal(r.complete, true);
      assert.equal(r.retries, 5);
      assert.equal(r.rateLimitWaits, 0);
      assert.ok(sleeps.every((ms) => ms <= 20));
      const details = waits.map((w) => w.detail).join("\n");
      assert.match(details, /HTTP 502/);
      assert.match(details, /not valid JSON/);
      assert.match(details, /network error/);
      assert.match(details, /no complete response within 0\.3s/);
      assertExactlyOnce(await storedIds(store), ads);
    },
  );
});

test("transient failures give up after the maximum attempts; stored pages stay and the crawl resumes", async () => {
  const ads = makeAds(10);
  const faults = Array.from({ length: 4 }, () => ({ kind: "http" as const, status: 503 }));
  await withEnv({ ads, faults: [{ kind: "ok" }, ...faults] }, async ({ store, api, run }) => {
    await assert.rejects(run({ maxAttempts: 4 }), (err: Error) => {
      assert.ok(err instanceof AvakitError);
      assert.match(err.message, /giving up on page 2 after 4 attempts; last problem: HTTP 503/);
      assert.match(err.message, /1 pages, 5 ads of this crawl are stored/);
      return true;
    });
    assert.equal((await storedIds(store)).size, 5);
    const r = await run();
    assert.equal(r.resumed, true);
    assert.equal(r.complete, true);
    assert.equal(api.requests.length, 6);
    assertExactlyOnce(await storedIds(store), ads);
  });
});

test("code 190 stops at once with a clear message; a rerun with a good token resumes", async () => {
  const ads = makeAds(20);
  await withEnv(
    {
      ads,
      faults: [
        { kind: "ok" },
        { kind: "ok" },
        {
          kind: "graph-error",
          code: 190,
          subcode: 463,
          message: "Error validating access token: Session has expired",
          echoToken: true,
        },
      ],
    },
    async ({ store, api, run, waits }) => {
      await assert.rejects(run(), (err: Error) => {
        assert.ok(err instanceof AvakitError);
        assert.match(
          err.message,
          /access token expired or invalid \(code 190\); get a new token and rerun to resume/,
        );
        assert.ok(!err.message.includes(TOKEN), "token in the error message");
        assert.ok(err.message.includes("[REDACTED]"));
        return true;
      });
      assert.equal(waits.length, 0, "no retry on 190");
      assert.equal(api.requests.length, 3);
      const mid = await store.query<{ pages: number; done: boolean; next_url: string }>(
        "SELECT pages, done, next_url FROM crawl_state",
      );
      assert.equal(Number(mid[0]!.pages), 2);
      assert.equal(mid[0]!.done, false);
      assert.ok(!mid[0]!.next_url.includes("access_token"));

      const r = await run();
      assert.equal(r.resumed, true);
      assert.equal(r.pages, 2);
      assert.equal(r.totalPages, 4);
      assert.equal(api.requests[3]!.after, api.requests[2]!.after);
      assertExactlyOnce(await storedIds(store), ads);
    },
  );
});

test("permission errors (code 10, 200-299, other OAuthException) stop with a clear message", async () => {
  for (const fault of [
    { code: 10, message: "Application does not have permission for this action" },
    { code: 200, message: "Requires ads_read permission" },
    { code: 2332004, message: "App role required", type: "OAuthException" },
  ]) {
    await withEnv(
      { faults: [{ kind: "graph-error", status: 403, echoToken: true, ...fault }] },
      async ({ run, waits }) => {
        await assert.rejects(run(), (err: Error) => {
          assert.ok(err instanceof AvakitError);
          assert.match(err.message, /permission denied by the Graph API/);
          assert.ok(err.message.includes(`code ${fault.code}`));
          assert.ok(!err.message.includes(TOKEN));
          return true;
        });
        assert.equal(waits.length, 0);
      },
    );
  }
  // Other refusals (a bad parameter) stop too, without retrying.
  await withEnv(
    {
      faults: [
        {
          kind: "graph-error",
          code: 100,
          type: "GraphMethodException",
          message: "Invalid parameter",
        },
      ],
    },
    async ({ run, waits }) => {
      await assert.rejects(run(), /the Graph API refused the request: Invalid parameter/);
      assert.equal(waits.length, 0);
    },
  );
});

test("usage headers above 75% pause before the next request, using estimated_time_to_regain_access", async () => {
  const ads = makeAds(15);
  const buc = JSON.stringify({
    "1234567890": [
      {
        type: "ads_archive",
        call_count: 82,
        total_cputime: 10,
        total_time: 12,
        estimated_time_to_regain_access: 3,
      },
    ],
  });
  await withEnv(
    {
      ads,
      faults: [
        { kind: "headers", headers: { "x-business-use-case-usage": buc } },
        { kind: "headers", headers: { "x-app-usage": '{"call_count":10,"total_cputime":90}' } },
        { kind: "headers", headers: { "x-app-usage": '{"call_count":75,"total_time":20}' } },
      ],
    },
    async ({ store, run, waits, sleeps }) => {
      const r = await run({ maxWaitMs: 3_600_000, usagePauseMs: 45_000 });
      assert.equal(r.complete, true);
      assert.deepEqual(
        waits.map((w) => w.reason),
        ["usage", "usage"],
      );
      assert.deepEqual(sleeps, [180_000, 45_000]);
      assert.match(waits[0]!.detail, /usage at 82%/);
      assertExactlyOnce(await storedIds(store), ads);
    },
  );
  // The cap applies to these waits too.
  await withEnv(
    { ads, faults: [{ kind: "headers", headers: { "x-business-use-case-usage": buc } }] },
    async ({ run, sleeps }) => {
      await run({ maxWaitMs: 25 });
      assert.deepEqual(sleeps, [25]);
    },
  );
});

test("readUsage takes the highest metric over both headers", () => {
  const h = new Headers({
    "x-app-usage": '{"call_count":12,"total_cputime":3,"total_time":80}',
    "x-business-use-case-usage": '{"1":[{"call_count":50,"estimated_time_to_regain_access":0}]}',
  });
  assert.deepEqual(readUsage(h), {
    pct: 80,
    metric: "x-app-usage total_time",
    regainMinutes: 0,
  });
  assert.equal(readUsage(new Headers({ "x-app-usage": "not json" })), null);
});

test("the token never reaches the database, the hooks or an error; cursors off the API origin are moved onto it", async () => {
  const ads = makeAds(12);
  // One record the ingest quarantines (empty body): its raw text is stored.
  ads[3] = { ...ads[3], ad_creative_bodies: [""] };
  await withEnv(
    {
      ads,
      nextOrigin: "http://graph.invalid:9",
      faults: [
        { kind: "ok" },
        { kind: "graph-error", code: 613, message: "rate limited", echoToken: true },
        { kind: "http", status: 500, body: `oops ${TOKEN}` },
      ],
    },
    async ({ store, api, run, log }) => {
      const r = await run({ maxWaitMs: 5, backoffBaseMs: 1 });
      assert.equal(r.complete, true);
      assert.equal(await quarantined(store), 1);
      // Every request went to the fake server (the Host header), none to graph.invalid.
      assert.ok(api.requests.every((q) => q.host === new URL(api.url).host));
      const dump = await dumpAll(store);
      assert.ok(dump.includes("render_ad"), "snapshot URLs are stored");
      assert.ok(!dump.includes(TOKEN), "token in the database");
      assert.ok(!dump.includes("access_token="), "access_token parameter in the database");
      const logs = log.join("\n");
      assert.ok(logs.length > 0);
      assert.ok(!logs.includes(TOKEN), "token in the progress/wait texts");
    },
  );
  assert.equal(redact(`url?access_token=${TOKEN}&x=1 and ${TOKEN}`, TOKEN).includes(TOKEN), false);
});

test("bad input is refused before any request", async () => {
  await withEnv({}, async ({ api, run }) => {
    await assert.rejects(run({ since: "2019-13-01" }), /--since must be a date YYYY-MM-DD/);
    await assert.rejects(run({ countries: ["USA"] }), /--country expects ISO/);
    await assert.rejects(run({ pageIds: ["12a"] }), /numeric page ids/);
    await assert.rejects(run({ token: "  " }), /no access token/);
    await assert.rejects(
      run({ since: "2020-01-02", until: "2020-01-01" }),
      /--since 2020-01-02 is after/,
    );
    assert.equal(api.requests.length, 0);
  });
});

// ---- The CLI, as a child process ----

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "crawl", ...args], {
    cwd: ROOT,
    env: { ...process.env, META_ACCESS_TOKEN: TOKEN, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exit = new Promise<Exit>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exit };
}

async function readDb<T>(path: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const s = await Store.open(path);
  try {
    return await fn(s);
  } finally {
    s.close();
  }
}

test("CLI: kill -9 mid-crawl, then rerun: every ad stored exactly once", async () => {
  const ads = makeAds(80);
  const dir = mkdtempSync(join(tmpdir(), "avakit-crawl-cli-"));
  const db = join(dir, "t.duckdb");
  const api = await startFakeGraphApi({ token: TOKEN, ads, delayMs: 15 });
  const args = ["--db", db, "--country", "US", "--api-base", api.url, "--limit", "4"];
  const outputs: string[] = [];
  try {
    {
      // Killed once at least 4 pages in (the 5th request was made after the 4th page committed).
      const killAfter = 5;
      const startServed = api.pagesServed();
      const { child, exit } = spawnCli([...args, "--max-wait", "0.05"]);
      const deadline = Date.now() + 15_000;
      while (api.pagesServed() < startServed + killAfter) {
        if (child.exitCode !== null || Date.now() > deadline) {
          child.kill("SIGKILL");
          const e = await exit;
          assert.fail(`the crawler ended before it was killed: ${e.code}\n${e.stderr}`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
      child.kill("SIGKILL");
      const e = await exit;
      assert.equal(e.signal, "SIGKILL");
      outputs.push(e.stdout, e.stderr);
      const [state, stored] = await readDb(db, async (s) => [
        await s.query<{ pages: number; ads: number; done: boolean; next_url: string }>(
          "SELECT pages, ads, done, next_url FROM crawl_state",
        ),
        await storedIds(s),
      ]);
      assert.equal(state.length, 1);
      // Pages and cursor commit together: the stored ads are exactly the pages the cursor passed.
      assert.equal(stored.size, Number(state[0]!.ads));
      assert.equal(Number(state[0]!.ads), Number(state[0]!.pages) * 4);
      assert.equal(state[0]!.done, false, "killed before the end");
      assert.ok(Number(state[0]!.pages) >= killAfter - 1, `pages stored: ${state[0]!.pages}`);
    }
    const last = spawnCli([...args, "--max-wait", "0.05"]);
    const e = await last.exit;
    outputs.push(e.stdout, e.stderr);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stderr, /resuming crawl/);
    assert.match(e.stdout, /complete, resumed/);
    await readDb(db, async (s) => {
      assertExactlyOnce(await storedIds(s), ads);
      assert.equal(await quarantined(s), 0);
      const st = await s.query<{ pages: number; ads: number; done: boolean; next_url: null }>(
        "SELECT pages, ads, done, next_url FROM crawl_state",
      );
      assert.deepEqual(
        st.map((x) => [Number(x.pages), Number(x.ads), x.done, x.next_url]),
        [[20, 80, true, null]],
      );
      assert.ok(!(await dumpAll(s)).includes(TOKEN));
    });

    // Complete: a rerun says so and fetches nothing.
    const before = api.requests.length;
    const done = await spawnCli(args).exit;
    assert.equal(done.code, 0);
    assert.match(done.stderr, /already complete/);
    assert.equal(api.requests.length, before);
    outputs.push(done.stdout, done.stderr);
    for (const o of outputs) assert.ok(!o.includes(TOKEN), "token in CLI output");
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("CLI: code 190 exits 1 with the message; no token exits 1; --token-file works", async () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-crawl-cli-"));
  const db = join(dir, "t.duckdb");
  const api = await startFakeGraphApi({
    token: TOKEN,
    ads: makeAds(6),
    faults: [{ kind: "graph-error", code: 190, message: "Session has expired", echoToken: true }],
  });
  const args = ["--db", db, "--api-base", api.url, "--limit", "3", "--max-wait", "0.01"];
  try {
    const bad = await spawnCli(args).exit;
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /avakit crawl: access token expired or invalid \(code 190\); get a new token and rerun to resume/,
    );
    assert.ok(!bad.stderr.includes(TOKEN) && !bad.stdout.includes(TOKEN));

    const none = await spawnCli(args, { META_ACCESS_TOKEN: "" }).exit;
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no access token: set META_ACCESS_TOKEN or pass --token-file/);

    const tokenFile = join(dir, "token.txt");
    writeFileSync(tokenFile, `  ${TOKEN}\n`);
    const ok = await spawnCli([...args, "--token-file", tokenFile, "--quiet"], {
      META_ACCESS_TOKEN: "",
    }).exit;
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, "");
    assert.match(ok.stdout, /complete/);
    assert.match(ok.stdout, /kept +6/);
    assert.ok(!ok.stdout.includes(TOKEN));
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
