import { parseArgs } from "node:util";
import { UsageError } from "../core/errors.js";

export type OptionSpec =
  | { type: "string"; short?: string; multiple?: boolean; description: string; default?: string }
  | { type: "boolean"; short?: string; description: string };

/** One CLI command: parse flags, call the library, print. */
export interface Command {
  name: string;
  summary: string;
  /** e.g. "avakit ingest [--db PATH] FILE..." */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Whether positional arguments are accepted. */
  positionals?: boolean;
  run(args: ParsedArgs): Promise<number | undefined>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Flags every command that touches the store accepts. */
export const DB_OPTION: OptionSpec = {
  type: "string",
  description: "DuckDB database file",
  default: "avakit.duckdb",
};

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string }
  > = {};
  for (const [k, spec] of Object.entries(cmd.options)) {
    const o: { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string } =
      { type: spec.type };
    if (spec.short) o.short = spec.short;
    if (spec.type === "string" && spec.multiple) o.multiple = true;
    if (spec.type === "string" && spec.default !== undefined) o.default = spec.default;
    options[k] = o;
  }
  try {
    const parsed = parseArgs({
      args: argv,
      options,
      allowPositionals: cmd.positionals ?? false,
      strict: true,
    });
    return { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: ${cmd.usage}`);
  }
}

export function helpText(cmd: Command): string {
  const lines = [`usage: ${cmd.usage}`, "", cmd.summary, ""];
  for (const [k, spec] of Object.entries(cmd.options)) {
    const flag = `--${k}${spec.type === "string" ? " VALUE" : ""}`;
    const def =
      spec.type === "string" && spec.default !== undefined ? ` (default ${spec.default})` : "";
    lines.push(`  ${flag.padEnd(28)} ${spec.description}${def}`);
  }
  return lines.join("\n");
}

export function str(args: ParsedArgs, key: string): string | undefined {
  const v = args.values[key];
  return typeof v === "string" ? v : undefined;
}

export function strs(args: ParsedArgs, key: string): string[] {
  const v = args.values[key];
  if (Array.isArray(v)) return v;
  return typeof v === "string" ? [v] : [];
}

export function bool(args: ParsedArgs, key: string): boolean {
  return args.values[key] === true;
}

export function int(args: ParsedArgs, key: string, fallback?: number): number | undefined {
  const v = str(args, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} expects a number, got "${v}"`);
  return n;
}
