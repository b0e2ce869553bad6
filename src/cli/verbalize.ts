import { parseModelSpec } from "../backends/spec.js";
import { UsageError } from "../core/errors.js";
import { Progress } from "../core/progress.js";
import { Store } from "../store/store.js";
import {
  DEFAULT_VERBALIZE_CONCURRENCY,
  type VerbalizeCounts,
  verbalizeMedia,
} from "../tasks/verbalize.js";
import { bool, type Command, DB_OPTION, type ParsedArgs, str } from "./command.js";

const USAGE =
  "avakit verbalize --db PATH --model openai:MODEL [--base-url URL] [--concurrency N] [--limit N] [--media-root DIR] [--allow-failures] [--quiet]";

/** How many failures are printed one by one (all of them are counted). */
const SHOWN_FAILURES = 20;
const SHOWN_ADS = 5;

export const verbalizeCommand: Command = {
  name: "verbalize",
  summary:
    "Describe every ad image (plus the text in it) with a vision model, for the instructions (§3.1)",
  usage: USAGE,
  options: {
    db: DB_OPTION,
    model: { type: "string", description: "openai:MODEL, a vision-capable chat model" },
    "base-url": {
      type: "string",
      description:
        "OpenAI-compatible server (default https://api.openai.com/v1; key from OPENAI_API_KEY)",
    },
    concurrency: {
      type: "string",
      description: "requests in flight at once",
      default: String(DEFAULT_VERBALIZE_CONCURRENCY),
    },
    limit: { type: "string", description: "at most N media items this run" },
    "media-root": {
      type: "string",
      description: "folder relative media paths are resolved against (default: the current one)",
    },
    "allow-failures": { type: "boolean", description: "exit 0 even when some items failed" },
    quiet: { type: "boolean", short: "q", description: "no progress on stderr" },
  },
  run(args) {
    return verbalizeRun(args, process.stdout, process.stderr);
  },
};

function positiveInt(args: ParsedArgs, key: string): number | undefined {
  const v = str(args, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--${key} expects a whole number ≥ 1, got "${v}"`);
  }
  return n;
}

/** `avakit verbalize`: a summary on `stdout`, progress and failures' exit note on `stderr`. */
export async function verbalizeRun(
  args: ParsedArgs,
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown },
): Promise<number> {
  const modelText = str(args, "model");
  if (!modelText) throw new UsageError(`--model is required\nusage: ${USAGE}`);
  const spec = parseModelSpec(modelText);
  if (spec.kind !== "openai") {
    throw new UsageError(
      `verbalize talks to OpenAI-compatible vision models: use --model openai:MODEL (with --base-url for a local server), not "${modelText}"`,
    );
  }
  const concurrency = positiveInt(args, "concurrency") ?? DEFAULT_VERBALIZE_CONCURRENCY;
  const limit = positiveInt(args, "limit");
  const baseUrl = str(args, "base-url");
  const mediaRoot = str(args, "media-root");
  const quiet = bool(args, "quiet");

  const store = await Store.open(str(args, "db")!, { mustExist: true });
  let counts: VerbalizeCounts;
  let progress: Progress | undefined;
  try {
    counts = await verbalizeMedia(store, {
      model: spec.model,
      concurrency,
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(mediaRoot !== undefined ? { mediaRoot } : {}),
      retry: quiet
        ? {}
        : {
            onRetry: (r) =>
              stderr.write(
                `verbalize: retrying in ${(r.waitMs / 1000).toFixed(1)}s after ${r.problem}\n`,
              ),
          },
      onProgress: (p) => {
        progress ??= new Progress({
          label: "verbalize",
          unit: "images",
          total: p.total,
          enabled: !quiet,
          stream: stderr as NodeJS.WritableStream,
        });
        progress.update(p.done, p.failed > 0 ? `${p.failed} failed` : "");
      },
    });
  } finally {
    store.close();
  }
  if (counts.distinct === 0) {
    stdout.write("no ad carries media: nothing to verbalize\n");
    return 0;
  }
  progress?.done(counts.failed > 0 ? `${counts.failed} failed` : "");
  const lines = [
    `verbalize ${counts.model}${counts.serverModel ? ` (server: ${counts.serverModel})` : ""}, prompt sha256 ${counts.promptSha256.slice(0, 12)}`,
    `media: ${counts.distinct} distinct, ${counts.alreadyDone} verbalized before, ${counts.attempted} attempted, ${counts.stored} stored, ${counts.failed} failed (${counts.missing} missing files)`,
  ];
  const left = counts.distinct - counts.alreadyDone - counts.stored;
  if (left > 0) lines.push(`${left} still to verbalize: run again (failed items are retried)`);
  for (const f of counts.failures.slice(0, SHOWN_FAILURES)) {
    const ads =
      f.adIds.slice(0, SHOWN_ADS).join(", ") +
      (f.adIds.length > SHOWN_ADS ? ` and ${f.adIds.length - SHOWN_ADS} more` : "");
    lines.push(`failed (${f.kind}): ${f.media} [ad ${ads}]: ${f.error}`);
  }
  if (counts.failures.length > SHOWN_FAILURES) {
    lines.push(`failed: ... and ${counts.failures.length - SHOWN_FAILURES} more`);
  }
  stdout.write(`${lines.join("\n")}\n`);
  if (counts.failed > 0 && !bool(args, "allow-failures")) {
    stderr.write(
      `avakit verbalize: ${counts.failed} of ${counts.attempted} media items failed (the others are stored; --allow-failures to exit 0)\n`,
    );
    return 1;
  }
  return 0;
}
