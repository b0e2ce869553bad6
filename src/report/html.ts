/**
 * The report page: one HTML document with its style inline, the charts as inline SVG and no
 * script. Every string from input data goes through `html` (escape.ts); only chart SVG (escaped
 * by Vega, checked by `assertInertSvg`) and markup built here are inserted as is. A
 * Content-Security-Policy allows nothing but the inline style, so even a mistake here could not
 * load or run anything.
 */
import type { PairCorrelation } from "../analysis/correlate.js";
import type { CorrelationInfo } from "./correlation.js";
import { type DatasetInfo, EXAMPLE_CHARS } from "./dataset.js";
import { html, raw, type Safe } from "./escape.js";
import type { EvaluationInfo, LeaderboardCell } from "./evaluation.js";
import type { DataOverview } from "./overview.js";

export interface ReportData {
  generatedAt: string;
  version: string;
  /** File names of the inputs, as given. */
  inputs: { db: string; dataset: string | null; correlation: string | null; results: string[] };
  overview: DataOverview;
  dataset: DatasetInfo | null;
  correlation: CorrelationInfo | null;
  evaluation: EvaluationInfo | null;
}

export interface ReportCharts {
  stateMap: string | null;
  /** Per correlation dimension id. */
  heatmaps: Map<string, { behavior: string | null; opinion: string | null }>;
  /** One per `evaluation.groups` entry, same order. */
  groups: string[];
}

/** The paper's figure for each compared set of groups. */
const FIGURES: Record<string, string> = {
  state: "Figure A5",
  region: "Figure A6",
  agesex: "Figure A7",
};

const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 40px; }
h3 { font-size: 17px; margin-top: 28px; }
nav a { margin-right: 14px; }
.muted, figcaption { color: var(--muted); font-size: 13px; }
.banner { background: #fff3cd; border: 1px solid #e0c36c; padding: 8px 12px; border-radius: 6px; font-weight: 600; }
.absent { background: var(--bg2); border: 1px dashed var(--line); padding: 10px 14px; border-radius: 6px; color: var(--muted); }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg2); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
figure { margin: 12px 0 20px; }
figure svg { max-width: 100%; height: auto; }
.pair { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
details { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
summary { cursor: pointer; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--bg2); padding: 8px; border-radius: 4px; font-size: 12.5px; max-height: 320px; overflow: auto; }
ul.caveats li { margin: 2px 0; }
.ci { color: var(--muted); font-size: 12px; }
`;

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The whole report document. */
export function reportHtml(data: ReportData, charts: ReportCharts): string {
  const synthetic = data.overview.summary.synthetic;
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="avakit ${data.version}">
<title>Align Via Actions report: ${data.inputs.db}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<header>
<h1>Align Via Actions report</h1>
<p class="muted">avakit ${data.version}, ${data.generatedAt}. Database <code>${data.inputs.db}</code>${data.inputs.dataset ? html`, dataset <code>${data.inputs.dataset}</code>` : ""}${data.inputs.correlation ? html`, correlation <code>${data.inputs.correlation}</code>` : ""}${data.inputs.results.length ? html`, results ${data.inputs.results.map((r, i) => html`${i ? ", " : ""}<code>${r}</code>`)}` : ""}.</p>
${synthetic > 0 ? html`<p class="banner">${synthetic} of ${data.overview.summary.ads} ads are SYNTHETIC (avakit synth): the numbers below say nothing about real audiences.</p>` : ""}
<nav><a href="#data">Data</a><a href="#dataset">Dataset</a><a href="#correlation">Behavior and opinions</a><a href="#evaluation">Evaluation</a></nav>
</header>
<main>
${dataSection(data.overview, charts.stateMap)}
${datasetSection(data.dataset)}
${correlationSection(data.correlation, charts.heatmaps)}
${evaluationSection(data.evaluation, charts.groups)}
</main>
<footer><p class="muted">Self-contained: no script, no network. Charts rendered with Vega-Lite at build time; state shapes from us-atlas (U.S. Census Bureau cartographic boundaries).</p></footer>
</body>
</html>
`;
  return doc.markup;
}

function dataSection(o: DataOverview, map: string | null): Safe {
  const s = o.summary;
  const quarantine = Object.entries(s.quarantined);
  const count = (n: number) => n.toLocaleString("en-US");
  const scope = o.page
    ? html`advertiser ${o.page.names.length ? o.page.names.join(" / ") : "(no page name)"} (page ${o.page.id}, ${count(o.page.ads)} ads)`
    : html`all ads`;
  return html`<section id="data">
<h2>Data</h2>
<dl class="facts">
<dt>ads</dt><dd>${count(s.ads)}${s.synthetic ? html` (${count(s.synthetic)} SYNTHETIC)` : ""}</dd>
<dt>advertisers</dt><dd>${count(s.advertisers)}</dd>
<dt>delivery start dates</dt><dd>${s.firstDate ?? "–"} to ${s.lastDate ?? "–"}</dd>
<dt>quarantined records</dt><dd>${count(quarantine.reduce((a, [, n]) => a + n, 0))}</dd>
<dt>median impressions per USD</dt><dd>${s.medianImpressionsPerUsd === null ? "–" : s.medianImpressionsPerUsd.toFixed(1)}</dd>
</dl>
<h3>Quarantine by reason</h3>
${
  quarantine.length
    ? html`<table><thead><tr><th>rule</th><th class="num">records</th></tr></thead><tbody>${quarantine.map(([rule, n]) => html`<tr><td>${rule}</td><td class="num">${count(n)}</td></tr>`)}</tbody></table>`
    : html`<p class="absent">No record was quarantined.</p>`
}
<h3>State interest: ${scope}</h3>
${
  map
    ? html`<figure>${raw(map)}<figcaption>Mean population-normalised interest (§3.1: a state's share of an ad's US-state delivery ÷ its share of the 2020 population) over ${count(o.interest.ads)} ads. 1 = delivery in proportion to population; grey = no value.</figcaption></figure>`
    : html`<p class="absent">No ad${o.page ? html` of page ${o.page.id}` : ""} has delivery in a US state, so there is no state-interest map.</p>`
}
<h3>Largest advertisers</h3>
${
  o.topAdvertisers.length
    ? html`<table><thead><tr><th>page</th><th>page id</th><th class="num">ads</th></tr></thead><tbody>${o.topAdvertisers.map((a) => html`<tr><td>${a.pageName ?? "–"}</td><td>${a.pageId}</td><td class="num">${count(a.ads)}</td></tr>`)}</tbody></table>`
    : html`<p class="absent">The database has no ads.</p>`
}
<h3>Example ads</h3>
${
  o.examples.length
    ? html`<p class="muted">The first ${o.examples.length} ads in ingest order${o.page ? " of this advertiser" : ""}.</p>${o.examples.map(
        (a) =>
          html`<details><summary>ad ${a.adId} · ${a.pageName ?? a.pageId} · ${a.startDate}${a.topState ? html` · top state ${a.topState}` : ""}</summary><pre>${a.body}</pre></details>`,
      )}`
    : html`<p class="absent">No ads to show.</p>`
}
</section>`;
}

function datasetSection(d: DatasetInfo | null): Safe {
  if (!d) {
    return html`<section id="dataset"><h2>Dataset</h2><p class="absent">No dataset given (<code>--dataset DIR</code>, the folder of <code>avakit build</code>).</p></section>`;
  }
  const [head, ...rows] = d.table;
  const numeric = (i: number) => i >= 3;
  return html`<section id="dataset">
<h2>Dataset</h2>
<p>${d.records.toLocaleString("en-US")} records in <code>${d.dir}</code>${d.embedder ? html`; pairs mined with embedder <code>${d.embedder}</code>` : ""}${d.synthetic && d.synthetic !== "none" ? html`; inputs: ${d.synthetic === "all" ? "all" : "some"} SYNTHETIC` : ""}.</p>
<h3>Tasks × splits (Table A3 layout)</h3>
<table><thead><tr>${(head ?? []).map((h, i) => html`<th${raw(numeric(i) ? ' class="num"' : "")}>${h}</th>`)}</tr></thead>
<tbody>${rows.map((r, ri) => html`<tr${raw(ri === rows.length - 1 ? ' class="total"' : "")}>${r.map((c, i) => html`<td${raw(numeric(i) ? ' class="num"' : "")}>${c}</td>`)}</tr>`)}</tbody></table>
<h3>One example per task</h3>
${
  d.examples.length
    ? d.examples.map(
        (e) =>
          html`<details><summary><strong>${e.task}</strong> · ${e.split} · ${e.id}</summary><p class="muted">prompt</p><pre>${clip(e.prompt)}</pre><p class="muted">response</p><pre>${clip(e.response)}</pre></details>`,
      )
    : html`<p class="absent">The dataset's data files are not there, so there are no examples.</p>`
}
</section>`;
}

function clip(text: string): string {
  return text.length > EXAMPLE_CHARS
    ? `${text.slice(0, EXAMPLE_CHARS)}… [cut at ${EXAMPLE_CHARS} characters]`
    : text;
}

function correlationSection(c: CorrelationInfo | null, heatmaps: ReportCharts["heatmaps"]): Safe {
  if (!c) {
    return html`<section id="correlation"><h2>Behavior and opinions</h2><p class="absent">No correlation folder given (<code>--correlation DIR</code>, the output of <code>avakit correlate</code>).</p></section>`;
  }
  const f = c.file;
  const order = ["state", "region", "agesex", "age", "sex"];
  const dims = [...c.dimensions].sort(
    (a, b) => rank(order, a.id) - rank(order, b.id) || (a.id < b.id ? -1 : 1),
  );
  return html`<section id="correlation">
<h2>Behavior and opinions</h2>
<p>Behavior similarity (Eq. 1) from ${f.ads?.total?.toLocaleString("en-US") ?? "?"} ads${f.ads?.synthetic ? html` (${f.ads.synthetic} SYNTHETIC)` : ""}; opinion similarity (Eq. 2) from ${f.inputs?.opinion_questions ?? "?"} questions of <code>${f.inputs?.opinions ?? "?"}</code>. Mantel test with ${f.permutations ?? "?"} permutations, seed ${f.seed ?? "?"}.</p>
${dims.map((d) => {
  const r = d.report;
  const charts = heatmaps.get(d.id);
  const fig = FIGURES[d.id];
  return html`<h3>${fig ? html`${fig}: ` : ""}${r.title} (${r.cells.length} groups)</h3>
<div class="pair">
${charts?.behavior ? html`<figure>${raw(charts.behavior)}<figcaption>Behavior similarity over ${r.behavior_ads} ads (<code>${r.behavior_file}</code>)</figcaption></figure>` : html`<p class="absent">No behavior matrix.</p>`}
${charts?.opinion ? html`<figure>${raw(charts.opinion)}<figcaption>Opinion similarity (<code>${r.opinion_file ?? ""}</code>)</figcaption></figure>` : r.opinion_missing ? html`<p class="absent">No opinion matrix: ${r.opinion_missing}</p>` : r.opinion_file ? "" : html`<p class="absent">No opinion matrix (Pew has no such groups).</p>`}
</div>
${d.problems.length ? html`<p class="absent">${d.problems.join("; ")}</p>` : ""}
${correlationTable(r.correlation)}
${r.caveats.length ? html`<ul class="caveats">${r.caveats.map((x) => html`<li>${x}</li>`)}</ul>` : ""}`;
})}
${f.caveats?.length ? html`<h3>Caveats</h3><ul class="caveats">${f.caveats.map((x) => html`<li>${x}</li>`)}</ul>` : ""}
</section>`;
}

function rank(order: string[], id: string): number {
  const i = order.indexOf(id);
  return i < 0 ? order.length : i;
}

/** p-values as correlate's printout writes them. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "–";
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

function formatR(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(3);
}

function correlationTable(c: PairCorrelation | null): Safe {
  if (!c) return html`<p class="muted">No correlation between the matrices (see the caveats).</p>`;
  const how =
    c.mantel.mode === "exact"
      ? `exact, ${c.mantel.permutations} relabellings`
      : `${c.mantel.permutations} permutations, seed ${c.mantel.seed}`;
  return html`<table><thead><tr><th>statistic</th><th class="num">value</th><th class="num">p (two-sided)</th><th class="num">p (greater)</th><th class="num">p (less)</th></tr></thead><tbody>
<tr><td>Pearson r</td><td class="num">${formatR(c.pearson.r)}</td><td class="num">${formatP(c.pearson.p)}</td><td class="num">${formatP(c.pearson.p_greater)}</td><td class="num">${formatP(c.pearson.p_less)}</td></tr>
<tr><td>Spearman ρ</td><td class="num">${formatR(c.spearman.rho)}</td><td class="num">${formatP(c.spearman.p)}</td><td class="num">${formatP(c.spearman.p_greater)}</td><td class="num">${formatP(c.spearman.p_less)}</td></tr>
</tbody></table><p class="muted">n = ${c.n} pairs of groups; Mantel test, ${how}.</p>`;
}

function evaluationSection(e: EvaluationInfo | null, groupCharts: string[]): Safe {
  if (!e) {
    return html`<section id="evaluation"><h2>Evaluation</h2><p class="absent">No results files given (<code>--results FILE</code>, written by <code>avakit eval</code>).</p></section>`;
  }
  const cell = (c: LeaderboardCell | null) =>
    c
      ? html`<td class="num">${c.value.toFixed(2)}<br><span class="ci">[${c.ci95[0].toFixed(2)}, ${c.ci95[1].toFixed(2)}] n=${c.n}</span></td>`
      : html`<td class="num">–</td>`;
  return html`<section id="evaluation">
<h2>Evaluation</h2>
<h3>Leaderboard (Table 2)</h3>
${
  e.columns.length
    ? html`<table><thead><tr><th>model</th>${e.columns.map((c) => html`<th class="num">${c}</th>`)}</tr></thead><tbody>${e.rows.map((r) => html`<tr><td>${r.model}</td>${r.cells.map(cell)}</tr>`)}</tbody></table>
<p class="muted">× 100, with seeded bootstrap 95% intervals. Results files: ${e.files.map((f, i) => html`${i ? ", " : ""}<code>${f.path}</code> (${f.benchmark}, ${f.model}${f.baseline ? ", baseline" : ""})`)}.</p>`
    : html`<p class="absent">The results files have no population-level rows.</p>`
}
<h3>Per group</h3>
${
  e.groups.length
    ? e.groups.map(
        (g, i) =>
          html`<figure>${groupCharts[i] ? raw(groupCharts[i]) : ""}<figcaption>${g.title} per group, with 95% intervals.</figcaption></figure>`,
      )
    : html`<p class="absent">No results file reports a metric per group (e.g. <code>avakit eval opinionqa --steer</code> gives steerability per steering group).</p>`
}
</section>`;
}
