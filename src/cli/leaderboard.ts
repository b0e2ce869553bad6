import { UsageError } from "../core/errors.js";
import {
  leaderboard,
  leaderboardCsv,
  leaderboardMarkdown,
  readResultsFile,
} from "../eval/leaderboard.js";
import { type Command, type ParsedArgs, str } from "./command.js";

const USAGE = "avakit leaderboard [--format markdown|csv] RESULTS.json...";

export const leaderboardCommand: Command = {
  name: "leaderboard",
  summary: "Compare models side by side from avakit eval results files (Markdown or CSV)",
  usage: USAGE,
  positionals: true,
  options: {
    format: { type: "string", description: "markdown or csv", default: "markdown" },
  },
  run(args) {
    return leaderboardRun(args, process.stdout);
  },
};

export async function leaderboardRun(
  args: ParsedArgs,
  stdout: { write(text: string): unknown },
): Promise<number> {
  const format = str(args, "format") ?? "markdown";
  if (format !== "markdown" && format !== "csv") {
    throw new UsageError(`--format expects markdown or csv, got "${format}"`);
  }
  if (args.positionals.length === 0) throw new UsageError(`give results files\nusage: ${USAGE}`);
  const files = [];
  for (const path of args.positionals) files.push(await readResultsFile(path));
  const table = leaderboard(files);
  stdout.write(format === "csv" ? leaderboardCsv(table) : leaderboardMarkdown(table));
  return 0;
}
