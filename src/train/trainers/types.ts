/**
 * One trainer's side of a training package: how a conversation is written, which file
 * describes the data, the config in the trainer's documented schema, the launch command. Each
 * implementation is pure (it returns objects and text; export.ts writes them) and cites the
 * documentation it follows.
 */
import type { TrainExportConfig, TrainerName } from "../config.js";
import type { ChatMessage } from "../conversation.js";

export interface PackageContext {
  cfg: TrainExportConfig;
  /** Conversations in the data file. */
  records: number;
}

export interface DocSource {
  /** What the page specifies, e.g. "dataset format". */
  what: string;
  url: string;
}

export interface TrainerTarget {
  name: TrainerName;
  /** The trainer's name as its authors write it. */
  title: string;
  /** The data file, relative to the package folder (JSON Lines, one conversation a line). */
  dataFile: string;
  /** One conversation as the JSON object of its line. */
  dataRecord(messages: readonly ChatMessage[]): Record<string, unknown>;
  /** Files that tell the trainer how to read the data file (may be none). */
  dataDescription(ctx: PackageContext): { path: string; text: string }[];
  /** The config file, relative to the package folder. */
  configFile: string;
  /** The config, as the object written to `configFile` (YAML). */
  config(ctx: PackageContext): Record<string, unknown>;
  /** The command train.sh runs, in the package folder. */
  launch: string;
  /** Shell lines that install the trainer. */
  install: string[];
  /** The documentation the data format and config follow. */
  docs: DocSource[];
  /** Choices the README should state (template picked, what the loss covers, ...). */
  notes(ctx: PackageContext): string[];
}
