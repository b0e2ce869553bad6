import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { UsageError } from "../core/errors.js";
import { readSignals } from "../signals/records.js";
import { Store } from "../store/store.js";
import { type Command, DB_OPTION, int, str } from "./command.js";

export const signalsCommand: Command = {
  name: "signals",
  summary: "Write each kept ad with its behavior signals as JSON lines",
  usage: "avakit signals [--db PATH] [--format jsonl] [--out FILE] [--page PAGE_ID] [--limit N]",
  options: {
    db: DB_OPTION,
    format: { type: "string", description: "output format (jsonl)", default: "jsonl" },
    out: { type: "string", description: "output file (default stdout)" },
    page: { type: "string", description: "only this page (advertiser) id" },
    limit: { type: "string", description: "at most N ads" },
  },
  async run(args) {
    if (str(args, "format") !== "jsonl")
      throw new UsageError(`--format must be jsonl, got "${str(args, "format")}"`);
    const store = await Store.open(str(args, "db")!, { readOnly: true });
    const outPath = str(args, "out");
    const out = outPath ? createWriteStream(outPath) : process.stdout;
    try {
      const q: { pageId?: string; limit?: number } = {};
      const page = str(args, "page");
      if (page !== undefined) q.pageId = page;
      const limit = int(args, "limit");
      if (limit !== undefined) q.limit = limit;
      for await (const rec of readSignals(store, q)) {
        if (!out.write(`${JSON.stringify(rec)}\n`)) await once(out, "drain");
      }
    } finally {
      store.close();
      if (outPath) {
        out.end();
        await once(out, "finish");
      }
    }
    return 0;
  },
};
