import { readFile } from "node:fs/promises";
import { AvakitError, UsageError } from "../core/errors.js";
import { type BleuTokenizer, corpusBleu, corpusRougeL, pyRstrip } from "../eval/metrics/index.js";
import { bool, type Command, type ParsedArgs, str, strs } from "./command.js";

const USAGE =
  "avakit score --metric bleu1|bleu2|bleu3|bleu4|rouge-l|bertscore --hyp FILE --ref FILE [--ref FILE...] [--lowercase] [--tokenize 13a|none] [--stem] [--bertscore-model PATH]";

const METRICS = ["bleu1", "bleu2", "bleu3", "bleu4", "rouge-l", "bertscore"] as const;
type Metric = (typeof METRICS)[number];

export const scoreCommand: Command = {
  name: "score",
  summary:
    "Score generated text against references: BLEU-1…4 as sacrebleu, ROUGE-L F1 as rouge_score (both × 100)",
  usage: USAGE,
  options: {
    metric: { type: "string", description: METRICS.join(", ") },
    hyp: { type: "string", description: "hypotheses: a text file, one segment per line" },
    ref: {
      type: "string",
      multiple: true,
      description: "references, one segment per line; repeat for more references per segment",
    },
    lowercase: { type: "boolean", description: "BLEU: lower-case before tokenizing" },
    tokenize: { type: "string", description: "BLEU: 13a (sacrebleu's default) or none" },
    stem: { type: "boolean", description: "ROUGE-L: Porter-stem tokens longer than 3 letters" },
    "bertscore-model": {
      type: "string",
      description: "BERTScore: a local transformers.js model folder",
    },
  },
  run(args) {
    return scoreRun(args, process.stdout);
  },
};

/**
 * Lines of a text file as sacrebleu's command line reads them: UTF-8, split at "\n" only, a final
 * newline ends the last line rather than starting an empty one, each line right-stripped.
 */
async function readSegments(path: string, flag: string): Promise<string[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AvakitError(`cannot read ${flag} ${path}: ${code ?? (err as Error).message}`, {
      cause: err,
    });
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    throw new AvakitError(`${flag} ${path} is not valid UTF-8`, { cause: err });
  }
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map(pyRstrip);
}

function parseMetric(args: ParsedArgs): Metric {
  const metric = str(args, "metric");
  if (metric === undefined) throw new UsageError(`--metric is required\nusage: ${USAGE}`);
  if (!(METRICS as readonly string[]).includes(metric)) {
    throw new UsageError(`--metric expects one of ${METRICS.join(", ")}, got "${metric}"`);
  }
  return metric as Metric;
}

/** Rejects flags that the chosen metric would silently ignore. */
function checkFlags(args: ParsedArgs, metric: Metric): void {
  const isBleu = metric.startsWith("bleu");
  const onlyFor: Array<[string, boolean, string]> = [
    ["lowercase", bool(args, "lowercase"), "BLEU"],
    ["tokenize", str(args, "tokenize") !== undefined, "BLEU"],
    ["stem", bool(args, "stem"), "rouge-l"],
    ["bertscore-model", str(args, "bertscore-model") !== undefined, "bertscore"],
  ];
  for (const [flag, given, owner] of onlyFor) {
    const applies =
      owner === "BLEU" ? isBleu : owner === "rouge-l" ? metric === "rouge-l" : metric === owner;
    if (given && !applies) throw new UsageError(`--${flag} applies to ${owner} only`);
  }
}

/** "2" when every segment has that many non-empty references, "var" otherwise (sacrebleu's nrefs). */
function referenceCount(refs: readonly string[][], n: number): string {
  const counts = new Set<number>();
  for (let i = 0; i < n; i++) counts.add(refs.filter((stream) => stream[i] !== "").length);
  return counts.size === 1 ? String([...counts][0]) : "var";
}

/**
 * `avakit score`: one description line, then the score alone on the last line. BLEU-n is
 * sacrebleu's corpus BLEU with max n-gram order n (its 0–100 scale); ROUGE-L is the mean over
 * segments of rouge_score's ROUGE-L F1, times 100 as the paper's tables print it.
 */
export async function scoreRun(
  args: ParsedArgs,
  stdout: { write(text: string): unknown },
): Promise<number> {
  const metric = parseMetric(args);
  checkFlags(args, metric);
  if (metric === "bertscore") {
    const model = str(args, "bertscore-model");
    if (model === undefined) {
      throw new UsageError(
        "bertscore needs --bertscore-model PATH (a local transformers.js model folder); not computed",
      );
    }
    throw new AvakitError(
      `bertscore: no token-embedding backend is available yet to load ${model}; not computed`,
    );
  }
  const hypPath = str(args, "hyp");
  const refPaths = strs(args, "ref");
  if (hypPath === undefined) throw new UsageError(`--hyp FILE is required\nusage: ${USAGE}`);
  if (refPaths.length === 0) throw new UsageError(`--ref FILE is required\nusage: ${USAGE}`);

  const hyps = await readSegments(hypPath, "--hyp");
  const refs: string[][] = [];
  for (const path of refPaths) refs.push(await readSegments(path, "--ref"));
  const mismatched = refs.findIndex((r) => r.length !== hyps.length);
  if (mismatched !== -1) {
    throw new AvakitError(
      `--hyp ${hypPath} has ${hyps.length} lines but --ref ${refPaths[mismatched]} has ${refs[mismatched]!.length}; every file needs one segment per line`,
    );
  }
  if (hyps.length === 0) throw new AvakitError(`--hyp ${hypPath} has no lines to score`);

  if (metric === "rouge-l") {
    const stem = bool(args, "stem");
    const s = corpusRougeL(hyps, refs, { stem });
    const pct = (x: number) => (100 * x).toFixed(2);
    stdout.write(
      `ROUGE-L F1 × 100|nrefs:${refs.length}|stem:${stem ? "yes" : "no"}|segments:${s.n} = ` +
        `mean P ${pct(s.precision)} R ${pct(s.recall)} F ${pct(s.fmeasure)} (rouge_score; best reference per segment)\n`,
    );
    stdout.write(`${s.score.toFixed(6)}\n`);
    return 0;
  }

  const order = Number(metric.slice(4));
  const tokenize = str(args, "tokenize") ?? "13a";
  if (tokenize !== "13a" && tokenize !== "none") {
    throw new UsageError(`--tokenize expects 13a or none, got "${tokenize}"`);
  }
  const lowercase = bool(args, "lowercase");
  const s = corpusBleu(hyps, refs, {
    maxNgramOrder: order,
    tokenize: tokenize as BleuTokenizer,
    lowercase,
  });
  const signature = [
    `BLEU-${order}`,
    `nrefs:${referenceCount(refs, hyps.length)}`,
    `case:${lowercase ? "lc" : "mixed"}`,
    "eff:no",
    `tok:${tokenize}`,
    "smooth:exp",
    `segments:${hyps.length}`,
  ].join("|");
  const ratio = s.refLen ? s.sysLen / s.refLen : 0;
  stdout.write(
    `${signature} = ${s.score.toFixed(2)} ${s.precisions.map((p) => p.toFixed(1)).join("/")} ` +
      `(BP = ${s.bp.toFixed(3)} ratio = ${ratio.toFixed(3)} hyp_len = ${s.sysLen} ref_len = ${s.refLen})\n`,
  );
  stdout.write(`${s.score.toFixed(6)}\n`);
  return 0;
}
