/**
 * Child process of bench/eval.bench.ts: the tests' fake OpenAI-compatible server on 127.0.0.1
 * (a random port), answering at once with FIXED log-probabilities, so its CPU is not counted
 * against avakit's event loop. Prints `{"url": ...}` on stdout once listening; exits on SIGTERM
 * or when stdin closes (the parent died).
 */
import { startFakeModelServer } from "../test/fake-openai-server.js";

const FIXED = [
  { token: " A", logprob: Math.log(0.4) },
  { token: " B", logprob: Math.log(0.3) },
  { token: " C", logprob: Math.log(0.15) },
  { token: " D", logprob: Math.log(0.1) },
  { token: "\n", logprob: Math.log(0.05) },
];

const server = await startFakeModelServer({ distribution: () => FIXED });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.resume();
// The fake server records every request; the benchmark does not need them.
setInterval(() => {
  server.requests.length = 0;
}, 1_000).unref();
