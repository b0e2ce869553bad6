import { parseTrainer, type TrainerName } from "../config.js";
import { axolotlTarget } from "./axolotl.js";
import { llamaFactoryTarget } from "./llama-factory.js";
import { trlTarget } from "./trl.js";
import type { TrainerTarget } from "./types.js";

export { axolotlTarget } from "./axolotl.js";
export {
  LLAMA_FACTORY_DATASET,
  llamaFactoryTarget,
  llamaFactoryTemplate,
} from "./llama-factory.js";
export { trlTarget } from "./trl.js";
export type { DocSource, PackageContext, TrainerTarget } from "./types.js";

/** Every trainer a package can be exported for, by name. */
export const TRAINER_TARGETS: Readonly<Record<TrainerName, TrainerTarget>> = {
  trl: trlTarget,
  axolotl: axolotlTarget,
  "llama-factory": llamaFactoryTarget,
};

/** The trainer named, or a UsageError listing the valid ones. */
export function trainerTarget(name: string): TrainerTarget {
  return TRAINER_TARGETS[parseTrainer(name)];
}
