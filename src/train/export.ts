/**
 * `avakit train export`: a ready-to-run training package for one trainer, from a dataset folder
 * of `avakit build`. Stages: check the dataset (manifest, the split's files against their
 * sha256), sample the --mix chat data (seeded), stream the split's records and the mix in id
 * order through DuckDB (ids are content hashes, so tasks and mixed chat interleave; DuckDB
 * spills the sort to disk for AVA50M-sized splits), keep the conversations a trainer can take
 * (conversation.ts), write them in the trainer's chat format, then the trainer's config,
 * train.sh, README.md and, last, avakit-train.json. Everything goes to OUT.partial, renamed to
 * OUT at the end, so a failed export leaves no package behind.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { AvakitError } from "../core/errors.js";
import { contentKey, sha256 } from "../core/hash.js";
import { Progress } from "../core/progress.js";
import { Store } from "../store/store.js";
import {
  type ChatRecord,
  type MixSpec,
  mixCount,
  parseMixSpec,
  readChatRecords,
  sampleMix,
} from "../tasks/mix.js";
import { VERSION } from "../version.js";
import { type TrainExportConfig, type TrainerName, validateTrainConfig } from "./config.js";
import { trainableConversation } from "./conversation.js";
import { type DatasetFile, readDatasetInfo, splitFiles } from "./dataset.js";
import { type ExportCounts, launchScript, packageReadme } from "./readme.js";
import { trainerTarget } from "./trainers/index.js";
import type { TrainerTarget } from "./trainers/types.js";
import { toYaml } from "./yaml.js";

export interface ExportOptions {
  /** Dataset folder written by `avakit build`. */
  dataset: string;
  /** Package folder to write. */
  out: string;
  cfg: TrainExportConfig;
  /** Replace an existing package folder. */
  overwrite?: boolean;
  log?: (line: string) => void;
  progress?: boolean;
}

export interface PackageFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface ExportSummary {
  out: string;
  trainer: TrainerName;
  counts: ExportCounts;
  /** Every file of the package but avakit-train.json, with its size and sha256. */
  files: PackageFile[];
  seconds: number;
}

/** The package's record of how it was made. */
export const PACKAGE_MANIFEST = "avakit-train.json";

const MAX_SKIPPED_EXAMPLES = 5;

function lit(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const RECORD_COLUMNS = `{id: 'VARCHAR', task: 'VARCHAR', messages: 'STRUCT(role VARCHAR, content VARCHAR)[]'}`;

/** SQL reading id, task, messages of the split's files (parquet and JSON Lines, as built). */
function datasetSql(dir: string, files: readonly DatasetFile[]): string {
  const parquet = files
    .filter((f) => f.path.endsWith(".parquet"))
    .map((f) => lit(join(dir, f.path)));
  const jsonl = files.filter((f) => f.path.endsWith(".jsonl")).map((f) => lit(join(dir, f.path)));
  const other = files.find((f) => !f.path.endsWith(".parquet") && !f.path.endsWith(".jsonl"));
  if (other) throw new AvakitError(`${other.path}: not a .parquet or .jsonl data file`);
  const parts: string[] = [];
  if (parquet.length)
    parts.push(`SELECT id, task, messages FROM read_parquet([${parquet.join(", ")}])`);
  if (jsonl.length)
    parts.push(
      `SELECT id, task, messages FROM read_json([${jsonl.join(", ")}], format = 'newline_delimited', columns = ${RECORD_COLUMNS})`,
    );
  return parts.join(" UNION ALL ");
}

/**
 * The --mix records as a work file of {id, task: MIX, messages}: each spec's seeded sample
 * (sampleMix: the same file and seed give the same sample), sized by mixCount from the split's
 * AVA records. Ids are made as the build's mix makes them.
 */
async function writeMixFile(
  specs: readonly MixSpec[],
  avaRecords: number,
  seed: number,
  file: string,
): Promise<ExportCounts["mix"]> {
  const out = createWriteStream(file);
  const taken: ExportCounts["mix"] = [];
  try {
    for (const spec of specs) {
      const want = mixCount(spec, avaRecords);
      const stream = readChatRecords(spec.file);
      const chosen: ChatRecord[] = [];
      if (want === null) for await (const r of stream) chosen.push(r);
      else chosen.push(...(await sampleMix(stream, want, seed)));
      for (const r of chosen) {
        const id = contentKey(
          `MIX\u0000${spec.file}\u0000${r.line}\u0000${JSON.stringify(r.messages)}`,
        );
        const line = JSON.stringify({ id, task: "MIX", messages: r.messages });
        if (!out.write(`${line}\n`)) await once(out, "drain");
      }
      taken.push({ spec: spec.text, requested: want, records: chosen.length });
    }
  } finally {
    out.end();
    await once(out, "finish");
  }
  return taken;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

interface Written {
  path: string;
  text: string;
  mode?: number;
}

/** Writes the package; see the module comment. */
export async function exportTrainingPackage(opts: ExportOptions): Promise<ExportSummary> {
  const started = performance.now();
  const cfg = validateTrainConfig(opts.cfg);
  const target = trainerTarget(cfg.trainer);
  const specs = cfg.mix.map(parseMixSpec);
  const log = opts.log ?? (() => undefined);
  const out = resolve(opts.out);
  if (existsSync(out) && !opts.overwrite)
    throw new AvakitError(`${out} already exists (use --overwrite to replace it)`);
  const info = readDatasetInfo(opts.dataset);
  if (out === info.dir || info.dir.startsWith(`${out}${sep}`))
    throw new AvakitError(
      `--out ${out} would replace the dataset folder ${info.dir}; choose another folder`,
    );
  const files = await splitFiles(info, cfg.split);
  for (const spec of specs)
    if (!existsSync(spec.file))
      throw new AvakitError(`mix file ${spec.file} does not exist (--mix ${spec.text})`);
  if (specs.length > 0 && info.builtWithMix.length > 0)
    log(
      `note: the dataset already holds chat data mixed in by its build (${info.builtWithMix.join(", ")}); --mix adds more`,
    );

  const partial = `${out}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, dirname(target.dataFile)), { recursive: true });
  const scratch = join(partial, ".avakit-work");
  mkdirSync(scratch, { recursive: true });
  let done = false;
  try {
    const store = await Store.open(":memory:");
    let counts: ExportCounts;
    let dataFile: PackageFile;
    try {
      // An AVA50M-sized sort spills here rather than beside the current directory.
      await store.run(`SET temp_directory = ${lit(join(scratch, "duckdb"))}`);
      const source = datasetSql(info.dir, files);
      const [c] = await store.query<{ n: string; m: string }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE task = 'MIX') AS m FROM (${source})`,
      );
      const splitRecords = Number(c!.n);
      const builtMix = Number(c!.m);
      const mixFile = join(scratch, "mix.jsonl");
      const mix = specs.length
        ? await writeMixFile(specs, splitRecords - builtMix, cfg.seed, mixFile)
        : [];
      const mixed = mix.reduce((a, m) => a + m.records, 0);
      const union =
        mixed > 0
          ? `SELECT *, 0 AS src FROM (${source}) UNION ALL SELECT id, task, messages, 1 AS src FROM read_json(${lit(mixFile)}, format = 'newline_delimited', columns = ${RECORD_COLUMNS})`
          : `SELECT *, 0 AS src FROM (${source})`;
      counts = {
        splitRecords,
        builtMix,
        mixed,
        written: 0,
        byTask: {},
        adjusted: {},
        skipped: {},
        skippedExamples: [],
        mix,
      };
      dataFile = await writeConversations(
        store,
        `SELECT id, task, messages FROM (${union}) ORDER BY id, src`,
        target,
        join(partial, target.dataFile),
        counts,
        new Progress({
          label: "export",
          unit: "records",
          total: splitRecords + mixed,
          enabled: opts.progress ?? false,
        }),
      );
    } finally {
      store.close();
    }
    if (counts.written === 0)
      throw new AvakitError(
        `no conversation of split "${cfg.split}" can be trained on (left out: ${Object.entries(
          counts.skipped,
        )
          .map(([why, k]) => `${k} ${why}`)
          .join("; ")})`,
      );
    counts.byTask = sorted(counts.byTask);
    counts.adjusted = sorted(counts.adjusted);
    counts.skipped = sorted(counts.skipped);
    const skippedTotal = Object.values(counts.skipped).reduce((a, b) => a + b, 0);
    if (skippedTotal > 0)
      log(
        `left out ${skippedTotal} conversation(s) no trainer can take: ${Object.entries(
          counts.skipped,
        )
          .map(([why, k]) => `${k} ${why}`)
          .join("; ")}`,
      );

    const ctx = { cfg, records: counts.written };
    const described = target.dataDescription(ctx);
    const written: Written[] = [
      ...described,
      {
        path: target.configFile,
        text: toYaml(target.config(ctx), [
          `${target.title} config for \`${target.launch}\`, written by avakit ${VERSION} (avakit train export).`,
          `Schema: ${target.docs.map((d) => d.url).join(" ; ")}`,
        ]),
      },
      { path: "train.sh", text: launchScript(target, cfg), mode: 0o755 },
    ];
    const listed = [
      {
        path: target.dataFile,
        about: `${counts.written.toLocaleString("en-US")} conversations, one JSON object a line`,
      },
      ...described.map((d) => ({
        path: d.path,
        about: `tells ${target.title} how to read the data`,
      })),
      { path: target.configFile, about: `the ${target.title} config` },
      { path: "train.sh", about: `runs \`${target.launch}\`` },
    ];
    written.push({
      path: "README.md",
      text: packageReadme({
        target,
        cfg,
        version: VERSION,
        dataset: { path: opts.dataset, manifestSha256: info.manifestSha256 },
        counts,
        files: listed,
      }),
    });
    const packageFiles: PackageFile[] = [dataFile];
    for (const w of written) {
      const path = join(partial, w.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, w.text);
      if (w.mode !== undefined) chmodSync(path, w.mode);
      const bytes = Buffer.from(w.text);
      packageFiles.push({ path: w.path, bytes: bytes.length, sha256: sha256(bytes) });
    }
    packageFiles.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    rmSync(scratch, { recursive: true, force: true });
    // Written last: its presence says the package is complete (a datatrove-style marker).
    const manifest = {
      avakit_version: VERSION,
      command: "avakit train export",
      trainer: cfg.trainer,
      config: cfg,
      dataset: {
        path: opts.dataset,
        manifest_sha256: info.manifestSha256,
        avakit_version: info.avakitVersion,
        split: cfg.split,
        files: files.map((f) => ({ path: f.path, records: f.records, sha256: f.sha256 })),
        built_with_mix: info.builtWithMix,
      },
      counts: {
        split_records: counts.splitRecords,
        built_mix: counts.builtMix,
        mixed: counts.mixed,
        written: counts.written,
        by_task: counts.byTask,
        adjusted: counts.adjusted,
        skipped: counts.skipped,
        skipped_examples: counts.skippedExamples,
        mix: counts.mix,
      },
      launch: "bash train.sh",
      files: packageFiles,
    };
    writeFileSync(join(partial, PACKAGE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
    renameSync(partial, out);
    done = true;
    return {
      out,
      trainer: cfg.trainer,
      counts,
      files: packageFiles,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (!done) rmSync(partial, { recursive: true, force: true });
  }
}

/** Streams the query's records through the conversation check into the trainer's data file. */
async function writeConversations(
  store: Store,
  sql: string,
  target: TrainerTarget,
  path: string,
  counts: ExportCounts,
  progress: Progress,
): Promise<PackageFile> {
  const out = createWriteStream(path);
  const hash = createHash("sha256");
  let bytes = 0;
  let seen = 0;
  const failed = once(out, "error").then(([err]) => {
    throw new AvakitError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  });
  failed.catch(() => undefined);
  try {
    for await (const row of store.stream<{ id: string; task: string; messages: unknown }>(sql)) {
      seen++;
      const messages = Array.isArray(row.messages)
        ? (row.messages as { role: string; content: string | null }[]).map((m) => ({
            role: m.role,
            content: m.content ?? "",
          }))
        : [];
      const check = trainableConversation(messages);
      if (!check.ok) {
        bump(counts.skipped, check.reason);
        if (counts.skippedExamples.length < MAX_SKIPPED_EXAMPLES)
          counts.skippedExamples.push(`${row.id} (${row.task}): ${check.reason}`);
      } else {
        for (const a of check.adjusted) bump(counts.adjusted, a);
        bump(counts.byTask, row.task);
        counts.written++;
        const line = `${JSON.stringify(target.dataRecord(check.messages))}\n`;
        hash.update(line);
        bytes += Buffer.byteLength(line);
        if (!out.write(line)) await Promise.race([once(out, "drain"), failed]);
      }
      if (seen % 1000 === 0) progress.update(seen);
    }
  } finally {
    out.end();
    await Promise.race([once(out, "finish"), failed]);
  }
  progress.update(seen);
  progress.done(`${counts.written} written`);
  if (statSync(path).size !== bytes) throw new AvakitError(`${path} was not written completely`);
  return { path: target.dataFile, bytes, sha256: hash.digest("hex") };
}
