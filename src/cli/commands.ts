import { buildCommand } from "./build.js";
import type { Command } from "./command.js";
import { crawlCommand } from "./crawl.js";
import { demoCommand } from "./demo.js";
import { evalCommand } from "./eval.js";
import { ingestCommand } from "./ingest.js";
import { leaderboardCommand } from "./leaderboard.js";
import { opinionsCommand } from "./opinions.js";
import { signalsCommand } from "./signals.js";
import { synthCommand } from "./synth.js";
import { verbalizeCommand } from "./verbalize.js";

/** Every CLI command, in the order `avakit --help` lists them. */
export const commands: Command[] = [
  demoCommand,
  ingestCommand,
  crawlCommand,
  signalsCommand,
  verbalizeCommand,
  buildCommand,
  synthCommand,
  opinionsCommand,
  evalCommand,
  leaderboardCommand,
];
