import { once } from "node:events";
import { createWriteStream, existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HumanBaseline, UniformBaseline } from "../backends/baselines.js";
import type { Backend } from "../backends/types.js";
import { errorMessage } from "../core/errors.js";
import { runOpinionQa } from "../eval/opinionqa.js";
import { type ResultRow, toResultsFile, writeResultsFile } from "../eval/results.js";
import { NearestTrainBaseline } from "../eval/tasks/nearest.js";
import { runAvaTasks } from "../eval/tasks/run.js";
import { tasksSummary } from "../eval/tasks/summary.js";
import { formatCounts, type IngestCounts, ingestFiles } from "../ingest/ingest.js";
import { writeOpinionsFile } from "../opinions/write.js";
import { buildReport } from "../report/report.js";
import { readSignals } from "../signals/records.js";
import { formatSummary, type StoreSummary, summarizeStore } from "../signals/summary.js";
import { Store } from "../store/store.js";
import { writeSynthFile } from "../synth/write.js";
import { type BuildSummary, buildDataset } from "../tasks/build.js";
import { DEFAULT_BUILD_CONFIG } from "../tasks/config.js";

export interface DemoOptions {
  /** Folder for the demo's files (recreated). */
  out: string;
  ads: number;
  seed: number;
  log: (line: string) => void;
  progress?: boolean;
  /**
   * The shared data folder with the real Pew / OpinionQA files (`pew-atp/`, `opinionqa/`):
   * default `../shared/data` beside the project root (not the working directory). When the
   * files are absent the OpinionQA step says so and is skipped.
   */
  sharedData?: string;
  /** `avakit build --embedder` for the dataset step (default: the offline USE-lite model). */
  embedder?: string;
}

/** The demo's OpinionQA step: the baselines scored on one real wave, or why it was skipped. */
export type DemoEval =
  | { skipped: string }
  | {
      survey: string;
      opinionsFile: string;
      questions: number;
      baselines: Array<{ spec: string; resultsFile: string; representativeness: ResultRow | null }>;
    };

export interface DemoResult {
  synthFile: string;
  db: string;
  signalsFile: string;
  counts: IngestCounts;
  summary: StoreSummary;
  dataset: BuildSummary;
  opinionqa: DemoEval;
  /** The HTML report of the run (`avakit report`). */
  report: string;
}

/** The wave the demo evaluates on: one wave keeps the step to a few seconds. */
export const DEMO_WAVE = "W26";
/** The baselines it scores (the OpinionQA paper's reference points). */
export const DEMO_BASELINES = ["uniform", "human:CREGION:Northeast"] as const;

/** `../shared/data` beside the project root (this file is src/demo/ or dist/demo/). */
export function defaultSharedData(): string {
  return resolve(fileURLToPath(new URL("../../", import.meta.url)), "..", "shared", "data");
}

/**
 * The main job end to end, offline: synthesize ads (labelled SYNTHETIC), ingest and clean them,
 * compute behavior signals, export them, and summarise. Later stages extend it.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const { out, log } = opts;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const synthFile = join(out, "synthetic-ads.jsonl");
  const db = join(out, "avakit.duckdb");
  const signalsFile = join(out, "signals.jsonl");

  log(`1/7 synthesize ${opts.ads} SYNTHETIC ads (seed ${opts.seed}) → ${synthFile}`);
  const synth = await writeSynthFile({ ads: opts.ads, seed: opts.seed }, synthFile);
  log(`    ${synth.ads} ads from ${synth.advertisers} synthetic advertisers`);

  const store = await Store.open(db);
  let closed = false;
  try {
    log(`2/7 ingest and clean → ${db}`);
    const counts = await ingestFiles(store, [synthFile], { progress: opts.progress ?? false });
    log(indent(formatCounts(counts)));

    log(`3/7 behavior signals → ${signalsFile}`);
    const outStream = createWriteStream(signalsFile);
    let n = 0;
    let example: string | null = null;
    for await (const rec of readSignals(store)) {
      if (!outStream.write(`${JSON.stringify(rec)}\n`)) await once(outStream, "drain");
      if (example === null && rec.best_age_group && rec.best_gender) {
        example = [
          `    e.g. ad ${rec.ad_id} of "${rec.page_name}" (SYNTHETIC): "${truncate(rec.body, 70)}"`,
          `         top states ${rec.top_states.join(", ")}; best age ${rec.best_age_group}, gender ${rec.best_gender}`,
          `         spend ${rec.spend_text}, impressions ${rec.impressions_text}, ${rec.impressions_per_usd?.toFixed(1) ?? "-"} impressions/USD`,
        ].join("\n");
      }
      n++;
    }
    outStream.end();
    await once(outStream, "finish");
    log(`    ${n} ads with signals`);
    if (example) log(example);

    log("4/7 summary");
    const summary = await summarizeStore(store);
    log(indent(formatSummary(summary)));
    store.close();
    closed = true;

    const datasetDir = join(out, "dataset");
    log(`5/7 build the AVA dataset (18 tasks, held-out splits) → ${datasetDir}`);
    const dataset = await buildDataset({
      db,
      out: datasetDir,
      cfg: { ...DEFAULT_BUILD_CONFIG, embedder: opts.embedder ?? DEFAULT_BUILD_CONFIG.embedder },
      log: (l) => log(`    ${l}`),
      progress: opts.progress ?? false,
    });
    log(indent(dataset.table.join("\n")));
    log(
      `    ${dataset.records} records in ${dataset.files.length} file(s), dataset card ${join(datasetDir, "README.md")}`,
    );
    const tasksEval = await demoTaskBaseline(out, datasetDir, log);
    const opinionqa = await demoOpinionQa(out, opts.sharedData ?? defaultSharedData(), log);
    const report = join(out, "report.html");
    log(`7/7 report → ${report}`);
    const written = await buildReport({
      db,
      dataset: datasetDir,
      results: [
        ...("skipped" in opinionqa ? [] : opinionqa.baselines.map((b) => b.resultsFile)),
        ...(tasksEval ? [tasksEval] : []),
      ],
      out: report,
    });
    log(
      `    ${(written.bytes / 1024).toFixed(0)} KiB, ${written.charts} charts, no script; open it in a browser: ${resolve(report)}`,
    );
    return { synthFile, db, signalsFile, counts, summary, dataset, opinionqa, report };
  } finally {
    if (!closed) store.close();
  }
}

/**
 * Step 5, continued: the behavior tasks' model-free baseline (`avakit eval tasks --model
 * nearest`: the response of the most similar train prompt) on the test-time split, the floor a
 * trained model should clear; TAP accuracy is printed beside the random guess. Returns the
 * results file, or null when there is nothing to score.
 */
/** Records per task the demo's behavior-task baseline scores. */
export const DEMO_TASK_LIMIT = 100;

export async function demoTaskBaseline(
  out: string,
  datasetDir: string,
  log: (line: string) => void,
): Promise<string | null> {
  const split = "test-time";
  const file = join(out, `ava-tasks-${split}-nearest.json`);
  let outcome: Awaited<ReturnType<typeof runAvaTasks>>;
  try {
    outcome = await runAvaTasks({
      backend: new NearestTrainBaseline(datasetDir),
      concurrency: 4,
      seed: 0,
      dataset: datasetDir,
      split,
      // The first 100 records of each task keep the step to seconds (brute-force retrieval).
      limit: DEMO_TASK_LIMIT,
    });
  } catch (err) {
    log(`    behavior-task baseline skipped: ${errorMessage(err)}`);
    return null;
  }
  const results = toResultsFile(outcome, { spec: "nearest", backend: "nearest" });
  await writeResultsFile(file, results);
  log(
    `    baseline "nearest" (the most similar train record's response) on ${split}, first ${DEMO_TASK_LIMIT} records per task:`,
  );
  log(indent(tasksSummary(results, file).trimEnd()));
  return file;
}

/**
 * Step 6: builds the W26 human opinion distributions from the real Pew .sav file with the
 * library (`avakit opinions build`), then scores the baselines on OpinionQA W26 (`avakit eval
 * opinionqa`) and prints the representativeness with its bootstrap 95% interval. Offline: the
 * baselines need no model. Skipped, saying why, when the real data is not there.
 */
export async function demoOpinionQa(
  out: string,
  sharedData: string,
  log: (line: string) => void,
): Promise<DemoEval> {
  const wave = DEMO_WAVE;
  const sav = join(sharedData, "pew-atp", `ATP ${wave}.sav`);
  const data = join(sharedData, "opinionqa");
  const needed = [
    sav,
    join(data, "model_input", `Pew_American_Trends_Panel_${wave}.csv`),
    join(data, "human_resp", `American_Trends_Panel_${wave}`, "info.csv"),
  ];
  log(`6/7 OpinionQA ${wave}: baselines ${DEMO_BASELINES.join(", ")} on the real Pew data`);
  const missing = needed.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    const skipped = `the real OpinionQA / Pew ATP data is absent (${missing.join(", ")} not found), so this step is skipped; put the files in ${sharedData} (pew-atp/, opinionqa/model_input/, opinionqa/human_resp/) to run it`;
    log(`    skipped: ${skipped}`);
    return { skipped };
  }
  const opinionsFile = join(out, `opinions-${wave}.jsonl`);
  const built = await writeOpinionsFile(
    { savFiles: [sav], infoDir: join(data, "human_resp"), weighted: true },
    opinionsFile,
  );
  const report = built.waves[0];
  log(
    `    human distributions: ${built.questions} questions of ${wave} (${report?.respondents ?? "?"} respondents, weighted by ${report?.weightVariable ?? "-"}) → ${opinionsFile}`,
  );
  const baselines: Array<{
    spec: string;
    resultsFile: string;
    representativeness: ResultRow | null;
  }> = [];
  for (const spec of DEMO_BASELINES) {
    const backend: Backend =
      spec === "uniform" ? new UniformBaseline() : new HumanBaseline(spec.slice("human:".length));
    let outcome: Awaited<ReturnType<typeof runOpinionQa>>;
    try {
      outcome = await runOpinionQa({
        backend,
        concurrency: 8,
        data,
        opinions: opinionsFile,
        surveys: [wave],
      });
    } catch (err) {
      log(`    ${spec}: failed: ${errorMessage(err)}`);
      throw err;
    }
    const resultsFile = join(out, `opinionqa-${wave}-${spec.replace(/[^A-Za-z0-9]+/g, "-")}.json`);
    await writeResultsFile(resultsFile, toResultsFile(outcome, { spec, backend: backend.name }));
    const row =
      outcome.results.find((r) => r.metric === "representativeness" && r.group === null) ?? null;
    const excluded = Object.entries(outcome.excluded)
      .filter(([, n]) => n > 0)
      .map(([why, n]) => `${n} ${why.replace(/_/g, " ")}`);
    log(
      row
        ? `    ${spec.padEnd(24)} representativeness ${row.value.toFixed(2)}  95% CI [${row.ci95[0].toFixed(2)}, ${row.ci95[1].toFixed(2)}]  n=${row.n}${outcome.failures.length > 0 ? `, ${outcome.failures.length} failed` : ""}${excluded.length > 0 ? ` (excluded: ${excluded.join(", ")})` : ""}`
        : `    ${spec.padEnd(24)} no representativeness (${outcome.failures.length} of ${outcome.total} failed)`,
    );
    baselines.push({ spec, resultsFile, representativeness: row });
  }
  log(
    `    (× 100; 100 = the model's answers match the U.S. population's. Compare models: avakit leaderboard ${join(out, "opinionqa-*.json")})`,
  );
  return { survey: wave, opinionsFile, questions: built.questions, baselines };
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

function truncate(s: string, n: number): string {
  const flat = s.replace(/\s+/g, " ");
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}
