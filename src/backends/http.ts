import http from "node:http";
import https from "node:https";
import { setTimeout as delay } from "node:timers/promises";
import { jitteredBackoff } from "../core/backoff.js";
import { AvakitError } from "../core/errors.js";

/**
 * JSON over HTTP for the model backends, with the retry policy of `avakit crawl`: jittered
 * exponential backoff on 408/409/429/5xx, network errors and timeouts; `retry-after-ms` /
 * `retry-after` honoured; everything else fails at once with a message naming the server and the
 * model. The API key travels only in the request headers and is scrubbed from every message.
 *
 * The transport is node:http(s) with keep-alive agents rather than fetch: on a loopback server it
 * costs about a third of fetch's CPU per request, which is what keeps avakit itself from being
 * the bottleneck in front of a local GPU server at --concurrency 32.
 */

export interface RetryOptions {
  /** Per-attempt limit in milliseconds, response body included (default 120 s). */
  timeoutMs?: number;
  /** Tries per request for transient failures (default 6). */
  maxAttempts?: number;
  /** First backoff, doubled each try, jittered to 50–100% (default 1 s). */
  backoffBaseMs?: number;
  /** Cap on any single wait, retry-after included (default 60 s). */
  maxWaitMs?: number;
  /** Injectable for tests: waits `ms` milliseconds. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: uniform [0, 1) for the jitter. */
  random?: () => number;
  /** Told about each wait before a retry (texts already redacted). */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  waitMs: number;
  problem: string;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_ATTEMPTS = 6;
export const DEFAULT_BACKOFF_BASE_MS = 1_000;
export const DEFAULT_MAX_WAIT_MS = 60_000;

export type HttpErrorKind =
  | "model_not_found"
  | "not_found"
  | "auth"
  | "rejected"
  | "quota"
  | "not_json"
  | "gave_up"
  | "cancelled";

/** A request that failed for good. `message` is redacted and names server and model. */
export class BackendHttpError extends AvakitError {
  override readonly name = "BackendHttpError";
  constructor(
    message: string,
    readonly kind: HttpErrorKind,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface JsonRequest {
  /** Full endpoint URL. */
  url: string;
  body: unknown;
  /** Extra headers (the Authorization header among them). */
  headers?: Record<string, string>;
  /** Scrubbed from every message (the API key). */
  secret?: string;
  /** How errors name the target, e.g. `openai server http://127.0.0.1:8000/v1`. */
  server: string;
  model: string;
  signal?: AbortSignal;
  /** Extra advice for a rejected request, from the server's own message. */
  hint?: (status: number, serverMessage: string) => string | undefined;
}

const SK_RE = /\bsk-[A-Za-z0-9_-]{12,}/g;
// RFC 6750 b64token characters, so the punctuation around a token survives.
const BEARER_RE = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

/** Scrubs `secret` (raw and URL-encoded), bearer tokens and OpenAI-style keys from a text. */
export function redactSecret(text: string, secret?: string): string {
  let out = text;
  if (secret && secret.length >= 4) {
    for (const f of new Set([secret, encodeURIComponent(secret)])) {
      out = out.split(f).join("[REDACTED]");
    }
  }
  return out.replace(BEARER_RE, "$1[REDACTED]").replace(SK_RE, "sk-[REDACTED]");
}

/** A URL fit for messages and results: no user:password, no query, no trailing slash. */
/**
 * A server's base URL checked and split: `endpoint` (trailing slashes removed, what requests go
 * to) and `display` (no credentials, query or fragment: what messages show).
 */
export function checkBaseUrl(raw: string): { endpoint: string; display: string } {
  const endpoint = raw.replace(/\/+$/, "");
  try {
    new URL(endpoint);
  } catch {
    throw new AvakitError(`--base-url is not a URL: "${displayUrl(endpoint)}"`);
  }
  return { endpoint, display: displayUrl(endpoint) };
}

export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString().replace(/\/+$/, "");
  } catch {
    return url.replace(/\?.*$/, "");
  }
}

/** Anything with `get(name)`, as `Headers` has. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/** Milliseconds a 429/503 asks us to wait: `retry-after-ms`, then `retry-after` (seconds or date). */
export function retryAfterMs(headers: HeaderLookup, now = Date.now()): number | null {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.get("retry-after-ms") !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get("retry-after");
  if (raw === null || raw.trim() === "") return null;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** The human-readable part of an error body: OpenAI `{error:{message}}`, Ollama `{error}`, vLLM `{message}`. */
export function serverMessage(body: string): { message: string; code: string | null } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { message: body.trim().slice(0, 300), code: null };
  }
  const o = (json ?? {}) as Record<string, unknown>;
  const e = o.error;
  if (typeof e === "string") return { message: e.slice(0, 300), code: null };
  if (e !== null && typeof e === "object") {
    const eo = e as Record<string, unknown>;
    const code = typeof eo.code === "string" ? eo.code : null;
    if (typeof eo.message === "string") return { message: eo.message.slice(0, 300), code };
  }
  if (typeof o.message === "string") return { message: o.message.slice(0, 300), code: null };
  if (typeof o.detail === "string") return { message: o.detail.slice(0, 300), code: null };
  return { message: body.trim().slice(0, 300), code: null };
}

function looksLikeUnknownModel(message: string, code: string | null): boolean {
  if (code === "model_not_found") return true;
  return (
    /model/i.test(message) &&
    /(not found|does not exist|doesn't exist|no such|unknown|not available|try pulling)/i.test(
      message,
    )
  );
}

const AGENTS = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY }),
};

interface RawResponse {
  status: number;
  headers: HeaderLookup;
  text: string;
  ok: boolean;
}

/** One POST; rejects on network errors and when `signal` aborts (timeout included), body read included. */
function post(
  url: string,
  headers: Record<string, string>,
  payload: string,
  signal: AbortSignal,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === "https:" ? https : http;
    const agent = u.protocol === "https:" ? AGENTS["https:"] : AGENTS["http:"];
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    const req = mod.request(
      u,
      {
        method: "POST",
        agent,
        signal,
        headers: { ...headers, "content-length": String(Buffer.byteLength(payload)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", fail);
        res.on("aborted", () => fail(new Error("the connection closed before the body ended")));
        res.on("end", () => {
          if (settled) return;
          if (!res.complete) {
            fail(new Error("the connection closed before the body ended"));
            return;
          }
          settled = true;
          const status = res.statusCode ?? 0;
          const raw = res.headers;
          resolve({
            status,
            ok: status >= 200 && status < 300,
            text: Buffer.concat(chunks).toString("utf8"),
            headers: {
              get: (name) => {
                const v = raw[name.toLowerCase()];
                return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
              },
            },
          });
        });
        res.on("close", () => fail(new Error("the connection closed before the body ended")));
      },
    );
    req.on("error", fail);
    req.end(payload);
  });
}

/** AbortSignal.any, which Node has from 20.3 on; a small stand-in before that. */
function anySignal(signals: AbortSignal[]): AbortSignal {
  if (typeof AbortSignal.any === "function") return AbortSignal.any(signals);
  const ac = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      ac.abort(s.reason);
      break;
    }
    s.addEventListener("abort", () => ac.abort(s.reason), { once: true });
  }
  return ac.signal;
}

/** POSTs JSON and returns the parsed JSON of a 2xx answer, retrying what is worth retrying. */
export async function postJson(
  req: JsonRequest,
  opts: RetryOptions = {},
): Promise<{ json: unknown; status: number }> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const base = opts.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const maxWait = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const random = opts.random ?? Math.random;
  const sleep =
    opts.sleep ?? ((ms: number) => delay(ms, undefined, req.signal ? { signal: req.signal } : {}));
  const who = `${req.server} (model "${req.model}")`;
  const red = (s: string) => redactSecret(s, req.secret);
  const payload = JSON.stringify(req.body);
  const headers = {
    "content-type": "application/json",
    accept: "application/json",
    ...req.headers,
  };
  const fail = (kind: HttpErrorKind, status: number | null, message: string) =>
    new BackendHttpError(red(message), kind, status);

  for (let attempt = 1; ; attempt++) {
    if (req.signal?.aborted) throw fail("cancelled", null, `request to ${who} cancelled`);
    let problem: string;
    let waitHint: number | null = null;
    try {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = req.signal ? anySignal([req.signal, timeout]) : timeout;
      const res = await post(req.url, headers, payload, signal);
      const text = res.text;
      if (res.ok) {
        try {
          return { json: JSON.parse(text), status: res.status };
        } catch {
          throw fail(
            "not_json",
            res.status,
            `${who} answered HTTP ${res.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}; is the base URL an OpenAI-compatible API?`,
          );
        }
      }
      const { message, code } = serverMessage(text);
      const said = message ? `: ${message}` : "";
      if (res.status === 429 && code === "insufficient_quota") {
        throw fail("quota", 429, `${who} refused: quota exceeded (HTTP 429)${said}`);
      }
      if (res.status === 429 || res.status === 408 || res.status === 409 || res.status >= 500) {
        problem = `HTTP ${res.status}${said}`;
        waitHint = retryAfterMs(res.headers);
      } else if (looksLikeUnknownModel(message, code)) {
        throw fail(
          "model_not_found",
          res.status,
          `unknown model "${req.model}" at ${req.server} (HTTP ${res.status})${said}`,
        );
      } else if (res.status === 404) {
        throw fail(
          "not_found",
          404,
          `${who}: ${displayUrl(req.url)} not found (HTTP 404)${said}; check the base URL (OpenAI-compatible servers usually end in /v1)`,
        );
      } else if (res.status === 401 || res.status === 403) {
        throw fail(
          "auth",
          res.status,
          `${who} refused the credentials (HTTP ${res.status})${said}; check the API key (OPENAI_API_KEY)`,
        );
      } else {
        const hint = req.hint?.(res.status, message);
        throw fail(
          "rejected",
          res.status,
          `${who} rejected the request (HTTP ${res.status})${said}${hint ? `; ${hint}` : ""}`,
        );
      }
    } catch (err) {
      if (err instanceof BackendHttpError) throw err;
      if (req.signal?.aborted) throw fail("cancelled", null, `request to ${who} cancelled`);
      const e = err as Error & { cause?: unknown };
      problem =
        e.name === "TimeoutError" || e.name === "AbortError"
          ? `no complete response within ${(timeoutMs / 1000).toFixed(1)}s`
          : `network error: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}`;
    }
    if (attempt >= maxAttempts) {
      throw fail(
        "gave_up",
        null,
        `giving up on ${who} after ${attempt} attempts; last problem: ${problem}${/ECONNREFUSED/.test(problem) ? "; is the server running?" : ""}`,
      );
    }
    const jittered = jitteredBackoff(base, attempt, maxWait, random);
    const waitMs = Math.min(waitHint ?? jittered, maxWait);
    opts.onRetry?.({ attempt, waitMs, problem: red(problem) });
    try {
      await sleep(waitMs);
    } catch {
      throw fail("cancelled", null, `request to ${who} cancelled`);
    }
  }
}
