import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename } from "node:path";
import { AvakitError, errorMessage } from "../core/errors.js";

/** One variable of an SPSS system file: its name, label and value labels. */
export interface SavVariable {
  name: string;
  /** Variable label (the question text in Pew files), "" when absent. */
  label: string;
  type: "numeric" | "string";
  /** Value → label, in the file's order (ascending codes in Pew files). */
  valueLabels: ReadonlyMap<number, string>;
}

/** A decoded .sav file: metadata plus one column per variable. */
export interface SavFile {
  path: string;
  rowCount: number;
  variables: readonly SavVariable[];
  /** Case-insensitive lookup (Pew spells some names in mixed case). */
  variable(name: string): SavVariable | undefined;
  /** Numeric column; NaN marks system-missing. Throws for an unknown or string variable. */
  numeric(name: string): Float64Array;
}

/** The part of sav-reader 2.0.8's API used here. */
interface ReaderSysVar {
  name: string;
  type: number;
  label: string | null;
  __nb_string_contin_recs?: number;
  __child_string_sysvars?: ReaderSysVar[];
}
interface ReaderMeta {
  header: { n_cases?: number; compressed?: boolean; bias?: number };
  sysvars: ReaderSysVar[];
  firstRecordPosition: number;
  getValueLabels(name: string): Array<{ val: number | string; label: string }> | undefined;
}
interface SavBufferReader {
  meta: ReaderMeta;
  open(): Promise<void>;
  readNextRow(includeNulls?: boolean): Promise<Record<string, unknown> | null>;
}
type SavReaderModule = { SavBufferReader: new (buffer: Buffer) => SavBufferReader };

// sav-reader is CommonJS with a require-only export map, so ESM `import` cannot resolve it.
let savReader: SavReaderModule | undefined;
function loadSavReader(): SavReaderModule {
  savReader ??= createRequire(import.meta.url)("sav-reader") as SavReaderModule;
  return savReader;
}

/**
 * Opens a .sav file with sav-reader and returns its metadata reader (header, variables,
 * variable labels, value labels). Errors name the file.
 */
export async function openSavMeta(path: string, buffer?: Buffer): Promise<SavBufferReader> {
  let buf = buffer;
  if (!buf) {
    try {
      buf = await readFile(path);
    } catch (err) {
      throw new AvakitError(`${path}: cannot read file (${errorMessage(err)})`, { cause: err });
    }
  }
  const { SavBufferReader } = loadSavReader();
  const reader = new SavBufferReader(buf);
  try {
    await reader.open();
  } catch (err) {
    throw new AvakitError(`${path}: not a readable SPSS .sav file (${errorMessage(err)})`, {
      cause: err,
    });
  }
  return reader;
}

/**
 * Reads a .sav file: metadata (variables, labels, value labels) through sav-reader, and the
 * data records through a synchronous decoder of the same byte layout. sav-reader's own row
 * reader awaits every value (6 s for W26, 16 s for W92 here); this decoder takes ~0.1 s and
 * gives identical values on all 15 ATP files (checked value by value; see sav.test.ts).
 */
export async function readSav(path: string): Promise<SavFile> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new AvakitError(`${path}: cannot read file (${errorMessage(err)})`, { cause: err });
  }
  const reader = await openSavMeta(path, buf);
  const meta = reader.meta;
  const variables: SavVariable[] = meta.sysvars.map((v) => {
    const labels = new Map<number, string>();
    if (v.type === 0) {
      for (const e of meta.getValueLabels(v.name) ?? []) {
        if (typeof e.val === "number") labels.set(e.val, e.label);
      }
    }
    return {
      name: v.name,
      label: v.label ?? "",
      type: v.type === 0 ? "numeric" : "string",
      valueLabels: labels,
    };
  });
  // Each string variable spans 1 + continuation 8-byte segments, plus those of its
  // very-long-string children (the layout sav-reader's readNextRow walks).
  const layout = meta.sysvars.map((v) => ({
    numeric: v.type === 0,
    segments:
      v.type === 0
        ? 1
        : [v, ...(v.__child_string_sysvars ?? [])].reduce(
            (n, s) => n + 1 + (s.__nb_string_contin_recs ?? 0),
            0,
          ),
  }));
  const compressed = meta.header.compressed === true;
  const bias = meta.header.bias ?? 100;
  const hint =
    meta.header.n_cases !== undefined && meta.header.n_cases > 0 ? meta.header.n_cases : 0;
  let decoded: { columns: Float64Array[]; rows: number };
  try {
    decoded = decodeRecords(buf, meta.firstRecordPosition, layout, compressed, bias, hint);
  } catch (err) {
    throw new AvakitError(`${path}: cannot decode data records (${errorMessage(err)})`, {
      cause: err,
    });
  }
  return makeSavFile(path, variables, decoded.columns, decoded.rows);
}

function makeSavFile(
  path: string,
  variables: SavVariable[],
  columns: Float64Array[],
  rowCount: number,
): SavFile {
  const index = new Map<string, number>();
  variables.forEach((v, i) => {
    index.set(v.name, i);
    if (!index.has(v.name.toUpperCase())) index.set(v.name.toUpperCase(), i);
  });
  const find = (name: string): number | undefined =>
    index.get(name) ?? index.get(name.toUpperCase());
  return {
    path,
    rowCount,
    variables,
    variable(name) {
      const i = find(name);
      return i === undefined ? undefined : variables[i];
    },
    numeric(name) {
      const i = find(name);
      const v = i === undefined ? undefined : variables[i];
      if (i === undefined || !v) throw new AvakitError(`${path}: no variable ${name}`);
      if (v.type !== "numeric") throw new AvakitError(`${path}: variable ${name} is not numeric`);
      return columns[i]!;
    },
  };
}

const SYSMIS = -Number.MAX_VALUE;

/**
 * Decodes the data records of a system file (PSPP "System File Format": bytecode compression
 * with 8 command bytes per block, code 0 padding, 1–251 = value + bias, 252 end of data,
 * 253 raw 8 bytes follow the block, 254 eight spaces, 255 system-missing; or raw 8-byte cells
 * when uncompressed). String cells are skipped: the opinions pipeline needs numeric codes only,
 * and a string column reads as all NaN.
 */
export function decodeRecords(
  buf: Buffer,
  start: number,
  layout: readonly { numeric: boolean; segments: number }[],
  compressed: boolean,
  bias: number,
  rowsHint: number,
): { columns: Float64Array[]; rows: number } {
  const nv = layout.length;
  let capacity = Math.max(rowsHint, 16);
  let columns = layout.map(() => new Float64Array(capacity));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const end = buf.length;
  let pos = start;
  let rows = 0;
  let block = 0;
  let ci = 8;
  let atEnd = false;
  // Returns the next cell as a number (NaN for system-missing/strings), or undefined at end of data.
  const nextCell = (): number | undefined => {
    if (!compressed) {
      if (pos + 8 > end) return undefined;
      const d = dv.getFloat64(pos, true);
      pos += 8;
      return d === SYSMIS ? Number.NaN : d;
    }
    for (;;) {
      if (ci >= 8) {
        if (pos + 8 > end) return undefined;
        block = pos;
        pos += 8;
        ci = 0;
      }
      const code = buf[block + ci++]!;
      if (code === 0) continue;
      if (code === 252) return undefined;
      if (code === 253) {
        if (pos + 8 > end) throw new Error("truncated raw value");
        const d = dv.getFloat64(pos, true);
        pos += 8;
        return d === SYSMIS ? Number.NaN : d;
      }
      if (code >= 254) return Number.NaN;
      return code - bias;
    }
  };
  while (!atEnd) {
    for (let v = 0; v < nv; v++) {
      const { numeric, segments: segs } = layout[v]!;
      let value = Number.NaN;
      for (let s = 0; s < segs; s++) {
        const cell = nextCell();
        if (cell === undefined) {
          if (v === 0 && s === 0) {
            atEnd = true;
            break;
          }
          throw new Error(`data end in the middle of record ${rows + 1}`);
        }
        if (numeric) value = cell;
      }
      if (atEnd) break;
      if (rows === capacity) {
        capacity *= 2;
        columns = columns.map((c) => {
          const grown = new Float64Array(capacity);
          grown.set(c);
          return grown;
        });
      }
      columns[v]![rows] = value;
    }
    if (!atEnd) rows++;
  }
  return { columns: columns.map((c) => c.subarray(0, rows)), rows };
}

/**
 * The ATP wave of a file ("W26"): the most common `_W<n>` suffix among its variable names,
 * else the `W<n>` in the file name.
 */
export function surveyOf(sav: SavFile): string {
  const tally = new Map<string, number>();
  for (const v of sav.variables) {
    const m = /_W(\d+)$/i.exec(v.name);
    if (m) tally.set(m[1]!, (tally.get(m[1]!) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestN = 0;
  for (const [w, n] of tally) {
    if (n > bestN) {
      best = w;
      bestN = n;
    }
  }
  if (best) return `W${Number(best)}`;
  const m = /W(\d+)/i.exec(basename(sav.path));
  if (m) return `W${Number(m[1])}`;
  throw new AvakitError(
    `${sav.path}: cannot tell which ATP wave this is (no _W<n> variable names, no W<n> in the file name)`,
  );
}

/** The wave's survey weight variable `WEIGHT_W<n>`; a named error when the file lacks it. */
export function weightVariable(sav: SavFile, survey: string): string {
  const name = `WEIGHT_${survey}`;
  const v = sav.variable(name);
  if (v && v.type === "numeric") return v.name;
  const others = sav.variables.filter((x) => /^WEIGHT/i.test(x.name)).map((x) => x.name);
  throw new AvakitError(
    `${sav.path}: no weight variable ${name}` +
      (others.length
        ? ` (weights present: ${others.join(", ")})`
        : " (no WEIGHT_* variable at all)") +
      "; use --unweighted for counts-based distributions",
  );
}
