import type { Command } from "./command.js";
import { crawlCommand } from "./crawl.js";
import { demoCommand } from "./demo.js";
import { evalCommand } from "./eval.js";
import { ingestCommand } from "./ingest.js";
import { leaderboardCommand } from "./leaderboard.js";
import { opinionsCommand } from "./opinions.js";
import { signalsCommand } from "./signals.js";
import { synthCommand } from "./synth.js";

/** Every CLI command, in the order `avakit --help` lists them. */
export const commands: Command[] = [
  demoCommand,
  ingestCommand,
  crawlCommand,
  signalsCommand,
  synthCommand,
  opinionsCommand,
  evalCommand,
  leaderboardCommand,
];
