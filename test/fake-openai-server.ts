/**
 * A fake model server for tests and benchmarks: node:http on 127.0.0.1, a random port.
 *
 * It speaks the OpenAI API (`POST /v1/completions`, `POST /v1/chat/completions`) and Ollama's
 * native API (`POST /api/generate`, `POST /api/chat`) with the real response shapes, and answers
 * with deterministic next-token log-probabilities: fixed per prompt (`prompts`), from a function
 * (`distribution`), or by default derived from sha256(model, prompt). It plays scripted faults on
 * the next requests (429 with retry-after, 5xx, slow, no logprobs, unknown model, non-JSON, a cut
 * connection) and records every request.
 *
 * The "prompt" of a request is its `prompt` string, or for chat the content of the last message.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeToken {
  token: string;
  logprob: number;
}

export type FakeFault =
  /** Answer normally (to place a later fault on a later request). */
  | { kind: "ok" }
  /** An error status with the API's JSON error body; `echoAuth` puts the caller's Authorization header in the message. */
  | {
      kind: "status";
      status: number;
      message?: string;
      code?: string;
      headers?: Record<string, string>;
      echoAuth?: boolean;
    }
  /** 429 "rate limit reached" with `retry-after: seconds` (when given). */
  | { kind: "rate-limit"; retryAfterSeconds?: number }
  /** A non-JSON body (an HTML error page or a proxy's text) with this status. */
  | { kind: "not-json"; status: number }
  /** The answer after `ms` milliseconds. */
  | { kind: "slow"; ms: number }
  /** A 200 answer without log-probabilities (as servers that ignore the parameter do). */
  | { kind: "no-logprobs" }
  /** The API's own "model not found" 404. */
  | { kind: "unknown-model" }
  /** Headers sent, then the connection destroyed. */
  | { kind: "cut-connection" };

export interface FakeModelServerOptions {
  /** Models the server knows; others get the API's "model not found" 404 (default: any model). */
  models?: string[];
  /** Fixed next-token candidates for some prompts (any order; sorted when served). */
  prompts?: Record<string, FakeToken[]>;
  /** Next-token candidates for the other prompts (default: derived from sha256(model, prompt)). */
  distribution?: (prompt: string, model: string) => FakeToken[];
  /** Generated text (default: "fake answer: " + the start of the prompt). */
  generateText?: (prompt: string, model: string) => string;
  /** The model name the server reports (default: the requested one + "-fake-0001"). */
  reportModel?: (model: string) => string;
  /** Faults for the next requests, in order (push more at any time through `faults`). */
  faults?: FakeFault[];
  /** A fault every request for this prompt gets, every time. */
  promptFaults?: Record<string, FakeFault>;
  /** Delay before every answer, ms. */
  delayMs?: number;
  /**
   * Shape of /v1/completions log-probabilities: OpenAI/vLLM's `top_logprobs: [{token: lp}]`
   * (default) or llama.cpp server's `content: [{top_logprobs: [{token, logprob}]}]`.
   */
  completionsShape?: "openai" | "llamacpp";
}

export interface FakeRequest {
  method: string;
  path: string;
  body: unknown;
  /** The prompt text the answer was chosen by. */
  prompt: string;
  model: string;
  authorization: string | null;
}

export interface FakeModelServer {
  /** e.g. http://127.0.0.1:41234 (Ollama's base URL). */
  url: string;
  /** url + "/v1" (an OpenAI-compatible base URL). */
  openaiBaseUrl: string;
  requests: FakeRequest[];
  /** Remaining scripted faults. */
  faults: FakeFault[];
  /** The candidates the server would give for a prompt, most likely first (all of them). */
  candidates(prompt: string, model: string): FakeToken[];
  close(): Promise<void>;
}

/** Tokens the default distribution spreads probability over: letters, variants and non-letters. */
export const DEFAULT_VOCAB = [
  " A",
  " B",
  " C",
  " D",
  " E",
  "A",
  "B",
  "▁C",
  "\n",
  " The",
  " I",
  "(A",
];

export function hashedDistribution(prompt: string, model: string): FakeToken[] {
  const h = createHash("sha256").update(`${model}\n${prompt}`).digest();
  const w = DEFAULT_VOCAB.map((_, i) => 1 + (h[i] ?? 0));
  const sum = w.reduce((a, b) => a + b, 0);
  return DEFAULT_VOCAB.map((token, i) => ({ token, logprob: Math.log((w[i] ?? 1) / sum) }));
}

function sorted(tokens: FakeToken[]): FakeToken[] {
  return [...tokens].sort((a, b) => b.logprob - a.logprob || (a.token < b.token ? -1 : 1));
}

type Obj = Record<string, unknown>;

export async function startFakeModelServer(
  opts: FakeModelServerOptions = {},
): Promise<FakeModelServer> {
  const requests: FakeRequest[] = [];
  const faults = [...(opts.faults ?? [])];
  const timers = new Set<NodeJS.Timeout>();
  const known = opts.models ? new Set(opts.models) : null;

  const candidates = (prompt: string, model: string): FakeToken[] =>
    sorted(opts.prompts?.[prompt] ?? (opts.distribution ?? hashedDistribution)(prompt, model));
  const reportModel = opts.reportModel ?? ((m: string) => `${m}-fake-0001`);
  const generateText =
    opts.generateText ?? ((prompt: string) => `fake answer: ${prompt.slice(0, 24)}`);

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
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    if (res.destroyed || res.writableEnded) return;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, {
      "content-type": typeof body === "string" ? "text/html" : "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = (req.url ?? "/").replace(/\?.*$/, "");
    const ollama = path.startsWith("/api/");
    let body: Obj = {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && typeof parsed === "object") body = parsed as Obj;
    } catch {
      // An empty or broken body: answered below as a bad request.
    }
    const model = typeof body.model === "string" ? body.model : "";
    const messages = Array.isArray(body.messages) ? (body.messages as Obj[]) : null;
    const last = messages?.[messages.length - 1];
    const prompt =
      typeof body.prompt === "string"
        ? body.prompt
        : typeof last?.content === "string"
          ? last.content
          : "";
    const authorization = req.headers.authorization ?? null;
    requests.push({ method: req.method ?? "", path, body, prompt, model, authorization });

    const apiError = (message: string, code?: string, type?: string) =>
      ollama
        ? { error: message }
        : {
            error: {
              message,
              type: type ?? "invalid_request_error",
              param: null,
              code: code ?? null,
            },
          };

    const routes = ["/v1/completions", "/v1/chat/completions", "/api/generate", "/api/chat"];
    if (req.method !== "POST" || !routes.includes(path)) {
      return send(res, 404, apiError(`Invalid URL (${req.method} ${path})`));
    }
    if (!model) return send(res, 400, apiError("you must provide a model parameter"));

    const fault: FakeFault = opts.promptFaults?.[prompt] ?? faults.shift() ?? { kind: "ok" };
    const delay = (opts.delayMs ?? 0) + (fault.kind === "slow" ? fault.ms : 0);
    const unknown = fault.kind === "unknown-model" || (known !== null && !known.has(model));

    later(delay, () => {
      if (fault.kind === "cut-connection") {
        if (res.destroyed) return;
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"id":"cmpl-', () => res.socket?.destroy());
        return;
      }
      if (fault.kind === "not-json") {
        return send(res, fault.status, "<html><body><h1>502 Bad Gateway</h1></body></html>");
      }
      if (fault.kind === "rate-limit") {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) {
          headers["retry-after"] = String(fault.retryAfterSeconds);
        }
        return send(
          res,
          429,
          apiError(
            `Rate limit reached for ${model} on requests per min (RPM): Limit 3, Used 3, Requested 1.`,
            "rate_limit_exceeded",
            "requests",
          ),
          headers,
        );
      }
      if (fault.kind === "status") {
        const message =
          (fault.message ?? `fake error ${fault.status}`) +
          (fault.echoAuth ? ` (you sent: ${authorization ?? "nothing"})` : "");
        return send(res, fault.status, apiError(message, fault.code), fault.headers);
      }
      if (unknown) {
        return ollama
          ? send(res, 404, { error: `model "${model}" not found, try pulling it first` })
          : send(
              res,
              404,
              apiError(
                `The model \`${model}\` does not exist or you do not have access to it.`,
                "model_not_found",
              ),
            );
      }
      const noLogprobs = fault.kind === "no-logprobs";
      const all = candidates(prompt, model);
      const top1 = all[0] ?? { token: "", logprob: 0 };
      const served = reportModel(model);
      const created = 1_700_000_000;

      if (ollama) {
        const k = body.logprobs === true ? Number(body.top_logprobs ?? 0) : 0;
        const options = (body.options ?? {}) as Obj;
        const oneToken = options.num_predict === 1;
        const text = oneToken ? top1.token : generateText(prompt, model);
        const out: Obj = {
          model: served,
          created_at: "2025-12-01T10:00:00.000000Z",
          ...(path === "/api/chat"
            ? { message: { role: "assistant", content: text } }
            : { response: text }),
          done: true,
          done_reason: oneToken ? "length" : "stop",
          total_duration: 12_000_000,
          load_duration: 1_000_000,
          prompt_eval_count: 20,
          prompt_eval_duration: 5_000_000,
          eval_count: 1,
          eval_duration: 2_000_000,
        };
        if (body.logprobs === true && !noLogprobs) {
          const bytes = (t: string) => [...Buffer.from(t)];
          out.logprobs = [
            {
              token: top1.token,
              logprob: top1.logprob,
              bytes: bytes(top1.token),
              top_logprobs: all
                .slice(0, Math.max(0, k))
                .map((t) => ({ token: t.token, logprob: t.logprob, bytes: bytes(t.token) })),
            },
          ];
        }
        return send(res, 200, out);
      }

      const oneToken = body.max_tokens === 1;
      const usage = { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 };
      if (path === "/v1/completions") {
        const k = typeof body.logprobs === "number" ? body.logprobs : null;
        const text = oneToken ? top1.token : generateText(prompt, model);
        let logprobs: unknown = null;
        if (k !== null && !noLogprobs) {
          const top = all.slice(0, k);
          logprobs =
            opts.completionsShape === "llamacpp"
              ? {
                  content: [
                    {
                      id: 32,
                      token: top1.token,
                      bytes: [...Buffer.from(top1.token)],
                      logprob: top1.logprob,
                      top_logprobs: top.map((t, i) => ({
                        id: 100 + i,
                        token: t.token,
                        bytes: [...Buffer.from(t.token)],
                        logprob: t.logprob,
                      })),
                    },
                  ],
                }
              : {
                  tokens: [top1.token],
                  token_logprobs: [top1.logprob],
                  top_logprobs: [Object.fromEntries(top.map((t) => [t.token, t.logprob]))],
                  text_offset: [prompt.length],
                };
        }
        return send(res, 200, {
          id: `cmpl-fake${requests.length}`,
          object: "text_completion",
          created,
          model: served,
          choices: [{ text, index: 0, logprobs, finish_reason: oneToken ? "length" : "stop" }],
          usage,
        });
      }
      // /v1/chat/completions
      const k = body.logprobs === true ? Number(body.top_logprobs ?? 0) : null;
      const text = oneToken ? top1.token.trimStart() : generateText(prompt, model);
      const bytes = (t: string) => [...Buffer.from(t)];
      const logprobs =
        k !== null && !noLogprobs
          ? {
              content: [
                {
                  token: top1.token,
                  logprob: top1.logprob,
                  bytes: bytes(top1.token),
                  top_logprobs: all
                    .slice(0, k)
                    .map((t) => ({ token: t.token, logprob: t.logprob, bytes: bytes(t.token) })),
                },
              ],
              refusal: null,
            }
          : null;
      return send(res, 200, {
        id: `chatcmpl-fake${requests.length}`,
        object: "chat.completion",
        created,
        model: served,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: text, refusal: null },
            logprobs,
            finish_reason: oneToken ? "length" : "stop",
          },
        ],
        usage,
        system_fingerprint: "fp_fake",
      });
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => answer(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    requests,
    faults,
    candidates,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
