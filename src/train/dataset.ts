/**
 * A dataset folder written by `avakit build`, as the exporter reads it: manifest.json (whose
 * sha256 identifies the dataset) lists every data file with its split, record count and sha256.
 * The files of the chosen split are checked against those hashes before anything is exported,
 * so a truncated or edited copy stops here rather than in a training run.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { AvakitError } from "../core/errors.js";
import { fileSha256, sha256 } from "../core/hash.js";

export interface DatasetFile {
  /** Relative to the dataset folder, e.g. data/train-00000.parquet. */
  path: string;
  split: string;
  records: number;
  sha256: string | null;
}

export interface DatasetInfo {
  dir: string;
  /** sha256 of manifest.json's bytes. */
  manifestSha256: string;
  avakitVersion: string | null;
  /** The build's chat mix specs (manifest config.mix), when it mixed any. */
  builtWithMix: string[];
  files: DatasetFile[];
}

/** Reads and checks DIR/manifest.json; every problem is an AvakitError naming the file. */
export function readDatasetInfo(dir: string): DatasetInfo {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new AvakitError(
      `dataset folder ${dir} does not exist (build one with \`avakit build --out DIR\`)`,
    );
  const manifestPath = join(abs, "manifest.json");
  if (!existsSync(manifestPath))
    throw new AvakitError(
      `${dir} has no manifest.json: it is not a dataset written by \`avakit build\` (or its build did not finish)`,
    );
  const bytes = readFileSync(manifestPath);
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new AvakitError(`${manifestPath} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!Array.isArray(manifest.files))
    throw new AvakitError(`${manifestPath} lists no "files": not a manifest of \`avakit build\``);
  const files = manifest.files.map((f: unknown, i): DatasetFile => {
    const o = (f ?? {}) as Record<string, unknown>;
    if (typeof o.path !== "string" || typeof o.split !== "string" || typeof o.records !== "number")
      throw new AvakitError(`${manifestPath}: files[${i}] lacks a path, split or record count`);
    return {
      path: o.path,
      split: o.split,
      records: o.records,
      sha256: typeof o.sha256 === "string" ? o.sha256 : null,
    };
  });
  const config = (manifest.config ?? {}) as Record<string, unknown>;
  return {
    dir: abs,
    manifestSha256: sha256(bytes),
    avakitVersion: typeof manifest.avakit_version === "string" ? manifest.avakit_version : null,
    builtWithMix: Array.isArray(config.mix) ? config.mix.map(String) : [],
    files,
  };
}

/** Records per split, as the manifest counts them. */
export function splitCounts(info: DatasetInfo): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of info.files) out[f.split] = (out[f.split] ?? 0) + f.records;
  return out;
}

/**
 * The files of `split`, checked to exist with the manifest's sha256. A split with no records is
 * an error that names the splits that have some.
 */
export async function splitFiles(info: DatasetInfo, split: string): Promise<DatasetFile[]> {
  const files = info.files.filter((f) => f.split === split);
  const counts = splitCounts(info);
  if ((counts[split] ?? 0) === 0) {
    const have = Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${s} (${n})`);
    throw new AvakitError(
      `split "${split}" of ${info.dir} has no records; splits with records: ${have.length ? have.join(", ") : "none"}`,
    );
  }
  for (const f of files) {
    const path = join(info.dir, f.path);
    if (!existsSync(path)) throw new AvakitError(`${path} is listed in manifest.json but missing`);
    if (f.sha256 !== null) {
      const actual = await fileSha256(path);
      if (actual !== f.sha256)
        throw new AvakitError(
          `${path} does not match manifest.json (sha256 ${actual.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…): a truncated or changed copy?`,
        );
    }
  }
  return files.filter((f) => f.records > 0);
}
