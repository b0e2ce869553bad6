import { buildCommand } from "./build.js";
import { cacheCommand } from "./cache.js";
import type { Command } from "./command.js";
import { correlateCommand } from "./correlate.js";
import { crawlCommand } from "./crawl.js";
import { demoCommand } from "./demo.js";
import { evalCommand } from "./eval.js";
import { ingestCommand } from "./ingest.js";
import { leaderboardCommand } from "./leaderboard.js";
import { opinionsCommand } from "./opinions.js";
import { reportCommand } from "./report.js";
import { scoreCommand } from "./score.js";
import { signalsCommand } from "./signals.js";
import { synthCommand } from "./synth.js";
import { trainCommand } from "./train.js";
import { verbalizeCommand } from "./verbalize.js";

/** Every CLI command, in the order `avakit --help` lists them. */
export const commands: Command[] = [
  demoCommand,
  ingestCommand,
  crawlCommand,
  signalsCommand,
  verbalizeCommand,
  buildCommand,
  trainCommand,
  synthCommand,
  opinionsCommand,
  correlateCommand,
  evalCommand,
  leaderboardCommand,
  cacheCommand,
  reportCommand,
  scoreCommand,
];
