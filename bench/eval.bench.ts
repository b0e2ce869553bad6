/**
 * npm run bench:eval [-- --items N] [--concurrency N] [--data FILE] [--api completions|chat]
 *
 * Scored prompts per second through the library's real benchmark path (`runGlobalOpinionQa`:
 * load, prompt, `openai:` backend over HTTP, letter distribution, scoring, bootstrap) against
 * the tests' fake OpenAI-compatible server, run in a CHILD process on 127.0.0.1 that answers at
 * once with fixed log-probabilities, so only avakit's own CPU is on this event loop. Data:
 * GlobalOpinionQA from ../shared/data/globalopinionqa/eval.json when present (else generated
 * questions written to bench/.cache/). Three runs: no cache, cold cache (a fresh folder under
 * bench/.cache/, not /tmp), warm cache (the same folder again: no request sent).
 * Target (issue 4): ≥ 1,000 scored prompts/s at --concurrency 32.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { createBackend } from "../src/backends/spec.js";
import type { Backend } from "../src/backends/types.js";
import { runGlobalOpinionQa } from "../src/eval/globalopinionqa.js";

const { values } = parseArgs({
  options: {
    items: { type: "string" },
    concurrency: { type: "string", default: "32" },
    data: { type: "string" },
    api: { type: "string", default: "completions" },
    rounds: { type: "string", default: "1" },
  },
});
const concurrency = Number(values.concurrency);
const api = values.api === "chat" ? "chat" : "completions";
const root = new URL("../", import.meta.url).pathname;
const cacheRoot = new URL("./.cache/", import.meta.url).pathname;
mkdirSync(cacheRoot, { recursive: true });

function generatedData(n: number): string {
  const file = join(cacheRoot, `eval-generated-${n}.json`);
  if (!existsSync(file)) {
    const countries = ["Croatia", "Japan", "Brazil", "Nigeria", "Germany", "India", "Mexico"];
    const rows = Array.from({ length: n }, (_, i) => ({
      country: countries[i % countries.length],
      question: `Generated question ${Math.floor(i / countries.length)}: how much do you agree that statement ${i} holds?`,
      options: ["Agree strongly", "Agree", "Disagree", "Disagree strongly"],
      distribution: [0.1 + (i % 5) / 10, 0.3, 0.2, 0.1],
    }));
    writeFileSync(file, JSON.stringify(rows));
  }
  return file;
}

const shared = join(root, "../shared/data/globalopinionqa/eval.json");
const data = values.data ?? (existsSync(shared) ? shared : generatedData(5000));
const limit = values.items !== undefined ? Number(values.items) : undefined;

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", new URL("./fake-server-child.ts", import.meta.url).pathname],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const { url } = JSON.parse(line) as { url: string };
    return { url, child };
  }
  throw new Error("the fake server child exited before listening");
}

interface Measured {
  label: string;
  items: number;
  failed: number;
  /** Load + prompts + requests + letter distributions: until the last item is answered. */
  askSeconds: number;
  /** End to end: the above plus the metrics and their 1,000-resample bootstrap intervals. */
  seconds: number;
  askPerSecond: number;
  perSecond: number;
  cpuSeconds: number;
  stats?: unknown;
}

async function measure(label: string, backend: Backend): Promise<Measured> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let askedAt = t0;
  const out = await runGlobalOpinionQa({
    backend,
    concurrency,
    data,
    resamples: 1000,
    ...(limit !== undefined ? { limit } : {}),
    onProgress: (p) => {
      if (p.done === p.total) askedAt = performance.now();
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const askSeconds = (askedAt - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const scored = out.total - out.failures.length;
  const stats = (backend as { stats?: unknown }).stats;
  return {
    label,
    items: out.total,
    failed: out.failures.length,
    askSeconds,
    seconds,
    askPerSecond: scored / askSeconds,
    perSecond: scored / seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    ...(stats ? { stats: { ...stats } } : {}),
  };
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const { url, child } = await startServer();
const cacheDir = join(cacheRoot, `eval-cache-${process.pid}`);
try {
  const make = (cache?: string) =>
    createBackend("openai:bench-model", {
      baseUrl: `${url}/v1`,
      api,
      apiKey: "sk-bench-not-a-key",
      ...(cache !== undefined ? { cacheDir: cache } : {}),
    });
  // Warm-up (JIT, keep-alive sockets): a few hundred items, not counted.
  const warm = limit === undefined ? 300 : Math.min(300, limit);
  await runGlobalOpinionQa({ backend: make(), concurrency, data, limit: warm, resamples: 10 });
  const rounds = Number(values.rounds);
  const results: Measured[] = [];
  for (let r = 0; r < rounds; r++) {
    rmSync(cacheDir, { recursive: true, force: true });
    results.push(await measure("no cache", make()));
    results.push(await measure("cold cache", make(cacheDir)));
    results.push(await measure("warm cache", make(cacheDir)));
  }
  for (const m of results) console.log(JSON.stringify({ concurrency, api, data, ...m }));
  for (const m of results) {
    console.log(
      `bench:eval ${m.label.padEnd(10)} ${m.items} items (${m.failed} failed) at --concurrency ${concurrency}: ${fmt(m.askPerSecond)} scored prompts/s asking (${m.askSeconds.toFixed(2)} s); ${fmt(m.perSecond)}/s end to end with metrics + bootstrap CIs (${m.seconds.toFixed(2)} s, avakit CPU ${m.cpuSeconds.toFixed(2)} s)`,
    );
  }
} finally {
  child.kill("SIGTERM");
  rmSync(cacheDir, { recursive: true, force: true });
}
