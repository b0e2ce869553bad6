import { DEFAULT_AGE_MAPPING, loadAgeMapping } from "../analysis/age-mapping.js";
import type { CorrelationReport } from "../analysis/correlate.js";
import { correlate, DEFAULT_SEED } from "../analysis/correlate.js";
import { DEFAULT_PERMUTATIONS } from "../analysis/mantel.js";
import { UsageError } from "../core/errors.js";
import { bool, type Command, DB_OPTION, int, str } from "./command.js";

const USAGE =
  "avakit correlate [--db PATH] --opinions FILE.jsonl --out DIR [--permutations 9999] [--seed S] [--age-mapping coarse|split|FILE.json] [--quiet]";

export const correlateCommand: Command = {
  name: "correlate",
  summary: "Correlate behavior similarity (ads) with opinion similarity (Pew) between groups",
  usage: USAGE,
  options: {
    db: DB_OPTION,
    opinions: {
      type: "string",
      description: "human opinions JSONL from `avakit opinions build`",
    },
    out: {
      type: "string",
      short: "o",
      description: "output folder (matrices CSV, correlation.json)",
    },
    permutations: {
      type: "string",
      description: "Mantel test permutations (exact enumeration when k! is not larger)",
      default: String(DEFAULT_PERMUTATIONS),
    },
    seed: {
      type: "string",
      description: "seed of the Mantel permutations",
      default: String(DEFAULT_SEED),
    },
    "age-mapping": {
      type: "string",
      description: "Meta → Pew age buckets: coarse, split, or a JSON file",
      default: DEFAULT_AGE_MAPPING,
    },
    quiet: { type: "boolean", short: "q", description: "no progress on stderr" },
  },
  async run(args) {
    const opinions = str(args, "opinions");
    if (!opinions) throw new UsageError(`--opinions is required\nusage: ${USAGE}`);
    const out = str(args, "out");
    if (!out) throw new UsageError(`--out is required\nusage: ${USAGE}`);
    const report = await correlate({
      db: str(args, "db")!,
      opinions,
      out,
      permutations: int(args, "permutations")!,
      seed: int(args, "seed")!,
      ageMapping: loadAgeMapping(str(args, "age-mapping")),
      progress: !bool(args, "quiet"),
    });
    process.stdout.write(`${formatReport(report, out)}\n`);
    return 0;
  },
};

/** The printed summary: one line per compared set of groups, then its caveats. */
export function formatReport(r: CorrelationReport, out: string): string {
  const f = (x: number) => x.toFixed(3);
  const p = (x: number) => (x < 0.001 ? x.toExponential(1) : x.toFixed(3));
  const lines = [
    `ads ${r.ads.total}${r.ads.synthetic ? ` (${r.ads.synthetic} SYNTHETIC)` : ""}: ${r.ads.with_state_delivery} with state delivery, ${r.ads.with_age_sex_delivery} with age x sex delivery; ${r.inputs.opinion_questions} opinion questions`,
  ];
  for (const res of Object.values(r.results)) {
    const head = `${res.title} (${res.cells.length})`;
    if (res.correlation) {
      const c = res.correlation;
      const how =
        c.mantel.mode === "exact"
          ? `exact, ${c.mantel.permutations} relabellings`
          : `${c.mantel.permutations} permutations, seed ${c.mantel.seed}`;
      lines.push(
        `${head}: n = ${c.n} pairs, Pearson r = ${f(c.pearson.r)} (p = ${p(c.pearson.p)}), Spearman rho = ${f(c.spearman.rho)} (p = ${p(c.spearman.p)}); Mantel two-sided, ${how}`,
      );
    } else if (res.opinion_file) {
      lines.push(`${head}: opinion and behavior matrices written; no correlation`);
    } else {
      lines.push(
        `${head}: behavior matrix only${res.opinion_missing ? ` (${res.opinion_missing})` : " (Pew has no such groups)"}`,
      );
    }
    if (res.correlation || res.opinion_file) {
      for (const c of res.caveats) lines.push(`  caveat: ${c}`);
    }
  }
  for (const c of r.caveats) lines.push(`caveat: ${c}`);
  lines.push(`wrote ${out}/correlation.json and the matrices (*_behavior.csv, *_opinion.csv)`);
  return lines.join("\n");
}
