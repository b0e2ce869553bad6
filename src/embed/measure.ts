import type { Embedder } from "./types.js";

export interface EmbedderSpeed {
  sentences: number;
  seconds: number;
  perSecond: number;
}

/** Times one `embed` call over `texts` (for bench scripts; warm the model up first if it loads lazily). */
export async function measureEmbedder(
  embedder: Embedder,
  texts: readonly string[],
): Promise<EmbedderSpeed> {
  const started = performance.now();
  const vecs = await embedder.embed([...texts]);
  const seconds = (performance.now() - started) / 1000;
  return {
    sentences: vecs.length,
    seconds,
    perSecond: seconds > 0 ? vecs.length / seconds : Number.POSITIVE_INFINITY,
  };
}
