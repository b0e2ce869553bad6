import { UsageError } from "../core/errors.js";
import { Progress } from "../core/progress.js";
import { writeSynthFile } from "../synth/write.js";
import { bool, type Command, type ParsedArgs, str } from "./command.js";

function positiveInt(args: ParsedArgs, key: string, min: number): number | undefined {
  const v = str(args, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${key} expects a whole number ≥ ${min}, got "${v}"`);
  }
  return n;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export const synthCommand: Command = {
  name: "synth",
  summary: "Generate SYNTHETIC Ad Library records (seeded, labelled avakit_synthetic)",
  usage: "avakit synth --ads N --out FILE [--seed S] [--advertisers K] [--quiet]",
  options: {
    ads: { type: "string", description: "number of synthetic ads to generate" },
    seed: { type: "string", description: "random seed (same seed, same file)", default: "1" },
    out: { type: "string", short: "o", description: "output JSONL file (.gz to compress)" },
    advertisers: {
      type: "string",
      description: "number of synthetic advertisers (default: about one per 12 ads)",
    },
    quiet: { type: "boolean", short: "q", description: "no progress on stderr" },
  },
  async run(args) {
    const ads = positiveInt(args, "ads", 1);
    if (ads === undefined) throw new UsageError(`--ads is required\nusage: ${this.usage}`);
    const out = str(args, "out");
    if (!out) throw new UsageError(`--out is required\nusage: ${this.usage}`);
    const seedText = str(args, "seed") ?? "1";
    const seed = Number(seedText);
    if (!Number.isSafeInteger(seed)) {
      throw new UsageError(`--seed expects a whole number, got "${seedText}"`);
    }
    const advertisers = positiveInt(args, "advertisers", 1);
    const progress = new Progress({
      label: "synth",
      unit: "ads",
      total: ads,
      enabled: !bool(args, "quiet"),
    });
    const res = await writeSynthFile(
      advertisers === undefined ? { ads, seed } : { ads, seed, advertisers },
      out,
      (n) => progress.update(n),
    );
    progress.done();
    process.stdout.write(
      `wrote ${res.ads.toLocaleString("en-US")} SYNTHETIC ads from ${res.advertisers.toLocaleString("en-US")} synthetic advertisers (seed ${seed}) to ${out} (${formatBytes(res.bytes)}); every record is labelled "avakit_synthetic": true\n`,
    );
    return 0;
  },
};
