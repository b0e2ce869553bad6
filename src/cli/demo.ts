import { runDemo } from "../demo/run-demo.js";
import { bool, type Command, int, str } from "./command.js";

export const demoCommand: Command = {
  name: "demo",
  summary:
    "Run the pipeline end to end offline on synthetic ads, score the baselines on real OpinionQA W26 when present, and print a summary",
  usage: "avakit demo [--out DIR] [--ads N] [--seed S] [--embedder SPEC] [--quiet]",
  options: {
    out: {
      type: "string",
      description: "folder for the demo's files (recreated)",
      default: "avakit-demo",
    },
    ads: { type: "string", description: "synthetic ads to generate", default: "2000" },
    seed: { type: "string", description: "random seed", default: "7" },
    embedder: {
      type: "string",
      description:
        "embedder of the dataset step: hashing (fast, lexical), use (the offline sentence model; about 10 min for 2000 ads here), openai:MODEL, transformers:PATH",
      default: "hashing",
    },
    quiet: { type: "boolean", description: "no progress on stderr" },
  },
  async run(args) {
    const res = await runDemo({
      out: str(args, "out")!,
      ads: int(args, "ads", 2000)!,
      seed: int(args, "seed", 7)!,
      log: (l) => process.stdout.write(`${l}\n`),
      progress: !bool(args, "quiet"),
      embedder: str(args, "embedder")!,
    });
    const ev = res.opinionqa;
    const evalNote =
      "skipped" in ev
        ? "OpinionQA step skipped (real data absent)"
        : `OpinionQA ${ev.survey} results ${ev.baselines.map((b) => b.resultsFile).join(", ")}`;
    process.stdout.write(
      `\ndemo done: database ${res.db}, signals ${res.signalsFile}, dataset ${res.dataset.out}; ${evalNote}\n`,
    );
    return 0;
  },
};
