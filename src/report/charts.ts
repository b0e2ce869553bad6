/**
 * The report's charts: Vega-Lite specs compiled to Vega and rendered to SVG text in Node (Vega's
 * headless View with renderer "none": no canvas, no DOM), so the page carries finished SVG and no
 * script. Vega escapes every text and attribute it writes; `assertInertSvg` checks the result
 * anyway, and the loader refuses any URL, so building a chart never reaches the network.
 */
import { parse, View, loader as vegaLoader } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { AvakitError } from "../core/errors.js";
import { US_STATES } from "../signals/geography.js";
import { usStateShapes } from "./us-states.js";

/** Shared look: no ARIA labels on each mark (a 51 × 51 heatmap would carry 2,601 of them). */
const CONFIG = {
  aria: false,
  background: "white",
  font: "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif",
  view: { stroke: null },
  axis: { labelFontSize: 10, titleFontSize: 11 },
  legend: { labelFontSize: 10, titleFontSize: 11 },
  title: { fontSize: 13, anchor: "start" },
} as const;

/** Renders a Vega-Lite spec to one `<svg>` element (text). */
export async function renderChart(spec: TopLevelSpec): Promise<string> {
  const vg = compile({
    ...spec,
    config: { ...CONFIG, ...(spec.config ?? {}) },
  } as TopLevelSpec).spec;
  const noNetwork = vegaLoader();
  const refuse = (uri: string) =>
    Promise.reject(new AvakitError(`report charts load nothing (asked for ${uri})`));
  noNetwork.load = refuse;
  noNetwork.sanitize = refuse;
  noNetwork.http = refuse;
  noNetwork.file = refuse;
  const view = new View(parse(vg), { renderer: "none", loader: noNetwork, logLevel: 0 });
  try {
    const svg = await view.toSVG();
    assertInertSvg(svg);
    return svg;
  } finally {
    view.finalize();
  }
}

/**
 * Throws unless `svg` is one inert `<svg>` element: no script, foreign object, event-handler
 * attribute or link. Data text inside it is escaped by Vega (`&lt;`), so any `<` is a real tag.
 */
export function assertInertSvg(svg: string): void {
  if (!svg.startsWith("<svg")) throw new AvakitError("a chart did not render to SVG");
  for (const tag of svg.matchAll(/<([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const name = tag[1]!.toLowerCase();
    if (name === "script" || name === "foreignobject" || name === "iframe") {
      throw new AvakitError(`a chart's SVG holds a <${name}> element`);
    }
    // Each match consumes a whole attribute, value included, so data inside values is skipped.
    for (const attr of tag[2]!.matchAll(
      /([^\s=/>"']+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?/g,
    )) {
      const a = attr[1]!.toLowerCase();
      if (a.startsWith("on") || a === "href" || a === "xlink:href" || a === "src") {
        throw new AvakitError(`a chart's SVG has a ${a} attribute on <${name}>`);
      }
    }
  }
}

/**
 * A US choropleth: one value per state in `US_STATES` order (null: no value, drawn grey).
 * Population-normalised interest is 1 where a state gets its population's share of delivery,
 * so the color scale diverges at 1 (blue below, orange above).
 */
export function stateMapSpec(values: readonly (number | null)[], legend: string): TopLevelSpec {
  const byState = new Map(US_STATES.map((s, i) => [s, values[i] ?? null] as const));
  const features = usStateShapes().map((f) => ({
    type: "Feature",
    geometry: f.geometry,
    properties: { name: f.properties.name, value: byState.get(f.properties.name) ?? null },
  }));
  const max = Math.max(2, ...values.filter((v): v is number => v !== null && Number.isFinite(v)));
  return {
    width: 600,
    height: 376,
    data: { values: features },
    projection: { type: "identity" },
    layer: [
      { mark: { type: "geoshape", fill: "#ddd", stroke: "white", strokeWidth: 0.5 } },
      {
        transform: [{ filter: "isValid(datum.properties.value)" }],
        mark: { type: "geoshape", stroke: "white", strokeWidth: 0.5 },
        encoding: {
          color: {
            field: "properties.value",
            type: "quantitative",
            title: legend,
            scale: { type: "symlog", domain: [0, max], domainMid: 1, scheme: "blueorange" },
          },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** A named square matrix (CSV of `avakit correlate`): values may be null (undefined entry). */
export interface NamedMatrix {
  names: string[];
  values: (number | null)[][];
}

/**
 * A heatmap of a similarity matrix (Figures A5–A7). Behavior similarities are rank correlations
 * in [-1, 1] (diverging scale at 0); opinion similarities are alignments in [0, 1] whose
 * off-diagonal entries sit close together, so their scale is fitted to the data.
 */
export function heatmapSpec(
  m: NamedMatrix,
  opts: { title: string; legend: string; kind: "correlation" | "similarity" },
): TopLevelSpec {
  const cells: { row: string; col: string; value: number | null }[] = [];
  m.names.forEach((row, i) => {
    m.names.forEach((col, j) => {
      cells.push({ row, col, value: m.values[i]?.[j] ?? null });
    });
  });
  const k = m.names.length;
  const size = Math.max(10, Math.min(48, Math.floor(560 / Math.max(k, 1))));
  const scale =
    opts.kind === "correlation"
      ? { domain: [-1, 1], scheme: "redblue", reverse: true }
      : { scheme: "viridis", zero: false };
  return {
    title: opts.title,
    width: size * k,
    height: size * k,
    data: { values: cells },
    mark: { type: "rect", stroke: "white", strokeWidth: k > 20 ? 0 : 0.5 },
    encoding: {
      x: {
        field: "col",
        type: "nominal",
        sort: m.names,
        title: null,
        axis: { labelAngle: -60, labelFontSize: k > 20 ? 8 : 10, labelLimit: 160 },
      },
      y: {
        field: "row",
        type: "nominal",
        sort: m.names,
        title: null,
        axis: { labelFontSize: k > 20 ? 8 : 10, labelLimit: 160 },
      },
      color: { field: "value", type: "quantitative", title: opts.legend, scale },
    },
  } as unknown as TopLevelSpec;
}

/** One model's score for one group, with its bootstrap 95% interval. */
export interface GroupScore {
  model: string;
  group: string;
  value: number;
  lo: number;
  hi: number;
}

/** Per-group scores (e.g. steerability per steering group) as bars with 95% interval whiskers. */
export function groupScoresSpec(rows: readonly GroupScore[], title: string): TopLevelSpec {
  const groups = [...new Set(rows.map((r) => r.group))];
  const models = [...new Set(rows.map((r) => r.model))];
  const band = Math.max(14, 6 * models.length + 6);
  return {
    title,
    width: 520,
    height: { step: band },
    data: { values: rows },
    encoding: {
      y: { field: "group", type: "nominal", sort: groups, title: null, axis: { labelLimit: 220 } },
      yOffset: { field: "model", type: "nominal", sort: models },
    },
    layer: [
      {
        mark: { type: "bar", opacity: 0.8 },
        encoding: {
          x: { field: "value", type: "quantitative", title: "score (× 100)" },
          color: {
            field: "model",
            type: "nominal",
            sort: models,
            title: "model",
            legend: { orient: "bottom", columns: 1, labelLimit: 400 },
          },
        },
      },
      {
        mark: { type: "rule", color: "#333" },
        encoding: { x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
      },
    ],
  } as unknown as TopLevelSpec;
}
