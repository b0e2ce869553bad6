import { UsageError } from "../core/errors.js";
import { buildReport } from "../report/report.js";
import { type Command, DB_OPTION, type ParsedArgs, str, strs } from "./command.js";

const USAGE =
  "avakit report [--db PATH] [--dataset DIR] [--results FILE]... [--correlation DIR] [--page PAGE_ID] --out report.html";

export const reportCommand: Command = {
  name: "report",
  summary: "Write one self-contained HTML report: data, dataset, behavior vs opinions, leaderboard",
  usage: USAGE,
  options: {
    db: DB_OPTION,
    dataset: { type: "string", description: "dataset folder of `avakit build`" },
    results: {
      type: "string",
      multiple: true,
      description: "results file of `avakit eval` (repeat for several)",
    },
    correlation: { type: "string", description: "output folder of `avakit correlate`" },
    page: { type: "string", description: "map this page's (advertiser's) state interest" },
    out: { type: "string", short: "o", description: "HTML file to write" },
  },
  run(args) {
    return reportRun(args, process.stdout);
  },
};

export async function reportRun(
  args: ParsedArgs,
  stdout: { write(text: string): unknown },
): Promise<number> {
  const out = str(args, "out");
  if (!out) throw new UsageError(`--out is required\nusage: ${USAGE}`);
  const r = await buildReport({
    db: str(args, "db")!,
    dataset: str(args, "dataset"),
    results: strs(args, "results"),
    correlation: str(args, "correlation"),
    pageId: str(args, "page"),
    out,
  });
  const absent = Object.entries(r.sections)
    .filter(([, present]) => !present)
    .map(([name]) => name);
  stdout.write(
    `wrote ${r.out} (${(r.bytes / 1024).toFixed(0)} KiB, ${r.charts} charts${absent.length ? `; not given: ${absent.join(", ")}` : ""})\n`,
  );
  return 0;
}
