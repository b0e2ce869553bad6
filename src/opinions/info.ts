import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { AvakitError, errorMessage } from "../core/errors.js";
import { parseCsv } from "./csv.js";
import { type PyValue, parsePythonLiteral } from "./python-literal.js";

/** An answer option: the .sav value code and its text. */
export interface CodedOption {
  code: number;
  label: string;
}

/** One row of OpinionQA's `human_resp/<wave>/info.csv`. */
export interface InfoQuestion {
  /** Pew variable, e.g. "SAFECRIME_W26". */
  key: string;
  question: string;
  /** `references[:len(option_ordinal)]`: the ordinal options, in OpinionQA's order. */
  options: CodedOption[];
  /** `option_ordinal`: their positions (not always 1..N, e.g. [1, 2, 1.5]). */
  ordinal: number[];
  /** `references[len(option_ordinal):]`: "Refused" and other non-ordinal answers ("Not sure"). */
  refusals: CodedOption[];
  file: string;
}

/**
 * Loads OpinionQA question metadata from `DIR/info.csv`, or from every `DIR/<sub>/info.csv`
 * (the `human_resp` folder). Rows are grouped by key, upper-cased: a few keys (IDIMPORT_W43,
 * RACESURV36_W43, RACESURV37_W43) have several rows, one per piped question text. Rows repeated
 * across files (the disagreement-500 folder) are kept once.
 */
export async function loadInfo(dir: string): Promise<Map<string, InfoQuestion[]>> {
  const files: string[] = [];
  if (existsSync(join(dir, "info.csv"))) files.push(join(dir, "info.csv"));
  else {
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch (err) {
      throw new AvakitError(`--info ${dir}: cannot read folder (${errorMessage(err)})`, {
        cause: err,
      });
    }
    for (const e of entries)
      if (existsSync(join(dir, e, "info.csv"))) files.push(join(dir, e, "info.csv"));
  }
  if (files.length === 0) {
    throw new AvakitError(`--info ${dir}: no info.csv there nor in its subfolders`);
  }
  const byKey = new Map<string, InfoQuestion[]>();
  for (const file of files) {
    for (const q of parseInfoCsv(await readFile(file, "utf8"), file)) {
      const k = q.key.toUpperCase();
      const list = byKey.get(k) ?? [];
      if (!list.some((x) => x.question === q.question)) list.push(q);
      byKey.set(k, list);
    }
  }
  return byKey;
}

/** Parses the text of one info.csv (named by `file` in errors). */
export function parseInfoCsv(text: string, file: string): InfoQuestion[] {
  const rows = parseCsv(text);
  const out: InfoQuestion[] = [];
  rows.forEach((row, n) => {
    const where = `${file} row ${n + 2}`;
    const key = row.key;
    if (!key) throw new AvakitError(`${where}: no "key" column`);
    try {
      const mapping = asDict(parsePythonLiteral(row.option_mapping ?? ""));
      const references = asStrings(parsePythonLiteral(row.references ?? ""));
      const ordinal = asNumbers(parsePythonLiteral(row.option_ordinal ?? ""));
      const codeOf = new Map<string, number>();
      for (const [c, label] of mapping) {
        if (codeOf.has(label)) throw new Error(`label "${label}" appears twice in option_mapping`);
        codeOf.set(label, c);
      }
      const coded = references.map((label) => {
        const code = codeOf.get(label);
        if (code === undefined) throw new Error(`reference "${label}" is not in option_mapping`);
        return { code, label };
      });
      if (ordinal.length > coded.length) {
        throw new Error(`${ordinal.length} ordinal positions for ${coded.length} references`);
      }
      out.push({
        key,
        question: row.question ?? "",
        options: coded.slice(0, ordinal.length),
        ordinal,
        refusals: coded.slice(ordinal.length),
        file,
      });
    } catch (err) {
      throw new AvakitError(`${where} (${key}): ${errorMessage(err)}`, { cause: err });
    }
  });
  return out;
}

function asDict(v: PyValue): Array<[number, string]> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new Error("option_mapping is not a dict");
  }
  return v.dict.map(([k, label]) => {
    if (typeof k !== "number" || typeof label !== "string") {
      throw new Error("option_mapping must map numbers to strings");
    }
    return [k, label];
  });
}

function asStrings(v: PyValue): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new Error("references is not a list of strings");
  }
  return v as string[];
}

function asNumbers(v: PyValue): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) {
    throw new Error("option_ordinal is not a list of numbers");
  }
  return v as number[];
}

/** OpinionQA's `metadata.csv`: attribute → its groups, in order. */
export function parseMetadataCsv(text: string, file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of parseCsv(text)) {
    const v = parsePythonLiteral(row.options ?? "");
    if (!row.key || !Array.isArray(v) || !v.every((x) => typeof x === "string")) {
      throw new AvakitError(`${file}: bad row ${JSON.stringify(row)}`);
    }
    out.set(row.key, v as string[]);
  }
  return out;
}
