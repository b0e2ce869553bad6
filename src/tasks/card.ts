/** The dataset card (`DIR/README.md`): Hugging Face YAML front matter + Table A3-style counts. Pure. */
import type { BuildConfig } from "./config.js";
import { SPLITS, type Split } from "./splits.js";
import { TASK_CODES } from "./types.js";

/** Table A3: each task's constants and variable (TC-G/TC-R rows as corrected, see pairs.ts). */
export const TASK_FACETS: Record<string, { constants: string; variable: string; family: string }> =
  {
    "TAG-G": {
      constants: "Region, Budget, Age",
      variable: "Gender",
      family: "Targeted ad generation",
    },
    "TAG-A": {
      constants: "Region, Budget, Gender",
      variable: "Age",
      family: "Targeted ad generation",
    },
    "TAG-R": {
      constants: "Age, Budget, Gender",
      variable: "Region",
      family: "Targeted ad generation",
    },
    "TAG-B": {
      constants: "Region, Age, Gender",
      variable: "Budget",
      family: "Targeted ad generation",
    },
    "TAG-I": {
      constants: "Region, Age, Gender, Budget",
      variable: "Impressions",
      family: "Targeted ad generation",
    },
    "TAP-G": {
      constants: "Region, Budget, Age",
      variable: "Gender",
      family: "Target audience prediction",
    },
    "TAP-A": {
      constants: "Region, Budget, Gender",
      variable: "Age",
      family: "Target audience prediction",
    },
    "TAP-R": {
      constants: "Age, Budget, Gender",
      variable: "Region",
      family: "Target audience prediction",
    },
    "TAP-B": {
      constants: "Region, Age, Gender",
      variable: "Budget",
      family: "Target audience prediction",
    },
    "TAP-I": {
      constants: "Region, Age, Gender, Budget",
      variable: "Impressions",
      family: "Target audience prediction",
    },
    "TS-B": { constants: "Region, Gender, Age", variable: "Budget", family: "Transsuasion" },
    "TS-E": {
      constants: "Region, Gender, Age, Budget",
      variable: "Impressions",
      family: "Transsuasion",
    },
    "TS-A": { constants: "Region, Budget, Gender", variable: "Age", family: "Transsuasion" },
    "TS-R": { constants: "Age, Budget, Gender", variable: "Region", family: "Transsuasion" },
    "TS-G": { constants: "Region, Budget, Age", variable: "Gender", family: "Transsuasion" },
    "TC-A": { constants: "Region, Budget, Gender", variable: "Age", family: "Transcreation" },
    "TC-G": { constants: "Region, Budget, Age", variable: "Gender", family: "Transcreation" },
    "TC-R": { constants: "Age, Budget, Gender", variable: "Region", family: "Transcreation" },
    MIX: { constants: "-", variable: "-", family: "Mixed chat data (--mix)" },
  };

export interface CardInput {
  cfg: BuildConfig;
  version: string;
  embedderId: string;
  inputs: { ads: number; pages: number; hash: string; synthetic: "none" | "some" | "all" };
  counts: Record<string, Partial<Record<Split, number>>>;
  files: { path: string; split: Split; records: number }[];
  notes: string[];
}

/** Hugging Face split names allow only word characters: test-advertiser → test_advertiser. */
export function hfSplitName(split: Split): string {
  return split.replaceAll("-", "_");
}

/** The task × split table as text lines (Table A3 layout, with a total row). */
export function taskSplitTable(counts: CardInput["counts"], markdown: boolean): string[] {
  const tasks = [...TASK_CODES, "MIX"].filter((t) => counts[t]);
  const head = ["Task", "Constants", "Variable", ...SPLITS, "total"];
  const rows = tasks.map((t) => {
    const c = counts[t]!;
    const cells = SPLITS.map((s) => c[s] ?? 0);
    return [
      t,
      TASK_FACETS[t]!.constants,
      TASK_FACETS[t]!.variable,
      ...cells.map(String),
      String(cells.reduce((a, b) => a + b, 0)),
    ];
  });
  const totals = SPLITS.map((s) => tasks.reduce((a, t) => a + (counts[t]![s] ?? 0), 0));
  rows.push(["Total", "", "", ...totals.map(String), String(totals.reduce((a, b) => a + b, 0))]);
  if (markdown) {
    return [
      `| ${head.join(" | ")} |`,
      `|${head.map((_, i) => (i >= 3 ? "---:" : "---")).join("|")}|`,
      ...rows.map((r) => `| ${r.join(" | ")} |`),
    ];
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

export function datasetCard(input: CardInput): string {
  const { cfg } = input;
  const splits = SPLITS.filter((s) => input.files.some((f) => f.split === s));
  const ext = cfg.format === "parquet" ? "parquet" : "jsonl";
  const yaml = [
    "---",
    "pretty_name: AVA behavior-alignment instructions (built by avakit)",
    "language:",
    "- en",
    "license: other",
    "task_categories:",
    "- text-generation",
    "tags:",
    "- behavior-alignment",
    "- align-via-actions",
    ...(input.inputs.synthetic !== "none" ? ["- synthetic"] : []),
    "configs:",
    "- config_name: default",
    "  data_files:",
    ...splits.flatMap((s) => [
      `  - split: ${hfSplitName(s)}`,
      `    path: ${yamlString(`data/${s}-*.${ext}`)}`,
    ]),
    "---",
  ];
  const synthNote =
    input.inputs.synthetic === "all"
      ? "**Every input ad is SYNTHETIC** (generated by `avakit synth`); this dataset says nothing about real audiences."
      : input.inputs.synthetic === "some"
        ? "**Some input ads are SYNTHETIC** (generated by `avakit synth`); their records carry `meta.synthetic = true`."
        : "The input ads are records of the Meta Ad Library (no synthetic ads).";
  const body = [
    "# AVA behavior-alignment instructions",
    "",
    `Built by avakit ${input.version} (\`avakit build\`) following "Align Via Actions" (§3.3, Appendix A.1, Table A3): instructions that teach a language model which content which audience responds to, from ad delivery data.`,
    "",
    synthNote,
    "",
    "## Splits",
    "",
    "- `train`: everything not held out.",
    `- \`test-advertiser\` (Hugging Face split \`test_advertiser\`): every record of a held-out advertiser (${cfg.testAdvertisers * 100}% of pages, seeded by page id hash).`,
    `- \`test-time\` (\`test_time\`): records with an ad starting on or after ${cfg.timeCutoff}.`,
    "- A pair record is held out when either of its ads is; no train record mentions a test ad.",
    cfg.balanceTapTest
      ? "- TAP test sets are balanced across answer classes (every class kept at the size of the rarest one)."
      : "- TAP test sets are not balanced.",
    "",
    "## Records per task and split",
    "",
    ...taskSplitTable(input.counts, true),
    "",
    "Fields: `id`, `task`, `split`, `prompt`, `response`, `messages` (user, assistant), `ad_ids` (one or two), `page_id`, `meta` (JSON: states named, keywords, pair similarity and word edit distance, given and target audience).",
    "",
    "## How it was built",
    "",
    `- Inputs: ${input.inputs.ads} ads from ${input.inputs.pages} advertisers (input hash \`${input.inputs.hash}\`).`,
    `- Embedder: \`${input.embedderId}\`. Pairs: same advertiser, matching constants, cosine similarity > ${cfg.similarityThreshold}, word-level Levenshtein distance ≥ ${cfg.minWordEdits}, at most ${cfg.maxPairsPerPage} similar pairs per advertiser. The similarity threshold depends on the embedding model: the paper's 0.7 is for SentenceBERT; other models need their own threshold.`,
    `- Keywords: KeyBERT-style, top ${cfg.keywords.topN}, n-grams ${cfg.keywords.ngramRange.join("-")}${cfg.keywords.useMmr ? `, MMR diversity ${cfg.keywords.diversity}` : ""}.`,
    `- Seed ${cfg.seed}.${cfg.dropRegion ? ` Birds of Feather: records naming a state of the ${cfg.dropRegion} were dropped.` : ""}${cfg.sample !== null ? ` Train split sampled to exactly ${cfg.sample} records.` : ""}${cfg.mix.length ? ` Mixed chat data: ${cfg.mix.join(", ")}.` : ""}`,
    ...input.notes.map((n) => `- ${n}`),
    "- The full configuration and the files' hashes are in `manifest.json`.",
    "",
    "## Constants and variables (Table A3)",
    "",
    "| Task | Family | Constants | Variable |",
    "|---|---|---|---|",
    ...TASK_CODES.map(
      (t) =>
        `| ${t} | ${TASK_FACETS[t]!.family} | ${TASK_FACETS[t]!.constants} | ${TASK_FACETS[t]!.variable} |`,
    ),
    "",
    "## Terms of use (the paper's §6.3)",
    "",
    "The ads come from the Meta Ad Library and are used under Meta's terms for research. Do not use this dataset for applications where generated content could be harmful: abusive and fraudulent activities (e.g. spam generation and distribution), deceptive and misleading content (e.g. coordinated inauthentic behavior, or presenting model-generated outputs as human-written), and sensitive uses such as political campaigning and lobbying.",
    "",
  ];
  return `${[...yaml, ...body].join("\n")}`;
}
