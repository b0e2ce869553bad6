import { compactCache } from "../backends/cache.js";
import { UsageError } from "../core/errors.js";
import { bool, type Command, type ParsedArgs } from "./command.js";

const USAGE = "avakit cache compact DIR [--force]";

export const cacheCommand: Command = {
  name: "cache",
  summary:
    "Compact an eval request cache (--cache DIR): one log with each answer once, cut and damaged lines dropped",
  usage: USAGE,
  positionals: true,
  options: {
    force: {
      type: "boolean",
      description: "compact even when a log was written within the last minute (a running eval)",
    },
  },
  run(args) {
    return cacheRun(args, process.stdout);
  },
};

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

export async function cacheRun(
  args: ParsedArgs,
  stdout: { write(text: string): unknown },
): Promise<number> {
  const [action, dir, ...extra] = args.positionals;
  if (action !== "compact" || !dir || extra.length > 0) {
    throw new UsageError(`usage: ${USAGE}`);
  }
  const s = await compactCache(dir, { force: bool(args, "force") });
  if (s.path === null) {
    stdout.write(`${dir}: no cache logs to compact\n`);
    return 0;
  }
  stdout.write(
    `${dir}: ${s.logsBefore} log(s), ${mib(s.bytesBefore)} → 1 log, ${mib(s.bytesAfter)}: ${s.entries} entries kept, ${s.duplicates} duplicate(s) and ${s.unreadable} unreadable line(s) dropped (${s.path})\n`,
  );
  return 0;
}
