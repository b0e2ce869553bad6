import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { type BuildOpinionsOptions, buildOpinions, type WaveReport } from "./build.js";

export interface WriteOpinionsResult {
  questions: number;
  waves: WaveReport[];
}

/**
 * Writes one JSON object per question to `out` (JSONL), through `out.tmp-<pid>` renamed into
 * place at the end, so a killed run never leaves a half-written file under the final name.
 */
export async function writeOpinionsFile(
  opts: BuildOpinionsOptions,
  out: string,
): Promise<WriteOpinionsResult> {
  const tmp = `${out}.tmp-${process.pid}`;
  const waves: WaveReport[] = [];
  const stream = createWriteStream(tmp);
  let questions = 0;
  try {
    for await (const rec of buildOpinions({
      ...opts,
      onWave: (r) => {
        waves.push(r);
        opts.onWave?.(r);
      },
    })) {
      if (!stream.write(`${JSON.stringify(rec)}\n`)) await once(stream, "drain");
      questions++;
    }
    stream.end();
    await once(stream, "finish");
    await rename(tmp, out);
  } catch (err) {
    stream.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  return { questions, waves };
}
