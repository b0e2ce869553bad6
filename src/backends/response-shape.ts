/** Reading the parts of a server's JSON answer that the backends need, with the path of what is missing. */
import type { TokenLogprob } from "./types.js";

/** A response that is not the shape we read: the message says which path was missing. */
export class ResponseShapeError extends Error {
  override readonly name = "ResponseShapeError";
}

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** A log-probability as servers write it; null → -Infinity (a clamped zero probability). */
export function logprobOf(v: unknown, where: string): number {
  if (typeof v === "number" && !Number.isNaN(v)) return v;
  if (v === null) return Number.NEGATIVE_INFINITY;
  throw new ResponseShapeError(`${where} is not a number (${JSON.stringify(v)})`);
}

/** Most likely first (servers do not all sort, and a JSON object has no order to trust). */
export function sortTokens(tokens: TokenLogprob[]): TokenLogprob[] {
  return tokens.sort((a, b) => b.logprob - a.logprob);
}

/** `[{token, logprob, ...}]` (OpenAI chat, llama.cpp, Ollama) → TokenLogprob[]. */
export function tokenList(list: unknown, where: string): TokenLogprob[] {
  if (!Array.isArray(list)) throw new ResponseShapeError(`${where} is missing`);
  return sortTokens(
    list.map((e, i) => {
      if (!isObj(e) || typeof e.token !== "string") {
        throw new ResponseShapeError(`${where}[${i}] has no token`);
      }
      return { token: e.token, logprob: logprobOf(e.logprob, `${where}[${i}].logprob`) };
    }),
  );
}

/** The `model` a server says answered (OpenAI: a dated snapshot; Ollama: the tag). */
export function serverModelOf(json: unknown): string | undefined {
  return isObj(json) && typeof json.model === "string" && json.model !== ""
    ? json.model
    : undefined;
}

export function withServerModel<T extends object>(
  v: T,
  json: unknown,
): T & { serverModel?: string } {
  const m = serverModelOf(json);
  return m === undefined ? v : { ...v, serverModel: m };
}

/** The start of a JSON value, for error messages. */
export function jsonStart(json: unknown, n = 200): string {
  return (JSON.stringify(json) ?? "").slice(0, n);
}
