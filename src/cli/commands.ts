import type { Command } from "./command.js";
import { crawlCommand } from "./crawl.js";
import { ingestCommand } from "./ingest.js";
import { signalsCommand } from "./signals.js";

/** Every CLI command, in the order `avakit --help` lists them. */
export const commands: Command[] = [ingestCommand, crawlCommand, signalsCommand];
