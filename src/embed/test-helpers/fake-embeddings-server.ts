/**
 * A fake OpenAI-compatible embeddings server for tests: node:http on 127.0.0.1, a random port,
 * `POST /v1/embeddings` with `{model, input: string[]}` answered in OpenAI's shape, with vectors
 * derived from sha256(model, text) (deterministic, not normalised, so the client's normalisation
 * is exercised) and `data` in reverse order (so the client's sort by `index` is too). It plays
 * scripted faults on the next requests and records every request.
 */
import { createHash } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type EmbeddingsFault =
  | { kind: "ok" }
  /** An error status with OpenAI's JSON error body; `echoAuth` puts the caller's Authorization header in it. */
  | { kind: "status"; status: number; message?: string; code?: string; echoAuth?: boolean }
  /** A body that is not JSON. */
  | { kind: "not-json" }
  /** A 200 whose body lacks `data`. */
  | { kind: "no-data" }
  /** The answer after `ms` milliseconds. */
  | { kind: "slow"; ms: number };

export interface FakeEmbeddingsRequest {
  path: string;
  model: string;
  input: string[];
  authorization: string | null;
}

export interface FakeEmbeddingsServer {
  /** url + "/v1": the base URL to give the embedder. */
  baseUrl: string;
  requests: FakeEmbeddingsRequest[];
  faults: EmbeddingsFault[];
  /** The raw (unnormalised) vector the server gives `text`. */
  vectorOf(text: string, model: string): number[];
  close(): Promise<void>;
}

export const FAKE_DIM = 16;

export function fakeVector(text: string, model: string): number[] {
  const h = createHash("sha256").update(`${model}\n${text}`).digest();
  return Array.from({ length: FAKE_DIM }, (_, i) => ((h[i] ?? 0) - 127.5) / 10);
}

export async function startFakeEmbeddingsServer(
  opts: { faults?: EmbeddingsFault[]; models?: string[] } = {},
): Promise<FakeEmbeddingsServer> {
  const requests: FakeEmbeddingsRequest[] = [];
  const faults = [...(opts.faults ?? [])];
  const timers = new Set<NodeJS.Timeout>();
  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (res.destroyed) return;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, {
      "content-type": typeof body === "string" ? "text/html" : "application/json",
      "content-length": String(Buffer.byteLength(text)),
    });
    res.end(text);
  };
  const apiError = (message: string, code: string | null = null) => ({
    error: { message, type: "invalid_request_error", param: null, code },
  });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").replace(/\?.*$/, "");
      let body: { model?: unknown; input?: unknown } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        // answered below as a bad request
      }
      const model = typeof body.model === "string" ? body.model : "";
      const input = Array.isArray(body.input) ? (body.input as string[]) : [];
      const authorization = req.headers.authorization ?? null;
      requests.push({ path, model, input, authorization });
      if (req.method !== "POST" || path !== "/v1/embeddings") {
        return send(res, 404, apiError(`Invalid URL (${req.method} ${path})`));
      }
      if (!model || !Array.isArray(body.input)) {
        return send(res, 400, apiError("you must provide a model and an input list"));
      }
      if (opts.models && !opts.models.includes(model)) {
        return send(res, 404, apiError(`The model \`${model}\` does not exist`, "model_not_found"));
      }
      const fault = faults.shift() ?? { kind: "ok" };
      const answer = () => {
        if (fault.kind === "status") {
          const message =
            (fault.message ?? `fake error ${fault.status}`) +
            (fault.echoAuth ? ` (you sent: ${authorization ?? "nothing"})` : "");
          return send(res, fault.status, apiError(message, fault.code ?? null));
        }
        if (fault.kind === "not-json") return send(res, 502, "<html>502 Bad Gateway</html>");
        if (fault.kind === "no-data") return send(res, 200, { object: "list", model });
        const data = input
          .map((text, index) => ({
            object: "embedding",
            index,
            embedding: fakeVector(text, model),
          }))
          .reverse();
        return send(res, 200, {
          object: "list",
          data,
          model,
          usage: { prompt_tokens: input.length, total_tokens: input.length },
        });
      };
      if (fault.kind === "slow") {
        const t = setTimeout(() => {
          timers.delete(t);
          answer();
        }, fault.ms);
        timers.add(t);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${url}/v1`,
    requests,
    faults,
    vectorOf: fakeVector,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
