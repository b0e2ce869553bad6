import { basename } from "node:path";
import { UsageError } from "../core/errors.js";
import { Progress } from "../core/progress.js";
import { loadGroupMapping, withJointAttribute } from "../opinions/groups.js";
import { writeOpinionsFile } from "../opinions/write.js";
import { bool, type Command, type ParsedArgs, str, strs } from "./command.js";

const USAGE =
  "avakit opinions build --sav FILE... [--info DIR] [--questions FILE] [--unweighted] [--groups FILE] [--joint A,B] --out FILE.jsonl [--quiet]";

export const opinionsCommand: Command = {
  name: "opinions",
  summary: "Build human opinion distributions (OpinionQA's 60 groups) from Pew ATP .sav files",
  usage: USAGE,
  positionals: true,
  options: {
    sav: {
      type: "string",
      multiple: true,
      description: "Pew ATP .sav file; repeat, or list more files after it",
    },
    info: {
      type: "string",
      description:
        "OpinionQA human_resp folder (or one wave's): questions, options, ordinals from info.csv",
    },
    questions: {
      type: "string",
      description: "only these questions: OpinionQA-XL's JSON, or a JSON array of variable names",
    },
    unweighted: {
      type: "boolean",
      description: "counts-based distributions (default: WEIGHT_W<n>)",
    },
    groups: {
      type: "string",
      description: "groups mapping JSON (default: the bundled data/opinionqa-groups.json)",
    },
    joint: {
      type: "string",
      multiple: true,
      description:
        "add a joint attribute crossing two, e.g. AGE,SEX → groups AGESEX:18-29 Female, ... (repeatable)",
    },
    out: { type: "string", short: "o", description: "output JSONL file, one question per line" },
    quiet: { type: "boolean", short: "q", description: "no progress on stderr" },
  },
  run(args) {
    return opinionsBuild(args, process.stdout);
  },
};

/** `avakit opinions build`: the summary goes to `stdout`, progress to stderr. */
export async function opinionsBuild(
  args: ParsedArgs,
  stdout: { write(text: string): unknown },
): Promise<number> {
  const [sub, ...files] = args.positionals;
  if (sub !== "build") {
    throw new UsageError(
      `${sub === undefined ? "missing subcommand" : `unknown subcommand "${sub}"`}\nusage: ${USAGE}`,
    );
  }
  const savFiles = [...strs(args, "sav"), ...files];
  if (savFiles.length === 0) throw new UsageError(`--sav FILE is required\nusage: ${USAGE}`);
  const out = str(args, "out");
  if (!out) throw new UsageError(`--out is required\nusage: ${USAGE}`);
  const groupsFile = str(args, "groups");
  const infoDir = str(args, "info");
  const questionsFile = str(args, "questions");
  const weighted = !bool(args, "unweighted");
  const progress = new Progress({
    label: "opinions",
    unit: "questions",
    enabled: !bool(args, "quiet"),
  });
  let n = 0;
  let wavesDone = 0;
  const res = await writeOpinionsFile(
    {
      savFiles,
      weighted,
      groups: strs(args, "joint").reduce(
        (m, spec) => {
          const parts = spec.split(/[,×x*]/).map((p) => p.trim().toUpperCase());
          if (parts.length !== 2 || !parts[0] || !parts[1])
            throw new UsageError(`--joint expects two attributes such as AGE,SEX, got "${spec}"`);
          return withJointAttribute(m, parts[0], parts[1]);
        },
        groupsFile ? loadGroupMapping(groupsFile) : loadGroupMapping(),
      ),
      ...(infoDir ? { infoDir } : {}),
      ...(questionsFile ? { questionsFile } : {}),
      // ETA from the share of files done (a wave's question count is known only at its end)
      onQuestion: (survey) => progress.update(++n, survey, wavesDone / savFiles.length),
      onWave: () => {
        wavesDone++;
      },
    },
    out,
  );
  progress.done();
  const lines = [
    `wrote ${res.questions} questions from ${res.waves.length} wave(s) to ${out} (${weighted ? "weighted by WEIGHT_W<n>" : "unweighted"})`,
  ];
  for (const w of res.waves) {
    const missing = w.groupsMissing.reduce((k, m) => k + m.groups.length, 0);
    lines.push(
      `${w.survey}  ${basename(w.file)}  ${w.respondents} respondents  ${w.questions} questions  ` +
        (missing === 0 ? "all groups present" : `${missing} groups missing`),
    );
    for (const m of w.groupsMissing) {
      lines.push(`  groups missing: ${m.attribute} (${m.groups.join(", ")}): ${m.reason}`);
    }
    if (w.skipped.length) {
      const shown = w.skipped.slice(0, 5).map((s) => `${s.key} (${s.reason})`);
      const more = w.skipped.length > 5 ? `, and ${w.skipped.length - 5} more` : "";
      lines.push(`  questions skipped: ${w.skipped.length}: ${shown.join("; ")}${more}`);
    }
  }
  stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
