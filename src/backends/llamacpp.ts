import { closeSync, openSync, readSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type {
  ChatHistoryItem,
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  LlamaText,
  Token,
} from "node-llama-cpp";
import { AvakitError, errorMessage } from "../core/errors.js";
import { canonicalJson, fnv1a32, sha256 } from "../core/hash.js";
import type {
  Backend,
  BackendCall,
  ChatMessage,
  GenerateOptions,
  GenerateResult,
  Prompt,
  PromptLogprobsOptions,
  PromptLogprobsResult,
  PromptToken,
  TokenLogprob,
  TopLogprobsOptions,
  TopLogprobsResult,
} from "./types.js";
import { generateCall } from "./types.js";

/**
 * `llamacpp:PATH.gguf`: a GGUF model run in this process by llama.cpp, through node-llama-cpp
 * (pinned 3.21.1, an optional dependency loaded only when this backend is used).
 *
 * - Next-token probabilities come from `controlledEvaluate` with temperature 0 and no top-k,
 *   top-p or min-p, which node-llama-cpp answers with the softmax over the whole vocabulary (the
 *   distribution is not truncated; checked against a model whose distribution has a closed form).
 *   `topLogprobs` returns its k most likely tokens, as the HTTP backends do, so every backend
 *   scores letters from the same top-k.
 * - Prompt log-probabilities (for perplexity): every prompt token is evaluated with the full
 *   next-token distribution, so the log-probability of each token given those before it is exact;
 *   a beginning-of-sequence token is prepended when the model asks for one and is not reported.
 * - Generation: `LlamaCompletion` on the prompt's tokens, with a seed derived from the request
 *   (and `seed`), so a sampled answer is reproducible; top-k and min-p are off, top-p as asked.
 * - A conversation is rendered with the model's own chat template (node-llama-cpp's
 *   `resolveChatWrapper`: the GGUF's Jinja template or the matching built-in wrapper).
 * - Concurrent calls run on `sequences` parallel sequences of one context (llama.cpp batches them).
 */

export interface LlamaCppBackendOptions {
  /** The .gguf file. */
  path: string;
  /** Tokens per sequence (default 4096, capped by the model's training context). */
  contextSize?: number;
  /** Parallel sequences (default 4): how many requests are evaluated together. */
  sequences?: number;
  /** "auto" (default): CUDA, Vulkan or Metal when available, else CPU; false: CPU only. */
  gpu?: "auto" | false | "cuda" | "vulkan" | "metal";
  /** CPU threads (default: node-llama-cpp's choice). */
  threads?: number;
  /** Mixed into every sampled generation's seed (default 0). */
  seed?: number;
}

export const LLAMACPP_DEFAULT_CONTEXT = 4096;
export const LLAMACPP_DEFAULT_SEQUENCES = 4;
/** The most parallel sequences the CLI asks for (from --concurrency). */
export const LLAMACPP_MAX_SEQUENCES = 8;
const FINGERPRINT_BYTES = 4 * 1024 * 1024;

/**
 * What identifies a model file in cache keys: its size and a sha256 of its first and last 4 MiB
 * (the GGUF header and metadata, and the last tensors), not its path or time stamps, so a moved
 * or copied file keeps its cache and a replaced one does not.
 */
export function ggufFingerprint(path: string): string {
  const size = statSync(path).size;
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(Math.min(size, FINGERPRINT_BYTES));
    readSync(fd, head, 0, head.length, 0);
    const tailLen = Math.min(Math.max(0, size - head.length), FINGERPRINT_BYTES);
    const tail = Buffer.alloc(tailLen);
    if (tailLen > 0) readSync(fd, tail, 0, tailLen, size - tailLen);
    const magic = head.subarray(0, 4).toString("latin1");
    if (magic !== "GGUF") {
      throw new AvakitError(
        `llamacpp:${path}: not a GGUF model file (it starts ${JSON.stringify(magic)}, not "GGUF")`,
      );
    }
    return sha256(`${size}:${head.toString("base64")}:${tail.toString("base64")}`).slice(0, 32);
  } finally {
    closeSync(fd);
  }
}

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  nlc: typeof import("node-llama-cpp");
  /** The model's name from its GGUF metadata (reported as the server model). */
  name: string | undefined;
  chatWrapper: ChatWrapper;
}

/** [BOS] when the model wants its prompts to start with one, else []. */
function bosOf(model: LlamaModel): Token[] {
  const bos = model.tokens.bos;
  return bos !== null && model.tokens.shouldPrependBosToken ? [bos] : [];
}

/**
 * Evaluates `tokens` on a cleared sequence and returns, at each position where `want(i)`, the
 * full next-token distribution (temperature 0, no top-k/top-p/min-p: the untruncated softmax).
 */
async function nextDistributions(
  seq: LlamaContextSequence,
  tokens: readonly Token[],
  want: (i: number) => boolean,
): Promise<Array<undefined | { next: { probabilities?: Map<Token, number> } }>> {
  await seq.clearHistory();
  return seq.controlledEvaluate(
    tokens.map((t, i) =>
      want(i) ? [t, { generateNext: { probabilities: true, options: { temperature: 0 } } }] : t,
    ),
  );
}

export class LlamaCppBackend implements Backend {
  readonly name = "llamacpp";
  readonly model: string;
  readonly capabilities = { letterLogprobs: true, promptLogprobs: true, generate: true };
  readonly path: string;
  readonly fingerprint: string;
  readonly #opts: Required<Omit<LlamaCppBackendOptions, "threads">> & {
    threads: number | undefined;
  };
  #loading: Promise<Loaded> | null = null;
  readonly #free: LlamaContextSequence[] = [];
  readonly #waiting: ((s: LlamaContextSequence) => void)[] = [];

  constructor(opts: LlamaCppBackendOptions) {
    if (!opts.path) throw new AvakitError("llamacpp: give a model file (llamacpp:PATH.gguf)");
    this.model = opts.path;
    this.path = resolve(opts.path);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(this.path);
    } catch {
      throw new AvakitError(`llamacpp:${opts.path}: no such model file (${this.path})`);
    }
    if (!st.isFile()) throw new AvakitError(`llamacpp:${opts.path}: not a file`);
    this.fingerprint = ggufFingerprint(this.path);
    const positive = (v: number | undefined, what: string, dflt: number) => {
      if (v === undefined) return dflt;
      if (!Number.isInteger(v) || v < 1) {
        throw new AvakitError(`llamacpp: ${what} must be a positive integer, got ${v}`);
      }
      return v;
    };
    this.#opts = {
      path: this.path,
      contextSize: positive(opts.contextSize, "context size", LLAMACPP_DEFAULT_CONTEXT),
      sequences: positive(opts.sequences, "sequences", LLAMACPP_DEFAULT_SEQUENCES),
      threads: opts.threads === undefined ? undefined : positive(opts.threads, "threads", 1),
      gpu: opts.gpu ?? "auto",
      seed: opts.seed ?? 0,
    };
  }

  /** Loads node-llama-cpp, the model and one context, once. */
  private load(): Promise<Loaded> {
    this.#loading ??= this.doLoad();
    return this.#loading;
  }

  private async doLoad(): Promise<Loaded> {
    let nlc: typeof import("node-llama-cpp");
    try {
      nlc = await import("node-llama-cpp");
    } catch (err) {
      throw new AvakitError(
        `llamacpp:${this.model}: node-llama-cpp is not installed (it is an optional dependency: npm install node-llama-cpp@3.21.1): ${errorMessage(err)}`,
      );
    }
    const where = `llamacpp:${this.model}`;
    let llama: Llama;
    try {
      llama = await nlc.getLlama({
        gpu: this.#opts.gpu,
        build: "never",
        progressLogs: false,
        logLevel: nlc.LlamaLogLevel.error,
      });
    } catch (err) {
      throw new AvakitError(
        `${where}: llama.cpp could not start (no prebuilt binary for this machine?): ${errorMessage(err)}`,
      );
    }
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: this.path });
    } catch (err) {
      await llama.dispose().catch(() => {});
      throw new AvakitError(`${where}: llama.cpp could not load the model: ${errorMessage(err)}`);
    }
    const train = model.trainContextSize;
    const contextSize = Math.min(this.#opts.contextSize, train > 0 ? train : Infinity);
    let context: LlamaContext;
    try {
      context = await model.createContext({
        contextSize,
        sequences: this.#opts.sequences,
        ...(this.#opts.threads !== undefined ? { threads: this.#opts.threads } : {}),
      });
    } catch (err) {
      await model.dispose().catch(() => {});
      await llama.dispose().catch(() => {});
      throw new AvakitError(
        `${where}: could not create a context of ${contextSize} tokens × ${this.#opts.sequences} sequences (try a smaller --ctx-size or --concurrency): ${errorMessage(err)}`,
      );
    }
    for (let i = 0; i < this.#opts.sequences; i++) this.#free.push(context.getSequence());
    const meta = model.fileInfo.metadata as { general?: { name?: unknown } };
    const name = typeof meta.general?.name === "string" ? meta.general.name : undefined;
    const wrapper = nlc.resolveChatWrapper(model);
    return {
      llama,
      model,
      context,
      nlc,
      name,
      chatWrapper: wrapper,
    };
  }

  /** Frees the model and the context; the backend loads them again if used afterwards. */
  async close(): Promise<void> {
    const loading = this.#loading;
    this.#loading = null;
    if (!loading) return;
    let l: Loaded;
    try {
      l = await loading;
    } catch {
      return;
    }
    this.#free.length = 0;
    await l.context.dispose();
    await l.model.dispose();
    await l.llama.dispose();
  }

  private async withSequence<T>(
    fn: (s: LlamaContextSequence, l: Loaded) => Promise<T>,
  ): Promise<T> {
    const l = await this.load();
    const seq =
      this.#free.pop() ?? (await new Promise<LlamaContextSequence>((r) => this.#waiting.push(r)));
    try {
      return await fn(seq, l);
    } finally {
      const next = this.#waiting.shift();
      if (next) next(seq);
      else this.#free.push(seq);
    }
  }

  /** The prompt's tokens: BOS (when the model wants one) + the text, or the rendered chat. */
  private promptTokens(l: Loaded, prompt: Prompt): { tokens: Token[]; stops: LlamaText[] } {
    if (typeof prompt === "string") {
      return { tokens: [...bosOf(l.model), ...l.model.tokenize(prompt, false)], stops: [] };
    }
    const wrapper = l.chatWrapper;
    const history: ChatHistoryItem[] = prompt.map((m: ChatMessage): ChatHistoryItem => {
      if (m.role === "system") return { type: "system", text: m.content };
      if (m.role === "user") return { type: "user", text: m.content };
      return { type: "model", response: [m.content] };
    });
    history.push({ type: "model", response: [] });
    const state = wrapper.generateContextState({ chatHistory: history });
    return {
      tokens: state.contextText.tokenize(l.model.tokenizer),
      stops: state.stopGenerationTriggers,
    };
  }

  private checkFits(l: Loaded, n: number, extra: number): void {
    const size = l.context.contextSize;
    if (n + extra > size) {
      throw new AvakitError(
        `llamacpp:${this.model}: the prompt has ${n} tokens${extra > 0 ? ` and ${extra} more may be generated` : ""}, more than the context of ${size} (raise --ctx-size)`,
      );
    }
    if (n === 0) throw new AvakitError(`llamacpp:${this.model}: the prompt has no tokens`);
  }

  requestKey(call: BackendCall): unknown {
    // The model file's identity and the exact call: what the answer depends on. Sampling settings
    // that this backend fixes (temperature 0 for probabilities, top-k and min-p off) are named so
    // that changing them in a later version changes the key.
    return {
      model: this.fingerprint,
      sampler: "nlc-3.21.1:topk0:minp0",
      seed: this.#opts.seed,
      call,
    };
  }

  async topLogprobs(prompt: Prompt, opts: TopLogprobsOptions): Promise<TopLogprobsResult> {
    if (!Number.isInteger(opts.k) || opts.k < 1) {
      throw new AvakitError(`top-k must be a positive integer, got ${opts.k}`);
    }
    opts.signal?.throwIfAborted();
    return this.withSequence(async (seq, l) => {
      const { tokens } = this.promptTokens(l, prompt);
      this.checkFits(l, tokens.length, 0);
      const last = tokens.length - 1;
      const out = await nextDistributions(seq, tokens, (i) => i === last);
      const probs = out[last]?.next.probabilities;
      if (!probs) throw new AvakitError(`llamacpp:${this.model}: no next-token probabilities`);
      const top: TokenLogprob[] = [];
      for (const [token, p] of probs) {
        if (top.length >= opts.k) break;
        top.push({ token: l.model.detokenize([token], false, tokens), logprob: Math.log(p) });
      }
      return l.name === undefined ? { tokens: top } : { tokens: top, serverModel: l.name };
    });
  }

  async promptLogprobs(
    text: string,
    opts: PromptLogprobsOptions = {},
  ): Promise<PromptLogprobsResult> {
    opts.signal?.throwIfAborted();
    return this.withSequence(async (seq, l) => {
      const textTokens = l.model.tokenize(text, false);
      const bos = bosOf(l.model);
      const first = bos.length;
      const all = [...bos, ...textTokens];
      this.checkFits(l, all.length, 0);
      // The distribution after token i gives the log-probability of token i + 1.
      const out = await nextDistributions(seq, all, (i) => i < all.length - 1);
      const tokens: PromptToken[] = [];
      for (let i = first; i < all.length; i++) {
        const t = all[i]!;
        let logprob: number | null = null;
        if (i > 0) {
          const p = out[i - 1]?.next.probabilities?.get(t);
          logprob = p === undefined ? Number.NEGATIVE_INFINITY : Math.log(p);
        }
        // Character offset: the length of the text the earlier tokens decode to.
        const offset = l.model.detokenize(textTokens.slice(0, i - first), false).length;
        tokens.push({ token: l.model.detokenize([t], false, all.slice(0, i)), offset, logprob });
      }
      return l.name === undefined ? { tokens } : { tokens, serverModel: l.name };
    });
  }

  async generate(prompt: Prompt, opts: GenerateOptions): Promise<GenerateResult> {
    opts.signal?.throwIfAborted();
    const call = generateCall(prompt, opts);
    const seed = (fnv1a32(canonicalJson(call)) ^ this.#opts.seed) >>> 0;
    return this.withSequence(async (seq, l) => {
      const prompted = this.promptTokens(l, prompt);
      this.checkFits(l, prompted.tokens.length, opts.maxTokens);
      // LlamaCompletion puts the beginning-of-sequence token back itself when the model wants one.
      const bos = l.model.tokens.bos;
      const tokens =
        bos !== null && prompted.tokens[0] === bos ? prompted.tokens.slice(1) : prompted.tokens;
      await seq.clearHistory();
      const completion = new l.nlc.LlamaCompletion({ contextSequence: seq });
      try {
        const stopTriggers: (LlamaText | string)[] = [...prompted.stops, ...(opts.stop ?? [])];
        const r = await completion.generateCompletionWithMeta(tokens, {
          disableContextShift: true,
          maxTokens: opts.maxTokens,
          temperature: opts.temperature,
          topK: 0,
          minP: 0,
          topP: opts.topP ?? 1,
          seed,
          ...(stopTriggers.length > 0 ? { customStopTriggers: stopTriggers } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        return l.name === undefined
          ? { text: r.response }
          : { text: r.response, serverModel: l.name };
      } finally {
        completion.dispose({ disposeSequence: false });
      }
    });
  }
}
