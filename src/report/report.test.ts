import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { correlate } from "../analysis/correlate.js";
import { leaderboard } from "../eval/leaderboard.js";
import {
  type BenchmarkOutcome,
  type ResultRow,
  toResultsFile,
  writeResultsFile,
} from "../eval/results.js";
import { ingestFiles } from "../ingest/ingest.js";
import { stateInterest } from "../signals/compute.js";
import { readSignals } from "../signals/records.js";
import { Store } from "../store/store.js";
import { writeSynthFile } from "../synth/write.js";
import { buildDataset } from "../tasks/build.js";
import { DEFAULT_BUILD_CONFIG } from "../tasks/config.js";
import { assertInertSvg } from "./charts.js";
import { parseMatrixCsv } from "./correlation.js";
import { escapeHtml, html } from "./escape.js";
import { evaluationOf, leaderboardColumn } from "./evaluation.js";
import { readOverview } from "./overview.js";
import { buildReport } from "./report.js";

const fixture = (path: string) => new URL(`../../test/fixtures/${path}`, import.meta.url).pathname;
const CLI = new URL("../cli/main.ts", import.meta.url).pathname;
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
const CHROMIUM = "/usr/bin/chromium";
const XSS_BODY = "<img src=x onerror=alert(1)><script>alert(2)</script>";
const XSS_PAGE = '<b onmouseover=alert(3)>Evil & "Co"</b>';

const dir = mkdtempSync(join(tmpdir(), "avakit-report-test-"));
const db = join(dir, "ads.duckdb");
const datasetDir = join(dir, "dataset");
const correlationDir = join(dir, "correlation");
const resultsFiles = [join(dir, "results-a.json"), join(dir, "results-b.json")];

function row(metric: ResultRow["metric"], group: string | null, value: number, n = 40): ResultRow {
  return {
    benchmark: "opinionqa",
    metric,
    group,
    variant: "opinionqa",
    value,
    n,
    ci95: [value - 2, value + 1.5],
  };
}

function outcome(results: ResultRow[]): BenchmarkOutcome {
  return {
    benchmark: "opinionqa",
    templates: { "opinionqa-mc": "1" },
    config: { surveys: ["W26"], seed: 1 },
    total: 40,
    failures: [],
    mass: { mean: 0.98, low: 0, threshold: 0.5, n: 40 },
    serverModel: null,
    excluded: {},
    results,
  };
}

before(async () => {
  const synth = join(dir, "synth.jsonl");
  await writeSynthFile({ ads: 240, seed: 7, advertisers: 12 }, synth);
  const store = await Store.open(db);
  try {
    // The hostile records first, so the report's first example ad is the script-laden one.
    await ingestFiles(store, [fixture("report/xss-ads.jsonl")], { workers: 1 });
    await ingestFiles(store, [synth], { workers: 1 });
  } finally {
    store.close();
  }
  await buildDataset({
    db,
    out: datasetDir,
    cfg: { ...DEFAULT_BUILD_CONFIG, embedder: "hashing", similarityThreshold: 0.5, shardAds: 250 },
    workers: 0,
  });
  await correlate({
    db,
    opinions: fixture("correlate/opinions-agesex.jsonl"),
    out: correlationDir,
    permutations: 99,
  });
  const groups = ["CREGION:Northeast", "CREGION:South", "AGE:18-29", "<i>SEX:Female</i>"];
  await writeResultsFile(
    resultsFiles[0]!,
    toResultsFile(
      outcome([
        row("representativeness", null, 81.5),
        row("steerability", null, 70),
        ...groups.map((g, i) => row("steerability", g, 60 + i * 5)),
      ]),
      { spec: "uniform", backend: "uniform" },
    ),
  );
  await writeResultsFile(
    resultsFiles[1]!,
    toResultsFile(
      outcome([
        row("representativeness", null, 85.25),
        ...groups.map((g, i) => row("steerability", g, 70 + i * 3)),
      ]),
      { spec: "openai:<script>model</script>", backend: "openai", baseUrl: "http://localhost:1" },
    ),
  );
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("escapeHtml and html`` escape the five special characters; nested html stays markup", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
  const inner = html`<b>${"<i>"}</b>`;
  assert.equal(
    html`<p>${inner}${["<", ">"]}${null}${false}</p>`.markup,
    "<p><b>&lt;i&gt;</b>&lt;&gt;</p>",
  );
});

test("assertInertSvg refuses scripts, handlers and links but not escaped data text", () => {
  assertInertSvg('<svg><text aria-label="&lt;img onerror=x&gt;">&lt;script&gt;</text></svg>');
  assert.throws(() => assertInertSvg("<svg><script>alert(1)</script></svg>"), /script/);
  assert.throws(() => assertInertSvg('<svg><rect onclick="x()"/></svg>'), /onclick/);
  assert.throws(() => assertInertSvg('<svg><a xlink:href="http://x">a</a></svg>'), /href/);
  assert.throws(() => assertInertSvg("<div></div>"), /SVG/);
});

test("parseMatrixCsv reads matrix-csv.ts's format back: quoted names, empty cells", () => {
  const m = parseMatrixCsv(',"a,b",c\n"a,b",1,\nc,-0.5,1\n');
  assert.deepEqual(m.names, ["a,b", "c"]);
  assert.deepEqual(m.values, [
    [1, null],
    [-0.5, 1],
  ]);
  assert.throws(() => parseMatrixCsv(",a,b\na,1,2\n"), /2 names but 1 rows/);
});

test("the leaderboard keeps leaderboard()'s columns and values and adds each cell's interval", async () => {
  const files = await Promise.all(
    resultsFiles.map(async (f) => JSON.parse(readFileSync(f, "utf8"))),
  );
  const plain = leaderboard(files);
  const e = evaluationOf(files, resultsFiles);
  assert.deepEqual(e.columns, plain.columns);
  assert.deepEqual(
    e.rows.map((r) => [r.model, r.cells.map((c) => c?.value ?? null)]),
    plain.rows.map((r) => [r.model, r.cells]),
  );
  const rep = files[0].results[0] as ResultRow;
  assert.equal(leaderboardColumn(rep), plain.columns[0]);
  assert.deepEqual(e.rows[0]!.cells[0]!.ci95, [79.5, 83]);
  assert.equal(e.groups.length, 1);
  assert.equal(e.groups[0]!.metric, "steerability");
  assert.equal(e.groups[0]!.rows.length, 8);
});

test("the mapped interest is the mean of stateInterest over the ads (all, or one page's)", async () => {
  const store = await Store.open(db, { readOnly: true });
  try {
    const o = await readOverview(store);
    const sums = new Array<number>(51).fill(0);
    let n = 0;
    for await (const rec of readSignals(store)) {
      const v = Object.values(rec.state_interest);
      v.forEach((x, i) => {
        sums[i]! += x;
      });
      n++;
    }
    assert.equal(o.interest.ads, n);
    o.interest.mean.forEach((m, i) => {
      assert.ok(Math.abs(m! - sums[i]! / n) < 1e-9, `state ${i}: ${m} vs ${sums[i]! / n}`);
    });
    const page = await readOverview(store, "9001");
    assert.equal(page.page?.ads, 1);
    assert.deepEqual(page.page?.names, [XSS_PAGE]);
    const one = stateInterest([
      { region: "Texas", share: 0.75 },
      { region: "Ohio", share: 0.25 },
    ])!;
    page.interest.mean.forEach((m, i) => {
      assert.ok(Math.abs(m! - one[i]!) < 1e-9);
    });
    assert.equal(page.examples[0]?.body, XSS_BODY);
    assert.equal(o.summary.quarantined.empty_body, 1);
  } finally {
    store.close();
  }
});

test("avakit report: absent inputs are said, not failed; escaping of every data string", () => {
  const out = join(dir, "bare.html");
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", CLI, "report", "--db", db, "--page", "9001", "--out", out],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /wrote .*bare\.html \(\d+ KiB, 1 charts; not given: dataset, correlation, evaluation\)/,
  );
  const page = readFileSync(out, "utf8");
  assert.match(page, /No dataset given/);
  assert.match(page, /No correlation folder given/);
  assert.match(page, /No results files given/);
  assert.ok(page.includes(escapeHtml(XSS_PAGE)), "the page name, escaped");
  assert.ok(page.includes(escapeHtml(XSS_BODY)), "the ad body, escaped");
  assert.ok(!page.includes("<script"), "no script element at all");
  assert.ok(!/<img/i.test(page));
  const missing = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      CLI,
      "report",
      "--db",
      db,
      "--correlation",
      join(dir, "nope"),
      "--out",
      out,
    ],
    { encoding: "utf8" },
  );
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /--correlation .*nope: cannot read correlation\.json/);
});

test("the full report: every section, the charts as SVG, no script, under 5 MB", async () => {
  const out = join(dir, "report.html");
  const r = await buildReport({
    db,
    dataset: datasetDir,
    correlation: correlationDir,
    results: resultsFiles,
    out,
  });
  assert.deepEqual(r.sections, { data: true, dataset: true, correlation: true, evaluation: true });
  const page = readFileSync(out, "utf8");
  assert.ok(r.bytes < 5_000_000, `${r.bytes} bytes`);
  assert.ok(!/<script/i.test(page), "no script element");
  assert.match(page, /Table A3 layout/);
  assert.match(page, /TAG-G/);
  assert.match(page, /Figure A5: US states/);
  assert.match(page, /Figure A6: Census regions/);
  assert.match(page, /Figure A7: age × sex cells/);
  assert.match(page, /Pearson r/);
  assert.match(page, /Leaderboard \(Table 2\)/);
  assert.match(page, /81\.50<br><span class="ci">\[79\.50, 83\.00\] n=40/);
  assert.ok(page.includes("openai:&lt;script&gt;model&lt;/script&gt;"));
  assert.ok(page.includes(escapeHtml(XSS_BODY)));
  // the map; behavior: state, region, agesex, age, sex; opinion (the fixture has CREGION and AGESEX
  // groups only): region, agesex; steerability per group.
  assert.equal(r.charts, 9);
  assert.equal((page.match(/<svg /g) ?? []).length, r.charts);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, "report.html"), page);
});

const haveChromium = existsSync(CHROMIUM);

test("the report in a real headless browser: no request, no console error, no dialog, charts drawn", {
  skip: haveChromium ? false : `${CHROMIUM} is absent (CI installs the Debian chromium package)`,
}, async () => {
  const out = join(dir, "browser.html");
  await buildReport({
    db,
    dataset: datasetDir,
    correlation: correlationDir,
    results: resultsFiles,
    out,
  });
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const url = pathToFileURL(out).href;
    const requests: string[] = [];
    const errors: string[] = [];
    const dialogs: string[] = [];
    page.on("request", (req) => requests.push(req.url()));
    page.on("console", (msg) => {
      if (msg.type() === "error" || msg.type() === "warning") errors.push(msg.text());
    });
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("dialog", async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    await page.goto(url, { waitUntil: "load" });
    // Open every collapsible so the hidden example ads and records are parsed and laid out too.
    await page.$$eval("details", (els) => {
      for (const d of els) d.setAttribute("open", "");
    });
    await page.waitForTimeout(300);
    assert.deepEqual(requests, [url], "only the file itself");
    assert.deepEqual(errors, []);
    assert.deepEqual(dialogs, [], "no script ran");
    const svgs = await page.$$eval("figure svg", (els) =>
      els.map((s) => ({
        shapes: s.querySelectorAll("path, rect").length,
        width: s.getBoundingClientRect().width,
      })),
    );
    assert.equal(svgs.length, 9);
    for (const s of svgs) {
      assert.ok(s.shapes > 2, `an SVG with ${s.shapes} shapes`);
      assert.ok(s.width > 50, `an SVG ${s.width} px wide`);
    }
    assert.equal(await page.$$eval("script, img, iframe, object, embed", (els) => els.length), 0);
    const text = (await page.textContent("body")) ?? "";
    assert.ok(text.includes(XSS_BODY), "the script-laden body is shown as text");
    assert.ok(text.includes(XSS_PAGE), "the page name is shown as text");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    assert.ok(existsSync(join(ARTIFACTS, "report.png")));
  } finally {
    await browser.close();
  }
});
