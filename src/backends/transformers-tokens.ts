import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { AvakitError } from "../core/errors.js";
import type { TokenEmbeddings } from "../eval/metrics/bertscore.js";

/**
 * Contextual token embeddings for BERTScore (`--bertscore-model PATH`): a local transformers
 * model folder in ONNX form (config.json, tokenizer files, onnx/model*.onnx; e.g. an ONNX export
 * of roberta-large) run by transformers.js on the CPU. Each text is stripped and encoded alone
 * (no padding) with its special tokens, as bert_score's `sent_encode` does; the vectors are the
 * model's last hidden layer (an ONNX export gives only that one: bert_score's default for
 * roberta-large is layer 17 of 24, so numbers match bert_score only for a model exported at the
 * layer bert_score uses). Offline only: nothing is downloaded. @huggingface/transformers is an
 * optional dependency, loaded with import() when this runs.
 */
export const TRANSFORMERS_TOKENS_PACKAGE = "@huggingface/transformers";

export interface TokenEmbedder {
  /** What to record with the scores (folder name). */
  readonly id: string;
  embedTokens(texts: readonly string[]): Promise<TokenEmbeddings[]>;
  close?(): Promise<void>;
}

interface Tensor {
  data: ArrayLike<number | bigint>;
  dims: number[];
  dispose?: () => void;
}

interface Extractor {
  (text: string, opts: { pooling: "none"; normalize: boolean }): Promise<Tensor>;
  tokenizer: ((text: string, opts?: Record<string, unknown>) => { input_ids: Tensor }) & {
    all_special_ids?: number[];
  };
  dispose?: () => Promise<void> | void;
}

interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean };
  pipeline(
    task: "feature-extraction",
    model: string,
    opts: Record<string, unknown>,
  ): Promise<Extractor>;
}

export interface TransformersTokenEmbedderOptions {
  /** The local model folder. */
  path: string;
  /** How the package is imported (tests replace it). */
  importModule?: () => Promise<unknown>;
}

const WEIGHTS = [
  ["model.onnx", "fp32"],
  ["model_quantized.onnx", "q8"],
  ["model_fp16.onnx", "fp16"],
] as const;

export class TransformersTokenEmbedder implements TokenEmbedder {
  readonly id: string;
  readonly #folder: string;
  readonly #dtype: string;
  readonly #import: () => Promise<unknown>;
  #extractor: Promise<Extractor> | undefined;

  constructor(opts: TransformersTokenEmbedderOptions) {
    const folder = resolve(opts.path);
    if (!existsSync(folder)) {
      throw new AvakitError(
        `--bertscore-model: model folder ${folder} does not exist (give a local folder with config.json, tokenizer files and onnx/model.onnx)`,
      );
    }
    if (!statSync(folder).isDirectory()) {
      throw new AvakitError(`--bertscore-model: ${folder} is not a folder`);
    }
    if (!existsSync(join(folder, "config.json"))) {
      throw new AvakitError(
        `--bertscore-model: ${folder} is not a transformers model folder (no config.json)`,
      );
    }
    const weights = WEIGHTS.find(([file]) => existsSync(join(folder, "onnx", file)));
    if (!weights) {
      throw new AvakitError(
        `--bertscore-model: ${folder} has no ONNX weights (expected onnx/model.onnx, onnx/model_quantized.onnx or onnx/model_fp16.onnx)`,
      );
    }
    this.#folder = folder;
    this.#dtype = weights[1];
    this.id = `transformers:${folder}@${weights[1]}`;
    const name: string = TRANSFORMERS_TOKENS_PACKAGE;
    this.#import = opts.importModule ?? (() => import(name));
  }

  private load(): Promise<Extractor> {
    if (!this.#extractor) {
      const p = this.open();
      this.#extractor = p;
      p.catch(() => {
        if (this.#extractor === p) this.#extractor = undefined;
      });
    }
    return this.#extractor;
  }

  private async open(): Promise<Extractor> {
    let tf: TransformersModule;
    try {
      tf = (await this.#import()) as TransformersModule;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const missing = code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
      throw new AvakitError(
        missing
          ? `install ${TRANSFORMERS_TOKENS_PACKAGE} to compute BERTScore with --bertscore-model`
          : `cannot load ${TRANSFORMERS_TOKENS_PACKAGE}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (typeof tf?.pipeline !== "function") {
      throw new AvakitError(
        `${TRANSFORMERS_TOKENS_PACKAGE} has no pipeline(): an unsupported version?`,
      );
    }
    tf.env.allowLocalModels = true;
    tf.env.allowRemoteModels = false;
    try {
      return await tf.pipeline("feature-extraction", this.#folder, {
        dtype: this.#dtype,
        local_files_only: true,
      });
    } catch (err) {
      throw new AvakitError(
        `--bertscore-model: cannot load the model from ${this.#folder}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  async embedTokens(texts: readonly string[]): Promise<TokenEmbeddings[]> {
    const extract = await this.load();
    const special = new Set(extract.tokenizer.all_special_ids ?? []);
    const out: TokenEmbeddings[] = [];
    for (const raw of texts) {
      const text = raw.trim();
      const ids = Array.from(extract.tokenizer(text).input_ids.data, (v) => Number(v));
      const t = await extract(text, { pooling: "none", normalize: false });
      try {
        const [, seq, dim] = t.dims;
        if (seq !== ids.length || dim === undefined) {
          throw new AvakitError(
            `--bertscore-model: ${this.#folder} returned [${t.dims.join(", ")}] for ${ids.length} tokens`,
          );
        }
        const data = Float32Array.from(t.data as ArrayLike<number>);
        const vectors: Float32Array[] = [];
        for (let i = 0; i < seq; i++) vectors.push(data.slice(i * dim, (i + 1) * dim));
        out.push({ ids, vectors, special: ids.map((id) => special.has(id)) });
      } finally {
        t.dispose?.();
      }
    }
    return out;
  }

  async close(): Promise<void> {
    const p = this.#extractor;
    this.#extractor = undefined;
    const e = p ? await p.catch(() => undefined) : undefined;
    await e?.dispose?.();
  }
}
