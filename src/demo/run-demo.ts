import { once } from "node:events";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { formatCounts, type IngestCounts, ingestFiles } from "../ingest/ingest.js";
import { readSignals } from "../signals/records.js";
import { formatSummary, type StoreSummary, summarizeStore } from "../signals/summary.js";
import { Store } from "../store/store.js";
import { writeSynthFile } from "../synth/write.js";

export interface DemoOptions {
  /** Folder for the demo's files (recreated). */
  out: string;
  ads: number;
  seed: number;
  log: (line: string) => void;
  progress?: boolean;
}

export interface DemoResult {
  synthFile: string;
  db: string;
  signalsFile: string;
  counts: IngestCounts;
  summary: StoreSummary;
}

/**
 * The main job end to end, offline: synthesize ads (labelled SYNTHETIC), ingest and clean them,
 * compute behavior signals, export them, and summarise. Later stages extend it.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const { out, log } = opts;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const synthFile = join(out, "synthetic-ads.jsonl");
  const db = join(out, "avakit.duckdb");
  const signalsFile = join(out, "signals.jsonl");

  log(`1/4 synthesize ${opts.ads} SYNTHETIC ads (seed ${opts.seed}) → ${synthFile}`);
  const synth = await writeSynthFile({ ads: opts.ads, seed: opts.seed }, synthFile);
  log(`    ${synth.ads} ads from ${synth.advertisers} synthetic advertisers`);

  const store = await Store.open(db);
  try {
    log(`2/4 ingest and clean → ${db}`);
    const counts = await ingestFiles(store, [synthFile], { progress: opts.progress ?? false });
    log(indent(formatCounts(counts)));

    log(`3/4 behavior signals → ${signalsFile}`);
    const outStream = createWriteStream(signalsFile);
    let n = 0;
    let example: string | null = null;
    for await (const rec of readSignals(store)) {
      if (!outStream.write(`${JSON.stringify(rec)}\n`)) await once(outStream, "drain");
      if (example === null && rec.best_age_group && rec.best_gender) {
        example = [
          `    e.g. ad ${rec.ad_id} of "${rec.page_name}" (SYNTHETIC): "${truncate(rec.body, 70)}"`,
          `         top states ${rec.top_states.join(", ")}; best age ${rec.best_age_group}, gender ${rec.best_gender}`,
          `         spend ${rec.spend_text}, impressions ${rec.impressions_text}, ${rec.impressions_per_usd?.toFixed(1) ?? "-"} impressions/USD`,
        ].join("\n");
      }
      n++;
    }
    outStream.end();
    await once(outStream, "finish");
    log(`    ${n} ads with signals`);
    if (example) log(example);

    log("4/4 summary");
    const summary = await summarizeStore(store);
    log(indent(formatSummary(summary)));
    return { synthFile, db, signalsFile, counts, summary };
  } finally {
    store.close();
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

function truncate(s: string, n: number): string {
  const flat = s.replace(/\s+/g, " ");
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}
