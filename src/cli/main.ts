#!/usr/bin/env node
import { AvakitError, errorMessage } from "../core/errors.js";
import { type Command, helpText, parseCommandArgs } from "./command.js";
import { commands } from "./commands.js";

function usage(): string {
  const lines = ["usage: avakit <command> [options]", "", "commands:"];
  for (const c of commands) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push("", "Run `avakit <command> --help` for a command's options.");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === "--version") {
    const { VERSION } = await import("../version.js");
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const cmd: Command | undefined = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`avakit: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${helpText(cmd)}\n`);
    return 0;
  }
  try {
    const args = parseCommandArgs(cmd, rest);
    return (await cmd.run(args)) ?? 0;
  } catch (err) {
    if (err instanceof AvakitError) {
      process.stderr.write(`avakit ${name}: ${errorMessage(err)}\n`);
      return err.name === "UsageError" ? 2 : 1;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `avakit: internal error: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exitCode = 70;
  },
);
