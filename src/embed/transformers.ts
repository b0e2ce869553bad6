import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { AvakitError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { batches, type Embedder, normalizeL2 } from "./types.js";

/**
 * `transformers:PATH`: a sentence-embedding model in ONNX form (the layout of the Xenova/… and
 * onnx-community/… repositories: config.json, tokenizer files, onnx/model*.onnx) run by
 * transformers.js on the CPU: feature extraction, mean pooling over tokens, L2 normalisation,
 * as sentence-transformers does for the MiniLM/MPNet family.
 *
 * Offline by default: the folder must hold the model, and transformers.js is told not to fetch
 * anything. With `allowDownload`, PATH may also be a Hugging Face model id that is fetched once.
 * @huggingface/transformers is an optional dependency, loaded only when this embedder runs.
 */
export const TRANSFORMERS_PACKAGE = "@huggingface/transformers";
const INSTALL_HINT = `install ${TRANSFORMERS_PACKAGE} to use --embedder transformers:PATH`;

export interface TransformersEmbedderOptions {
  /** The model folder (or, with allowDownload, a Hugging Face model id). */
  path: string;
  /** Let transformers.js fetch missing files from the Hugging Face Hub (default false). */
  allowDownload?: boolean;
  /** Texts per forward pass (default 32). */
  batchSize?: number;
}

/** ONNX weight files in the order preferred, with the dtype transformers.js loads them by. */
const WEIGHTS = [
  ["model.onnx", "fp32"],
  ["model_quantized.onnx", "q8"],
  ["model_fp16.onnx", "fp16"],
] as const;

interface FeatureExtractor {
  (
    texts: string[],
    opts: { pooling: "mean"; normalize: boolean },
  ): Promise<{ data: ArrayLike<number>; dims: number[]; dispose?: () => void }>;
  dispose?: () => Promise<void> | void;
}

interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean };
  pipeline(
    task: "feature-extraction",
    model: string,
    opts: Record<string, unknown>,
  ): Promise<FeatureExtractor>;
}

export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly #model: string;
  readonly #dtype: string | undefined;
  readonly #allowDownload: boolean;
  readonly #batchSize: number;
  #pipeline: Promise<FeatureExtractor> | undefined;
  #dim: number | null = null;

  constructor(opts: TransformersEmbedderOptions) {
    this.#allowDownload = opts.allowDownload ?? false;
    this.#batchSize = opts.batchSize ?? 32;
    const folder = resolve(opts.path);
    if (!existsSync(folder)) {
      if (!this.#allowDownload) {
        throw new AvakitError(
          `transformers: model folder ${folder} does not exist (give a local folder with config.json and onnx/model.onnx, or allow downloads)`,
        );
      }
      // A Hub id, fetched by transformers.js; its files are not known before the download.
      this.#model = opts.path;
      this.#dtype = undefined;
      this.id = `transformers:${opts.path}@hub-main`;
      return;
    }
    if (!statSync(folder).isDirectory()) {
      throw new AvakitError(`transformers: ${folder} is not a folder (give the model's folder)`);
    }
    const configPath = join(folder, "config.json");
    if (!existsSync(configPath)) {
      throw new AvakitError(
        `transformers: ${folder} is not a transformers model folder (no config.json)`,
      );
    }
    const weights = WEIGHTS.find(([file]) => existsSync(join(folder, "onnx", file)));
    if (weights === undefined && !this.#allowDownload) {
      throw new AvakitError(
        `transformers: ${folder} has no ONNX weights (expected onnx/model.onnx, onnx/model_quantized.onnx or onnx/model_fp16.onnx)`,
      );
    }
    this.#model = folder;
    this.#dtype = weights?.[1];
    const config = sha256(readFileSync(configPath)).slice(0, 12);
    const variant = this.#dtype === undefined || this.#dtype === "fp32" ? "" : `-${this.#dtype}`;
    this.id = `transformers:${basename(folder)}@${config}${variant}`;
  }

  get dim(): number | null {
    return this.#dim;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const extract = await this.load();
    const out: Float32Array[] = [];
    for (const batch of batches(texts, this.#batchSize)) {
      const tensor = await extract(batch, { pooling: "mean", normalize: true });
      try {
        const [rows, dim] = tensor.dims;
        if (rows !== batch.length || dim === undefined || tensor.data.length !== rows * dim) {
          throw new AvakitError(
            `transformers: ${this.#model} returned a tensor of shape [${tensor.dims.join(", ")}] for ${batch.length} texts; is it a sentence-embedding model?`,
          );
        }
        this.#dim = dim;
        const data = Float32Array.from(tensor.data);
        for (let r = 0; r < rows; r++) {
          out.push(normalizeL2(data.slice(r * dim, (r + 1) * dim)));
        }
      } finally {
        tensor.dispose?.();
      }
    }
    return out;
  }

  async close(): Promise<void> {
    const p = this.#pipeline;
    this.#pipeline = undefined;
    const extractor = p ? await p.catch(() => undefined) : undefined;
    await extractor?.dispose?.();
  }

  private load(): Promise<FeatureExtractor> {
    if (this.#pipeline === undefined) {
      const loading = this.open();
      this.#pipeline = loading;
      loading.catch(() => {
        if (this.#pipeline === loading) this.#pipeline = undefined;
      });
    }
    return this.#pipeline;
  }

  private async open(): Promise<FeatureExtractor> {
    const tf = await importTransformers();
    tf.env.allowLocalModels = true;
    tf.env.allowRemoteModels = this.#allowDownload;
    try {
      return await tf.pipeline("feature-extraction", this.#model, {
        ...(this.#dtype !== undefined ? { dtype: this.#dtype } : {}),
        local_files_only: !this.#allowDownload,
      });
    } catch (err) {
      throw new AvakitError(
        `transformers: cannot load the model from ${this.#model}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}

async function importTransformers(): Promise<TransformersModule> {
  // A specifier in a variable: the package is optional, so neither tsc nor a bundler may require it.
  const name: string = TRANSFORMERS_PACKAGE;
  try {
    return (await import(name)) as TransformersModule;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
    if (missing && (err as Error).message.includes(TRANSFORMERS_PACKAGE)) {
      throw new AvakitError(INSTALL_HINT, { cause: err });
    }
    throw new AvakitError(
      `transformers: cannot load ${TRANSFORMERS_PACKAGE}: ${(err as Error).message} (${INSTALL_HINT})`,
      { cause: err },
    );
  }
}
