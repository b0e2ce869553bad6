/**
 * A fake Graph API `ads_archive` endpoint for tests: node:http on 127.0.0.1, a random port.
 *
 * It serves a fixed dataset in pages the way the real API does (`{data, paging: {cursors, next}}`,
 * `paging.next` carrying the caller's access_token, `ad_snapshot_url` too), answers Graph error
 * JSON for a bad token or a too-large `limit`, and plays scripted faults on the next requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Record_ = Record<string, unknown>;

/** What the next request gets instead of (or on top of) its page; consumed in order. */
export type Fault =
  /** Serve the page normally (to place a later fault on a later request). */
  | { kind: "ok" }
  /** A Graph error: `{"error":{message,type,code,error_subcode,fbtrace_id}}`. */
  | {
      kind: "graph-error";
      code: number;
      status?: number;
      subcode?: number;
      type?: string;
      message?: string;
      /** Put the caller's token in the error message (to test redaction). */
      echoToken?: boolean;
      headers?: Record<string, string>;
    }
  /** A bare HTTP status with a non-JSON body. */
  | { kind: "http"; status: number; body?: string }
  /** The page's JSON cut in half, status 200 and a matching Content-Length. */
  | { kind: "truncated" }
  /** Headers and half the body, then the connection is destroyed. */
  | { kind: "cut-connection" }
  /** The page, after `ms` milliseconds. */
  | { kind: "slow"; ms: number }
  /** The page, with extra response headers (e.g. x-business-use-case-usage). */
  | { kind: "headers"; headers: Record<string, string> };

export interface FakeGraphApiOptions {
  /** The token the server accepts; anything else gets code 190. */
  token: string;
  ads?: Record_[];
  /** A `limit` above this gets code 1 "Please reduce the amount of data...". */
  maxLimit?: number;
  /** Delay before every response, ms. */
  delayMs?: number;
  faults?: Fault[];
  /** Origin written into paging.next (default: the server's own). */
  nextOrigin?: string;
}

export interface SeenRequest {
  path: string;
  /** Query parameters, access_token removed. */
  params: Record<string, string>;
  limit: number;
  after: string | null;
  /** Whether the right token came with the request. */
  tokenOk: boolean;
  /** Host header the request came with. */
  host: string;
}

export interface FakeGraphApi {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  requests: SeenRequest[];
  /** Remaining scripted faults (push more between runs). */
  faults: Fault[];
  /** Pages served successfully. */
  pagesServed(): number;
  close(): Promise<void>;
}

const REGION_SETS: [string, string][][] = [
  [
    ["California", "0.45"],
    ["Texas", "0.30"],
    ["New York", "0.25"],
  ],
  [
    ["Florida", "0.5"],
    ["Georgia", "0.3"],
    ["District of Columbia", "0.2"],
  ],
  [
    ["Ohio", "0.6"],
    ["Michigan", "0.25"],
    ["Pennsylvania", "0.15"],
  ],
];

/**
 * `n` records in the `ads_archive` shape (structure of us-political-2019-10.jsonl), each with a
 * unique id and a unique body. `ad_snapshot_url` gets the caller's token when served.
 */
export function makeAds(n: number, firstId = 2447656412000000): Record_[] {
  const ads: Record_[] = [];
  for (let i = 0; i < n; i++) {
    const id = String(firstId + i);
    const page = i % 5;
    ads.push({
      id,
      page_id: String(30708742052 + page),
      page_name: `Test Page ${page}`,
      ad_creation_time: "2019-10-30T22:24:19+0000",
      ad_creative_bodies: [
        `Ad ${i}: support measure ${i} in the fall election! www.example.org/m${i}`,
      ],
      ad_creative_link_captions: ["www.example.org"],
      ad_creative_link_descriptions: ["Learn more"],
      ad_creative_link_titles: [`Measure ${i}`],
      ad_delivery_start_time: "2019-10-30T22:24:19+0000",
      ad_delivery_stop_time: "2019-11-05T00:00:00+0000",
      ad_snapshot_url: `https://www.facebook.com/ads/archive/render_ad/?id=${id}`,
      bylines: `Committee ${page}`,
      currency: "USD",
      delivery_by_region: REGION_SETS[i % REGION_SETS.length]!.map(([region, percentage]) => ({
        percentage,
        region,
      })),
      demographic_distribution: [
        { percentage: "0.4", age: "25-34", gender: "female" },
        { percentage: "0.35", age: "45-54", gender: "male" },
        { percentage: "0.25", age: "65+", gender: "unknown" },
      ],
      estimated_audience_size: { lower_bound: "1000", upper_bound: "4999" },
      impressions: { lower_bound: "1000", upper_bound: "1999" },
      languages: ["en"],
      publisher_platforms: ["facebook", "instagram"],
      spend: { lower_bound: "100", upper_bound: "199" },
    });
  }
  return ads;
}

/** The client went away (a timed-out or killed crawler). */
function gone(res: ServerResponse): boolean {
  return res.destroyed || res.socket === null || res.socket.destroyed;
}

function graphErrorBody(code: number, message: string, type: string, subcode?: number): string {
  const error: Record<string, unknown> = {
    message,
    type,
    code,
    fbtrace_id: `Afake${code}trace`,
  };
  if (subcode !== undefined) error.error_subcode = subcode;
  return JSON.stringify({ error });
}

export async function startFakeGraphApi(opts: FakeGraphApiOptions): Promise<FakeGraphApi> {
  const ads = opts.ads ?? makeAds(30);
  const requests: SeenRequest[] = [];
  const faults = [...(opts.faults ?? [])];
  const timers = new Set<NodeJS.Timeout>();
  let served = 0;
  let origin = "";

  const later = (ms: number, fn: () => void) => {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    if (gone(res)) return;
    res.writeHead(status, {
      "content-type": "application/json; charset=UTF-8",
      "content-length": String(Buffer.byteLength(body)),
      ...headers,
    });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? "/", origin);
    const token = u.searchParams.get("access_token");
    const params: Record<string, string> = {};
    for (const [k, v] of u.searchParams) if (k !== "access_token") params[k] = v;
    const limit = Number(u.searchParams.get("limit") ?? "25");
    const after = u.searchParams.get("after");
    requests.push({
      path: u.pathname,
      params,
      limit,
      after,
      tokenOk: token === opts.token,
      host: req.headers.host ?? "",
    });
    const fault = faults.shift() ?? { kind: "ok" };
    const delay = opts.delayMs ?? 0;

    if (!/^\/v\d+\.\d+\/ads_archive$/.test(u.pathname)) {
      return later(delay, () =>
        send(res, 400, graphErrorBody(803, "Unknown path components", "OAuthException")),
      );
    }
    if (token !== opts.token) {
      return later(delay, () =>
        send(
          res,
          400,
          graphErrorBody(
            190,
            "Invalid OAuth access token - Cannot parse access token",
            "OAuthException",
          ),
        ),
      );
    }
    const countries = params.ad_reached_countries;
    let countriesOk = false;
    try {
      countriesOk = Array.isArray(JSON.parse(countries ?? ""));
    } catch {
      countriesOk = false;
    }
    if (!countriesOk || !params.fields) {
      return later(delay, () =>
        send(
          res,
          400,
          graphErrorBody(
            100,
            "(#100) The parameter ad_reached_countries is required",
            "OAuthException",
          ),
        ),
      );
    }
    if (fault.kind === "graph-error") {
      const message =
        (fault.message ?? `fake error ${fault.code}`) +
        (fault.echoToken ? ` (token ${opts.token} in request)` : "");
      return later(delay, () =>
        send(
          res,
          fault.status ?? 400,
          graphErrorBody(fault.code, message, fault.type ?? "OAuthException", fault.subcode),
          fault.headers,
        ),
      );
    }
    if (fault.kind === "http") {
      return later(delay, () => {
        if (gone(res)) return;
        const body = fault.body ?? "<html><body>Bad Gateway</body></html>";
        res.writeHead(fault.status, { "content-type": "text/html" });
        res.end(body);
      });
    }
    if (opts.maxLimit !== undefined && limit > opts.maxLimit) {
      return later(delay, () =>
        send(
          res,
          500,
          graphErrorBody(
            1,
            "Please reduce the amount of data you're asking for, then retry your request",
            "OAuthException",
          ),
        ),
      );
    }

    const offset = after ? Number(Buffer.from(after, "base64url").toString().slice(2)) : 0;
    const fields = new Set(params.fields.split(","));
    const slice = ads.slice(offset, offset + limit).map((ad) => {
      const out: Record_ = {};
      for (const [k, v] of Object.entries(ad)) {
        if (!fields.has(k)) continue;
        // Like the real API: the snapshot URL carries the caller's token.
        out[k] = k === "ad_snapshot_url" ? `${v}&access_token=${token}` : v;
      }
      return out;
    });
    const end = offset + slice.length;
    const cursor = (o: number) => Buffer.from(`o:${o}`).toString("base64url");
    const page: Record_ = { data: slice };
    if (slice.length > 0) {
      const paging: Record_ = { cursors: { before: cursor(offset), after: cursor(end) } };
      if (end < ads.length) {
        const next = new URL(u.pathname, opts.nextOrigin ?? origin);
        for (const [k, v] of u.searchParams) next.searchParams.set(k, v);
        next.searchParams.set("after", cursor(end));
        paging.next = next.toString();
      }
      page.paging = paging;
    }
    const body = JSON.stringify(page);

    if (fault.kind === "truncated") {
      return later(delay, () => send(res, 200, body.slice(0, Math.floor(body.length / 2))));
    }
    if (fault.kind === "cut-connection") {
      return later(delay, () => {
        if (gone(res)) return;
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
        });
        res.write(body.slice(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      });
    }
    const wait = delay + (fault.kind === "slow" ? fault.ms : 0);
    const headers = fault.kind === "headers" ? fault.headers : {};
    later(wait, () => {
      if (gone(res)) return;
      served++;
      send(res, 200, body, headers);
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    faults,
    pagesServed: () => served,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
