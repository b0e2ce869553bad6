/**
 * `--model nearest`: a baseline that needs no model, for the behavior tasks. It answers each test
 * prompt with the response of the most similar train prompt (cosine of lexical feature-hashing
 * vectors, `embed/hashing.ts`): a 1-nearest-neighbour classifier on the TAP tasks and a
 * retrieval baseline on the generation tasks, the floor a trained model should clear. Brute
 * force over the train split, so meant for small datasets such as the demo's.
 */

import type {
  Backend,
  GenerateOptions,
  GenerateResult,
  Prompt,
  TopLogprobsResult,
} from "../../backends/types.js";
import { AvakitError } from "../../core/errors.js";
import { hashingVector } from "../../embed/hashing.js";
import { dot } from "../../embed/types.js";
import { readSplitRecords } from "./dataset-reader.js";

/** The train records' prompts above this count would make brute force too slow to be useful. */
export const NEAREST_MAX_TRAIN = 200_000;

interface TrainEntry {
  task: string;
  vec: Float32Array;
  response: string;
}

export class NearestTrainBaseline implements Backend {
  readonly name = "nearest";
  readonly capabilities = { letterLogprobs: false, promptLogprobs: false, generate: true } as const;
  #train: TrainEntry[] | null = null;

  /** `model` is the dataset folder whose train split answers. */
  constructor(readonly model: string) {}

  private async train(): Promise<TrainEntry[]> {
    if (this.#train) return this.#train;
    const records = await readSplitRecords(this.model, "train");
    if (records.length === 0)
      throw new AvakitError(`nearest: ${this.model} has no train records to answer from`);
    if (records.length > NEAREST_MAX_TRAIN)
      throw new AvakitError(
        `nearest: ${records.length} train records; the brute-force baseline is meant for at most ${NEAREST_MAX_TRAIN} (build a smaller dataset or use --sample)`,
      );
    this.#train = records.map((r) => ({
      task: r.task,
      vec: hashingVector(r.prompt),
      response: r.response,
    }));
    return this.#train;
  }

  async topLogprobs(): Promise<TopLogprobsResult> {
    throw new AvakitError(
      "nearest is a baseline that answers with text; it has no token probabilities",
    );
  }

  async generate(prompt: Prompt, _opts: GenerateOptions): Promise<GenerateResult> {
    const text =
      typeof prompt === "string"
        ? prompt
        : ([...prompt].reverse().find((m) => m.role === "user")?.content ?? "");
    const train = await this.train();
    const v = hashingVector(text);
    let best = 0;
    let bestSim = Number.NEGATIVE_INFINITY;
    // Vectors are unit-length: the dot product is the cosine. Ties go to the first record.
    for (let i = 0; i < train.length; i++) {
      const s = dot(v, train[i]!.vec);
      if (s > bestSim) {
        bestSim = s;
        best = i;
      }
    }
    return { text: train[best]!.response };
  }
}
