import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { AvakitError, errorMessage } from "../core/errors.js";
import { Store } from "../store/store.js";
import { VERSION } from "../version.js";
import { groupScoresSpec, heatmapSpec, renderChart, stateMapSpec } from "./charts.js";
import { type CorrelationInfo, readCorrelation } from "./correlation.js";
import { type DatasetInfo, readDataset } from "./dataset.js";
import { type EvaluationInfo, readEvaluation } from "./evaluation.js";
import { type ReportCharts, type ReportData, reportHtml } from "./html.js";
import { readOverview } from "./overview.js";

export interface ReportOptions {
  /** The DuckDB database (`avakit ingest`). */
  db: string;
  /** A built dataset folder (`avakit build --out`). */
  dataset?: string | undefined;
  /** Results files (`avakit eval --out`), compared side by side. */
  results?: readonly string[] | undefined;
  /** The output folder of `avakit correlate`. */
  correlation?: string | undefined;
  /** Map one advertiser's state interest instead of all ads'. */
  pageId?: string | undefined;
  /** The HTML file to write. */
  out: string;
  /** Fixed timestamp for reproducible output (default: now). */
  generatedAt?: string | undefined;
}

export interface ReportSummary {
  out: string;
  bytes: number;
  charts: number;
  sections: { data: true; dataset: boolean; correlation: boolean; evaluation: boolean };
}

/**
 * `avakit report`: one self-contained HTML file (no script, nothing loaded from the network) with
 * the data overview and state-interest map, the dataset's task × split table and examples, the
 * behavior/opinion heatmaps and matrix correlations (Figures A5–A7), and the leaderboard with
 * per-group scores (Table 2). Sections whose inputs are not given say so. Written through a
 * temporary name and renamed.
 */
export async function buildReport(opts: ReportOptions): Promise<ReportSummary> {
  // The inputs that can fail fast first, before the database pass.
  const correlation: CorrelationInfo | null = opts.correlation
    ? readCorrelation(opts.correlation)
    : null;
  const evaluation: EvaluationInfo | null = opts.results?.length
    ? await readEvaluation(opts.results)
    : null;
  const dataset: DatasetInfo | null = opts.dataset ? await readDataset(opts.dataset) : null;

  const store = await Store.open(opts.db, { readOnly: true, mustExist: true });
  let overview: Awaited<ReturnType<typeof readOverview>>;
  try {
    overview = await readOverview(store, opts.pageId);
  } finally {
    store.close();
  }

  let count = 0;
  const chart = async (spec: Parameters<typeof renderChart>[0], what: string) => {
    try {
      const svg = await renderChart(spec);
      count++;
      return svg;
    } catch (err) {
      throw new AvakitError(`report: cannot draw ${what}: ${errorMessage(err)}`, { cause: err });
    }
  };
  const charts: ReportCharts = { stateMap: null, heatmaps: new Map(), groups: [] };
  if (overview.interest.ads > 0) {
    charts.stateMap = await chart(
      stateMapSpec(overview.interest.mean, "mean interest"),
      "the state-interest map",
    );
  }
  for (const d of correlation?.dimensions ?? []) {
    const behavior = d.behavior
      ? await chart(
          heatmapSpec(d.behavior, {
            title: `Behavior: ${d.report.title}`,
            legend: "Spearman ρ",
            kind: "correlation",
          }),
          `the ${d.id} behavior heatmap`,
        )
      : null;
    const opinion = d.opinion
      ? await chart(
          heatmapSpec(d.opinion, {
            title: `Opinion: ${d.report.title}`,
            legend: "alignment",
            kind: "similarity",
          }),
          `the ${d.id} opinion heatmap`,
        )
      : null;
    charts.heatmaps.set(d.id, { behavior, opinion });
  }
  for (const g of evaluation?.groups ?? []) {
    charts.groups.push(await chart(groupScoresSpec(g.rows, g.title), `the ${g.title} chart`));
  }

  const data: ReportData = {
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    version: VERSION,
    inputs: {
      db: basename(opts.db),
      dataset: opts.dataset ? basename(opts.dataset) : null,
      correlation: opts.correlation ? basename(opts.correlation) : null,
      results: (opts.results ?? []).map((r) => basename(r)),
    },
    overview,
    dataset,
    correlation,
    evaluation,
  };
  const page = reportHtml(data, charts);
  mkdirSync(dirname(opts.out), { recursive: true });
  const tmp = `${opts.out}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, page);
    renameSync(tmp, opts.out);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new AvakitError(`cannot write ${opts.out}: ${errorMessage(err)}`, { cause: err });
  }
  return {
    out: opts.out,
    bytes: Buffer.byteLength(page),
    charts: count,
    sections: {
      data: true,
      dataset: dataset !== null,
      correlation: correlation !== null,
      evaluation: evaluation !== null,
    },
  };
}
