import { AvakitError } from "../core/errors.js";
import type {
  Backend,
  GenerateResult,
  LetterAnswer,
  LetterItem,
  TopLogprobsResult,
} from "./types.js";

/**
 * The baselines of the OpinionQA paper, which need no model: `uniform` (every offered option
 * equally likely) and `human:GROUP` (a survey group's own answers, e.g. how well the Northeast
 * represents the whole population). They answer letter questions directly through
 * `letterDistribution`; they have no tokens and generate nothing, and say so in `capabilities`.
 */

const NONE = { letterLogprobs: false, promptLogprobs: false, generate: false } as const;

function noTokens(who: string): never {
  throw new AvakitError(
    `${who} is a baseline: it answers multiple-choice questions with a distribution, and has no token probabilities or text to give`,
  );
}

export class UniformBaseline implements Backend {
  readonly name = "uniform";
  readonly model = "";
  readonly capabilities = NONE;

  async topLogprobs(): Promise<TopLogprobsResult> {
    return noTokens("uniform");
  }

  async generate(): Promise<GenerateResult> {
    return noTokens("uniform");
  }

  async letterDistribution(item: LetterItem): Promise<LetterAnswer> {
    const n = item.letters.length;
    if (n === 0) throw new AvakitError(`item ${item.id} offers no answer letters`);
    return { probs: new Array<number>(n).fill(1 / n), mass: 1, lowMass: false };
  }
}

export interface HumanBaselineOptions {
  /**
   * Where the group's distribution comes from (default: `item.human[group]`): return it in the
   * order of `item.letters`, or undefined when the survey has none for this group.
   */
  lookup?: (item: LetterItem, group: string) => number[] | undefined;
}

/** `human:GROUP`: the group's survey distribution, renormalised over the offered options. */
export class HumanBaseline implements Backend {
  readonly name = "human";
  readonly capabilities = NONE;
  readonly #lookup: (item: LetterItem, group: string) => number[] | undefined;

  constructor(
    readonly model: string,
    opts: HumanBaselineOptions = {},
  ) {
    if (model.trim() === "") throw new AvakitError("human: give a group (human:GROUP)");
    this.#lookup = opts.lookup ?? ((item, group) => item.human?.[group]);
  }

  async topLogprobs(): Promise<TopLogprobsResult> {
    return noTokens(`human:${this.model}`);
  }

  async generate(): Promise<GenerateResult> {
    return noTokens(`human:${this.model}`);
  }

  async letterDistribution(item: LetterItem): Promise<LetterAnswer> {
    const dist = this.#lookup(item, this.model);
    if (dist === undefined) {
      const have = Object.keys(item.human ?? {});
      throw new AvakitError(
        `no human distribution for group "${this.model}" on item ${item.id}${have.length > 0 ? ` (it has ${have.slice(0, 8).join(", ")}${have.length > 8 ? ", ..." : ""})` : ""}`,
      );
    }
    if (dist.length !== item.letters.length) {
      throw new AvakitError(
        `the human distribution of group "${this.model}" on item ${item.id} has ${dist.length} values for ${item.letters.length} options`,
      );
    }
    if (dist.some((p) => !Number.isFinite(p) || p < 0)) {
      throw new AvakitError(
        `the human distribution of group "${this.model}" on item ${item.id} has a negative or non-finite value`,
      );
    }
    const total = dist.reduce((a, b) => a + b, 0);
    if (!(total > 0)) {
      throw new AvakitError(
        `the human distribution of group "${this.model}" on item ${item.id} is all zero`,
      );
    }
    return { probs: dist.map((p) => p / total), mass: 1, lowMass: false };
  }
}
