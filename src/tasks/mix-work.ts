/**
 * `--mix FILE:RATIO` in the assemble stage: the chosen chat records of every spec as one work
 * file (split train, task MIX), as the paper mixed ShareGPT into AVA50M to keep conversational
 * ability. The count of each spec is decided from the AVA train records.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { contentKey } from "../core/hash.js";
import type { BuildConfig } from "./config.js";
import { type ChatRecord, mixCount, parseMixSpec, readChatRecords, sampleMix } from "./mix.js";
import type { WorkRecord } from "./records.js";
import { seededRank } from "./seeded.js";

/** prompt/response of a conversation: its first user turn and the assistant turn after it. */
function firstExchange(r: ChatRecord): { prompt: string; response: string } {
  const u = r.messages.findIndex((m) => m.role === "user");
  const a = r.messages.findIndex((m, i) => i > u && m.role === "assistant");
  return {
    prompt: u >= 0 ? r.messages[u]!.content : "",
    response: a >= 0 ? r.messages[a]!.content : "",
  };
}

export async function writeMixWorkFile(
  cfg: BuildConfig,
  trainCount: number,
  file: string,
): Promise<string | null> {
  const specs = cfg.mix.map(parseMixSpec);
  const out = createWriteStream(file);
  let n = 0;
  try {
    for (const spec of specs) {
      const want = mixCount(spec, trainCount);
      const stream = readChatRecords(spec.file);
      const chosen: ChatRecord[] = [];
      if (want === null) for await (const r of stream) chosen.push(r);
      else chosen.push(...(await sampleMix(stream, want, cfg.seed)));
      for (const r of chosen) {
        const id = contentKey(
          `MIX\u0000${spec.file}\u0000${r.line}\u0000${JSON.stringify(r.messages)}`,
        );
        const rec: WorkRecord & { messages: ChatRecord["messages"] } = {
          id,
          task: "MIX",
          split: "train",
          ...firstExchange(r),
          messages: r.messages,
          ad_ids: [],
          page_id: "",
          meta: { mix_source: spec.text, line: r.line },
          answer_class: null,
          prio: seededRank(cfg.seed, id),
        };
        if (!out.write(`${JSON.stringify(rec)}\n`)) await once(out, "drain");
        n++;
      }
    }
  } finally {
    out.end();
    await once(out, "finish");
  }
  return n > 0 ? file : null;
}
