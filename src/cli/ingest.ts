import { DEFAULT_BATCH_SIZE, formatCounts, ingestFiles } from "../ingest/ingest.js";
import { Store } from "../store/store.js";
import { bool, type Command, DB_OPTION, int, str } from "./command.js";

export const ingestCommand: Command = {
  name: "ingest",
  summary:
    "Read Ad Library records (JSONL, JSON array, saved API pages; gzip ok), clean, store with signals",
  usage: "avakit ingest [--db PATH] [--batch-size N] [--workers N] [--quiet] FILE...",
  positionals: true,
  options: {
    db: DB_OPTION,
    "batch-size": {
      type: "string",
      description: "records per transaction",
      default: String(DEFAULT_BATCH_SIZE),
    },
    workers: {
      type: "string",
      description:
        "worker threads for JSONL parsing and cleaning (0 = main thread; default: cores, at most 4)",
    },
    quiet: { type: "boolean", description: "no progress on stderr" },
  },
  async run(args) {
    const store = await Store.open(str(args, "db")!);
    try {
      const counts = await ingestFiles(store, args.positionals, {
        batchSize: int(args, "batch-size", DEFAULT_BATCH_SIZE)!,
        progress: !bool(args, "quiet"),
        ...(int(args, "workers") !== undefined ? { workers: int(args, "workers")! } : {}),
      });
      process.stdout.write(`${formatCounts(counts)}\n`);
      return 0;
    } finally {
      store.close();
    }
  },
};
