import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { DimensionReport } from "../analysis/correlate.js";
import { AvakitError, errorMessage } from "../core/errors.js";
import type { NamedMatrix } from "./charts.js";

/** correlation.json as the report reads it (analysis/correlate.ts `CorrelationReport`). */
export interface CorrelationFile {
  avakit_version?: string;
  inputs?: { db?: string; opinions?: string; opinion_questions?: number };
  ads?: { total?: number; synthetic?: number; with_state_delivery?: number };
  permutations?: number;
  seed?: number;
  method?: Record<string, string>;
  results: Record<string, DimensionReport>;
  caveats?: string[];
}

export interface CorrelationDimension {
  id: string;
  report: DimensionReport;
  behavior: NamedMatrix | null;
  opinion: NamedMatrix | null;
  /** Why a matrix named in correlation.json could not be read. */
  problems: string[];
}

export interface CorrelationInfo {
  dir: string;
  file: CorrelationFile;
  dimensions: CorrelationDimension[];
}

/** Reads `avakit correlate --out DIR`: correlation.json and the matrices it names. */
export function readCorrelation(dir: string): CorrelationInfo {
  const path = join(dir, "correlation.json");
  let file: CorrelationFile;
  try {
    file = JSON.parse(readFileSync(path, "utf8")) as CorrelationFile;
  } catch (err) {
    throw new AvakitError(
      `--correlation ${dir}: cannot read correlation.json (${errorMessage(err)})`,
      {
        cause: err,
      },
    );
  }
  if (!file.results || typeof file.results !== "object") {
    throw new AvakitError(`--correlation ${dir}: correlation.json has no results`);
  }
  const dimensions = Object.entries(file.results).map(([id, report]) => {
    const problems: string[] = [];
    const read = (name: string | null | undefined): NamedMatrix | null => {
      if (!name) return null;
      // Only files inside DIR: correlation.json names them, and it is input data.
      const csv = join(dir, basename(name));
      if (!existsSync(csv)) {
        problems.push(`${basename(name)} is missing`);
        return null;
      }
      try {
        return parseMatrixCsv(readFileSync(csv, "utf8"));
      } catch (err) {
        problems.push(`${basename(name)}: ${errorMessage(err)}`);
        return null;
      }
    };
    return {
      id,
      report,
      behavior: read(report.behavior_file),
      opinion: read(report.opinion_file),
      problems,
    };
  });
  return { dir, file, dimensions };
}

/** A matrix CSV of analysis/matrix-csv.ts back: header of names, one row per name, "" = undefined. */
export function parseMatrixCsv(text: string): NamedMatrix {
  const rows = parseCsv(text).filter((r) => r.length > 1 || r[0] !== "");
  const [head, ...body] = rows;
  if (!head || head.length < 2) throw new Error("no header row");
  const names = head.slice(1);
  if (body.length !== names.length) {
    throw new Error(`${names.length} names but ${body.length} rows`);
  }
  const values = body.map((r, i) => {
    if (r[0] !== names[i]) throw new Error(`row ${i + 1} is "${r[0]}", not "${names[i]}"`);
    return names.map((_, j) => {
      const v = r[j + 1] ?? "";
      if (v === "") return null;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`not a number: "${v}"`);
      return n;
    });
  });
  return { names, values };
}

/** RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF line ends. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
