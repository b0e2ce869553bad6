import { readFile } from "node:fs/promises";
import { AvakitError, errorMessage } from "../core/errors.js";
import { sha256 } from "../core/hash.js";

/** What the analysis needs of one `avakit opinions build` record (src/opinions/build.ts OpinionRecord). */
export interface OpinionQuestion {
  survey: string | null;
  key: string;
  /** 1-based line of the record in its file. */
  line: number;
  /** Ordinal positions of the options, the order of every distribution. */
  ordinal: number[];
  /** Group key ("Overall", "CREGION:Northeast", …) → distribution over the options. */
  distributions: Record<string, number[]>;
}

export interface OpinionsFile {
  path: string;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
  /** One per (survey, key): a key repeated with another (piped) question text is kept once. */
  questions: OpinionQuestion[];
  /** Records left out as repeats of a (survey, key) already read: same variable, same distributions. */
  repeats: number;
  /** Every group key that has at least one distribution. */
  groups: Set<string>;
}

/**
 * Reads an opinions JSONL file (`avakit opinions build --out`), checking every line; a bad line
 * is an error naming FILE:LINE.
 */
export async function readOpinionsFile(path: string): Promise<OpinionsFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new AvakitError(`--opinions ${path}: cannot read (${errorMessage(err)})`, { cause: err });
  }
  const questions: OpinionQuestion[] = [];
  const seen = new Set<string>();
  const groups = new Set<string>();
  let repeats = 0;
  const lines = bytes.toString("utf8").split("\n");
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    const q = parseOpinionsLine(text, `${path}:${i + 1}`);
    q.line = i + 1;
    const id = `${q.survey ?? ""}\n${q.key.toUpperCase()}`;
    if (seen.has(id)) {
      repeats++;
      return;
    }
    seen.add(id);
    for (const g of Object.keys(q.distributions)) groups.add(g);
    questions.push(q);
  });
  if (questions.length === 0) throw new AvakitError(`--opinions ${path}: no question records`);
  return { path, sha256: sha256(bytes), questions, repeats, groups };
}

/** One line of an opinions file, checked; `where` ("FILE:LINE") prefixes every error. */
export function parseOpinionsLine(text: string, where: string): OpinionQuestion {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AvakitError(`${where}: not JSON (${errorMessage(err)})`, { cause: err });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new AvakitError(`${where}: not an opinions record (a JSON object per line)`);
  }
  const r = raw as Record<string, unknown>;
  if (typeof r.key !== "string" || r.key === "") {
    throw new AvakitError(`${where}: not an opinions record: "key" must be a non-empty string`);
  }
  const ordinal = r.ordinal;
  if (
    !Array.isArray(ordinal) ||
    ordinal.length === 0 ||
    !ordinal.every((x) => typeof x === "number" && Number.isFinite(x))
  ) {
    throw new AvakitError(`${where}: question ${r.key}: "ordinal" must be a list of numbers`);
  }
  if (Array.isArray(r.options) && r.options.length !== ordinal.length) {
    throw new AvakitError(
      `${where}: question ${r.key}: ${r.options.length} options but ${ordinal.length} ordinal positions`,
    );
  }
  const d = r.distributions;
  if (typeof d !== "object" || d === null || Array.isArray(d)) {
    throw new AvakitError(
      `${where}: question ${r.key}: "distributions" must be an object of group → distribution`,
    );
  }
  const distributions: Record<string, number[]> = {};
  for (const [group, dist] of Object.entries(d)) {
    if (
      !Array.isArray(dist) ||
      dist.length !== ordinal.length ||
      !dist.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0) ||
      !dist.some((x) => x > 0)
    ) {
      throw new AvakitError(
        `${where}: question ${r.key}: distribution of "${group}" must be ${ordinal.length} numbers ≥ 0, not all 0`,
      );
    }
    distributions[group] = dist as number[];
  }
  return {
    survey: typeof r.survey === "string" ? r.survey : null,
    key: r.key,
    line: 0,
    ordinal: ordinal as number[],
    distributions,
  };
}
