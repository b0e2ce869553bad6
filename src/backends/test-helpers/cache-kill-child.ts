/**
 * Child process of cache.test.ts's kill test: asks N prompts through a CachedBackend on DIR
 * (a stub backend that answers after a few ms) and prints each prompt on stdout once its call
 * has returned, i.e. once its entry is on disk. The test kills it with SIGKILL part way.
 */
import { CachedBackend } from "../cache.js";
import type { Backend, TopLogprobsResult } from "../types.js";

const [dir, count] = process.argv.slice(2);
if (!dir || !count) throw new Error("usage: cache-kill-child DIR N");

const stub: Backend = {
  name: "stub",
  model: "m",
  baseUrl: "http://stub.local/v1",
  capabilities: { letterLogprobs: true, promptLogprobs: false, generate: false },
  // The same requests as cache.test.ts's CountingBackend, so the rerun there finds them.
  requestKey: (call) => ({ path: "/stub", body: call }),
  async topLogprobs(prompt): Promise<TopLogprobsResult> {
    await new Promise((r) => setTimeout(r, 2 + Math.random() * 4));
    return { tokens: [{ token: " A", logprob: -String(prompt).length / 100 }] };
  },
  async generate() {
    throw new Error("no");
  },
};
const c = new CachedBackend(stub, { dir });
const prompts = Array.from({ length: Number(count) }, (_, i) => `prompt ${i}`);
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    for (let i = next++; i < prompts.length; i = next++) {
      await c.topLogprobs(prompts[i] as string, { k: 5 });
      process.stdout.write(`${prompts[i]}\n`);
    }
  }),
);
