/**
 * Pair mining for transsuasion and transcreation (§3.3 (3) and (4), Table A3), within one
 * advertiser's ads: similar pairs (embedding cosine > threshold, word-level Levenshtein
 * distance ≥ minimum) whose Table A3 constants match, oriented by each task's rule. Pure.
 *
 * Design: a pair can only yield a task whose enabled constants it matches, so ads are blocked by
 * each task's constant tuple (only the minimal tuples among the requested tasks are needed; by
 * default (region, age, gender), (region, budget, gender), (age, budget, gender) and
 * (region, budget, age)). Cosines are computed within blocks only (a WebAssembly SIMD kernel,
 * about 1.5 s for a block of 5,000 ads × 512 dims), each pair emitted once, and word edits only
 * for pairs above the cosine threshold. The result equals the all-pairs definition, which the
 * tests check against a brute-force reference.
 */
import { fmix32, fnv1a32 } from "../core/hash.js";
import { AGE_GROUPS, GENDERS } from "../core/types.js";
import { cosine } from "../embed/types.js";
import { stateIndex } from "../signals/geography.js";
import { PAIR_TASKS, type PairCandidate, type PairTask, type TaskAd } from "./types.js";
import { tokenEdits, WordIds } from "./word-edits.js";

/** Cosine similarity: the one implementation (src/embed/types.ts), re-exported for the builder. */
export { cosine };

/** The facets Table A3's constants compare ("impressions" is never a constant of a pair task). */
export type ConstantFacet = "region" | "age" | "gender" | "budget";

export interface PairConfig {
  /** Cosine similarity must exceed this, strictly (paper: 0.7 with SentenceBERT). */
  similarityThreshold: number;
  /** Word-level Levenshtein distance must be at least this (paper: "> 15 words"). */
  minWordEdits: number;
  /**
   * Similar pairs kept per page at most, counting those that yield a task (default 1000); beyond,
   * a seeded sample keyed by the pair's ad ids, so one prolific advertiser cannot dominate.
   */
  maxPairsPerPage: number;
  seed: number | string;
  /** Which pair tasks to emit. */
  tasks: readonly PairTask[];
  /** Which facets the constants compare; a disabled facet is not required to match. */
  constants: Readonly<Record<ConstantFacet, boolean>>;
  /** TC-R: the minimum change of the goal state's rank position between the two ads (paper: 3). */
  tcRegionMinRankShift: number;
}

export const DEFAULT_PAIR_CONFIG: PairConfig = {
  similarityThreshold: 0.7,
  minWordEdits: 16,
  maxPairsPerPage: 1000,
  seed: 0,
  tasks: PAIR_TASKS,
  constants: { region: true, age: true, gender: true, budget: true },
  tcRegionMinRankShift: 3,
};

/**
 * Table A3's constants of each pair task. The paper's table swaps the TC-G and TC-R rows (it
 * lists TC-G with Region as the variable); these are the fixed ones: the variable is the facet
 * the task is named after, as for TS-A/TS-G/TS-R.
 */
export const PAIR_TASK_CONSTANTS: Readonly<Record<PairTask, readonly ConstantFacet[]>> = {
  "TS-B": ["region", "gender", "age"],
  "TS-E": ["region", "gender", "age", "budget"],
  "TS-A": ["region", "budget", "gender"],
  "TS-R": ["age", "budget", "gender"],
  "TS-G": ["region", "budget", "age"],
  "TC-A": ["region", "budget", "gender"],
  "TC-G": ["region", "budget", "age"],
  "TC-R": ["age", "budget", "gender"],
};

export interface PairStats {
  ads: number;
  /** Blocks of ≥ 2 ads, over all blocking keys. */
  blocks: number;
  /**
   * Similarities computed (a pair in blocks of two keys that overlap only in part counts twice).
   * Once the page's sample is full, pairs whose priority cannot enter it are not compared.
   */
  pairsCompared: number;
  /** Compared pairs above the cosine threshold. */
  aboveThreshold: number;
  /**
   * Pairs examined that pass both filters (cosine, word edits) and share a block. When the cap
   * binds, a pair whose priority cannot make the sample is not examined (no word edits are
   * computed for it), so this and `taskPairs` then count the examined pairs only.
   */
  similarPairs: number;
  /** Examined similar pairs that yield at least one candidate: what the per-page cap counts. */
  taskPairs: number;
  /**
   * Pairs sharing a block that the cap left out: not compared (the sample was full and their
   * priority could not enter it; whether they were similar is not known), compared and similar
   * but outside the sample, or pushed out of it by a pair of smaller priority.
   */
  capped: number;
  /** Candidates emitted per task. */
  perTask: Record<PairTask, number>;
}

export interface MinedPairs {
  /** Sorted by (task in PAIR_TASKS order, source adId, target adId). */
  candidates: PairCandidate[];
  stats: PairStats;
}

const FACETS: readonly ConstantFacet[] = ["region", "age", "gender", "budget"];

/** An ad's value of a constant facet, or null (which never matches). */
function facetValue(ad: TaskAd, facet: ConstantFacet): string | null {
  switch (facet) {
    case "region":
      return ad.topStates[0] ?? null;
    case "age":
      return ad.bestAgeGroup;
    case "gender":
      return ad.bestGender;
    case "budget":
      return ad.spend === null ? null : `${ad.spend.lower}-${ad.spend.upper ?? ""}`;
  }
}

/**
 * A page's ads as `minePairs` reads them: by index, the whole ad only for the pairs it examines.
 * An array of ads is one; `HeldAds` (held-ads.ts) is the compact one for huge pages.
 */
export interface PageAds {
  readonly length: number;
  adId(i: number): string;
  body(i: number): string;
  /** The ad's value of a constant facet, as `facetValue` gives it. */
  facet(i: number, f: ConstantFacet): string | null;
  /** The ad (for a compact store, a new object equal to the one stored). */
  get(i: number): TaskAd;
}

function arrayAds(ads: readonly TaskAd[]): PageAds {
  return {
    length: ads.length,
    adId: (i) => ads[i]!.adId,
    body: (i) => ads[i]!.body,
    facet: (i, f) => facetValue(ads[i]!, f),
    get: (i) => ads[i]!,
  };
}

/** `ads` in the order `order` gives (position k holds ads[order[k]]). */
function reordered(ads: PageAds, order: readonly number[]): PageAds {
  return {
    length: ads.length,
    adId: (i) => ads.adId(order[i]!),
    body: (i) => ads.body(order[i]!),
    facet: (i, f) => ads.facet(order[i]!, f),
    get: (i) => ads.get(order[i]!),
  };
}

/** Whether source and target agree on every enabled constant of `task`. */
export function constantsMatch(
  task: PairTask,
  a: TaskAd,
  b: TaskAd,
  constants: PairConfig["constants"],
): boolean {
  for (const f of PAIR_TASK_CONSTANTS[task]) {
    if (!constants[f]) continue;
    const v = facetValue(a, f);
    if (v === null || v !== facetValue(b, f)) return false;
  }
  return true;
}

/**
 * The candidates of one orientation (source = Ad1, target = Ad2) among `tasks`, in PAIR_TASKS
 * order. TS-A/TS-R/TS-G also need the source's own best segment, which the prompt names.
 */
export function orientPair(
  source: TaskAd,
  target: TaskAd,
  similarity: number,
  wordEdits: number,
  cfg: Pick<PairConfig, "tasks" | "constants" | "tcRegionMinRankShift">,
): PairCandidate[] {
  const out: PairCandidate[] = [];
  for (const task of PAIR_TASKS) {
    if (!cfg.tasks.includes(task) || !constantsMatch(task, source, target, cfg.constants)) continue;
    const audience = taskAudience(task, source, target, cfg.tcRegionMinRankShift);
    if (audience) out.push({ task, source, target, ...audience, similarity, wordEdits });
  }
  return out;
}

type Audience = { given: string | null; goal: string | null } | null;

function taskAudience(task: PairTask, a: TaskAd, b: TaskAd, minRankShift: number): Audience {
  switch (task) {
    case "TS-B":
      // Ad2 received a higher budget range.
      return a.spend && b.spend && a.spend.lower < b.spend.lower ? NO_AUDIENCE : null;
    case "TS-E":
      // Same budget (a constant), more impressions for Ad2; the template names the ads' states.
      return a.impressions && b.impressions && a.impressions.lower < b.impressions.lower
        ? NO_AUDIENCE
        : null;
    case "TS-A":
      return moreEngaged(a.bestAgeGroup, b.bestAgeGroup, a.ageShares, b.ageShares, AGE_GROUPS);
    case "TS-G":
      return moreEngaged(a.bestGender, b.bestGender, a.genderShares, b.genderShares, GENDERS);
    case "TS-R": {
      const given = a.topStates[0];
      const goal = b.topStates[0];
      if (given === undefined || goal === undefined) return null;
      const i = stateIndex(goal);
      const sa = a.stateInterest[i];
      const sb = b.stateInterest[i];
      return sa !== undefined && sb !== undefined && sa < sb ? { given, goal } : null;
    }
    case "TC-A":
      return transcreated(a.bestAgeGroup, b.bestAgeGroup);
    case "TC-G":
      return transcreated(a.bestGender, b.bestGender);
    case "TC-R": {
      const given = a.topStates[0];
      if (given === undefined) return null;
      // The best of the target's top states whose rank moved by ≥ minRankShift positions.
      for (const goal of b.topStates) {
        const ra = a.stateRanking.indexOf(goal);
        const rb = b.stateRanking.indexOf(goal);
        if (ra >= 0 && rb >= 0 && Math.abs(ra - rb) >= minRankShift) return { given, goal };
      }
      return null;
    }
  }
}

const NO_AUDIENCE = { given: null, goal: null };

/** TS-A/TS-G: the goal is Ad2's best segment, and Ad1 delivered a smaller share of it. */
function moreEngaged<S extends string>(
  given: S | null,
  goal: S | null,
  sharesA: readonly number[],
  sharesB: readonly number[],
  segments: readonly S[],
): Audience {
  if (given === null || goal === null) return null;
  const i = segments.indexOf(goal);
  const sa = sharesA[i];
  const sb = sharesB[i];
  return sa !== undefined && sb !== undefined && sa < sb ? { given, goal } : null;
}

/** TC-A/TC-G: the goal is first for the target but not for the source. */
function transcreated(given: string | null, goal: string | null): Audience {
  return given !== null && goal !== null && given !== goal ? { given, goal } : null;
}

/**
 * A page's body vectors as `minePairs` reads them, by index: an array of vectors is one;
 * `HeldVectors` (held-vectors.ts) keeps a huge page's in a temporary file.
 */
export interface PageVectors {
  readonly length: number;
  readonly dim: number;
  /**
   * Vector i: written into `into` when given (and returned), else possibly a buffer that the
   * next call reuses.
   */
  row(i: number, into?: Float32Array): Float32Array;
}

function arrayVectors(vectors: readonly Float32Array[]): PageVectors {
  const dim = vectors[0]?.length ?? 0;
  for (const v of vectors) {
    if (v.length !== dim)
      throw new RangeError(`minePairs: vectors differ in length (${dim} and ${v.length})`);
  }
  return { length: vectors.length, dim, row: (i) => vectors[i]! };
}

/**
 * Mines one page's pairs. Vector i embeds ad i's body (L2-normalised by the embedders, though
 * any non-zero vectors work: similarity is `cosine`). Output and stats do not depend on the
 * order of `ads`.
 */
export function minePairs(
  given: readonly TaskAd[] | PageAds,
  givenVectors: readonly Float32Array[] | PageVectors,
  cfg: PairConfig,
): MinedPairs {
  const ads: PageAds = Array.isArray(given) ? arrayAds(given) : (given as PageAds);
  const vecs: PageVectors = Array.isArray(givenVectors)
    ? arrayVectors(givenVectors)
    : (givenVectors as PageVectors);
  if (vecs.length !== ads.length) {
    throw new RangeError(`minePairs: ${ads.length} ads but ${vecs.length} vectors`);
  }
  const dim = vecs.dim;
  // Visit ads in id order, so that what the cap examines (and so the stats) is order-free.
  const order = Array.from({ length: ads.length }, (_, k) => k).sort((x, y) =>
    compareStrings(ads.adId(x), ads.adId(y)),
  );
  if (order.some((o, k) => o !== k)) {
    return minePairs(
      reordered(ads, order),
      { length: vecs.length, dim, row: (i, into) => vecs.row(order[i]!, into) },
      cfg,
    );
  }
  const tasks = PAIR_TASKS.filter((t) => cfg.tasks.includes(t));
  const stats: PairStats = {
    ads: ads.length,
    blocks: 0,
    pairsCompared: 0,
    aboveThreshold: 0,
    similarPairs: 0,
    taskPairs: 0,
    capped: 0,
    perTask: Object.fromEntries(PAIR_TASKS.map((t) => [t, 0])) as Record<PairTask, number>,
  };
  if (ads.length < 2 || tasks.length === 0) return { candidates: [], stats };

  // 1. Blocking keys: the minimal enabled-constant tuples of the requested tasks.
  const tuples = minimalTuples(
    tasks.map((t) => PAIR_TASK_CONSTANTS[t].filter((f) => cfg.constants[f])),
  );
  const blockIds = tuples.map((tuple) => blockIdsOf(ads, tuple));

  // 2. Cosines within blocks, a tile at a time. The kernel's float32 dot products of the
  // L2-normalised rows only prefilter: a pair near the threshold (within a margin far above
  // float32 error) or above it is decided by `cosine` itself, so the result is exactly the
  // all-pairs definition's, whichever kernel ran.
  const inv = Array.from({ length: vecs.length }, (_, i) => inverseNorm(vecs.row(i)));
  // Two rows at once for the exact cosine (a file-backed row is only valid until the next read).
  const [ra, rb] = [new Float32Array(dim), new Float32Array(dim)];
  const exactCosine = (i: number, j: number) => cosine(vecs.row(i, ra), vecs.row(j, rb));
  const prefilter = cfg.similarityThreshold - 1e-6 * (dim + 16);
  const kernel = blockDots();
  // 3–5 as the pairs come: the per-page cap keeps the maxPairsPerPage productive pairs with the
  // smallest seeded priority (a max-heap), so memory stays bounded and the expensive word edits
  // are computed only for a pair whose priority can still make the sample. A pair is productive
  // when it passes the word-edit filter and yields a task in one orientation. Once the sample is
  // full, a pair whose priority cannot enter it is not even compared: its priority is a hash of
  // the two ad ids, known before its cosine. The sample is the same as if every pair had been
  // compared (a pair left out can never beat the sample's current maximum), and a huge
  // advertiser's quadratic number of pairs costs a hash each instead of a 512-d dot product.
  const words = new WordIds();
  const tokens: (Int32Array | undefined)[] = new Array(ads.length);
  const tokensOf = (i: number): Int32Array => {
    let t = tokens[i];
    if (t === undefined) {
      t = words.encode(ads.body(i));
      tokens[i] = t;
    }
    return t;
  };
  const seedWord = fmix32(fnv1a32(`${cfg.seed}:pairs`));
  const adHash = Array.from({ length: ads.length }, (_, i) =>
    fmix32(fnv1a32(ads.adId(i)) ^ seedWord),
  );
  const heap = new PairHeap(cfg.maxPairsPerPage);
  const orient = { ...cfg, tasks };
  const consider = (i: number, j: number, sim: number, prio: number) => {
    const a = ads.get(i);
    const b = ads.get(j);
    const found = [...orientPair(a, b, sim, -1, orient), ...orientPair(b, a, sim, -1, orient)];
    if (tokenEdits(tokensOf(i), tokensOf(j), cfg.minWordEdits) < cfg.minWordEdits) return;
    stats.similarPairs++;
    if (found.length === 0) return;
    stats.taskPairs++;
    if (heap.push({ prio, a: i, b: j, candidates: found })) stats.capped++;
  };
  blockIds.forEach((ids, k) => {
    const earlier = blockIds.slice(0, k);
    // The pair's first blocking key is the one that emits it.
    const emittedEarlier = (i: number, j: number) =>
      earlier.some((e) => e[i] !== -1 && e[i] === e[j]);
    for (const members of groups(ids)) {
      stats.blocks++;
      // A block inside an earlier key's block has had all its pairs compared already.
      const first = members[0]!;
      if (earlier.some((e) => e[first] !== -1 && members.every((m) => e[m] === e[first]))) continue;
      const rows = kernel.load(
        { length: members.length, row: (k) => vecs.row(members[k]!) },
        dim,
        members.map((m) => inv[m]!),
      );
      const n = members.length;
      for (let t0 = 0; t0 < n; t0 += TILE) {
        const t1 = Math.min(n, t0 + TILE);
        for (let x = 0; x < t1; x++) {
          const y0 = Math.max(t0, x + 1);
          if (y0 >= t1) continue;
          const i = members[x]!;
          const hi = adHash[i]!;
          if (heap.full()) {
            // Only the pairs whose priority can still enter the sample, one cosine each.
            for (let y = y0; y < t1; y++) {
              const j = members[y]!;
              if (earlier.length > 0 && emittedEarlier(i, j)) continue;
              const prio = pairPriority(hi, adHash[j]!);
              if (prio >= heap.bound()) {
                stats.capped++;
                continue;
              }
              stats.pairsCompared++;
              const sim = exactCosine(i, j);
              if (!(sim > cfg.similarityThreshold)) continue;
              stats.aboveThreshold++;
              consider(i, j, sim, prio);
            }
            continue;
          }
          const out = rows.dots(x, y0, t1);
          stats.pairsCompared += t1 - y0;
          for (let y = y0; y < t1; y++) {
            if (out[y - y0]! <= prefilter) continue;
            const j = members[y]!;
            if (earlier.length > 0 && emittedEarlier(i, j)) continue;
            const sim = exactCosine(i, j);
            if (!(sim > cfg.similarityThreshold)) continue;
            stats.aboveThreshold++;
            const prio = pairPriority(hi, adHash[j]!);
            if (prio >= heap.bound()) stats.capped++;
            else consider(i, j, sim, prio);
          }
        }
      }
    }
  });

  const candidates: PairCandidate[] = [];
  for (const s of heap.items()) {
    const edits = tokenEdits(tokensOf(s.a), tokensOf(s.b));
    for (const c of s.candidates) candidates.push({ ...c, wordEdits: edits });
  }
  const taskOrder = new Map<string, number>(PAIR_TASKS.map((t, i) => [t, i]));
  candidates.sort(
    (x, y) =>
      taskOrder.get(x.task)! - taskOrder.get(y.task)! ||
      compareStrings(x.source.adId, y.source.adId) ||
      compareStrings(x.target.adId, y.target.adId),
  );
  for (const c of candidates) stats.perTask[c.task]++;
  return { candidates, stats };
}

/**
 * A pair's seeded 53-bit sampling priority from its two ads' seeded hashes; symmetric, so the
 * pair has one priority whichever ad comes first. Cheap enough for every pair above the
 * similarity threshold (the cap's sample is the productive pairs with the smallest priorities).
 */
export function pairPriority(ha: number, hb: number): number {
  const lo = Math.min(ha, hb);
  const hi = Math.max(ha, hb);
  const x = fmix32(lo ^ Math.imul(hi, 0x9e3779b1));
  const y = fmix32(hi ^ x ^ 0x27d4eb2f);
  return (x >>> 11) * 2 ** 32 + y;
}

/** The priority of the pair of these two ad ids under `seed`, as `minePairs` computes it. */
export function pairPriorityOf(seed: number, adA: string, adB: string): number {
  const w = fmix32(fnv1a32(`${seed}:pairs`));
  return pairPriority(fmix32(fnv1a32(adA) ^ w), fmix32(fnv1a32(adB) ^ w));
}

interface HeldPair {
  prio: number;
  a: number;
  b: number;
  candidates: PairCandidate[];
}

/** A max-heap of at most `cap` pairs by priority: the `cap` smallest seen so far. */
class PairHeap {
  private readonly h: HeldPair[] = [];

  constructor(private readonly cap: number) {}

  /** Whether the sample holds `cap` pairs (from then on, only smaller priorities enter it). */
  full(): boolean {
    return this.h.length >= this.cap;
  }

  /** A pair enters the sample only with a priority below this. */
  bound(): number {
    if (this.h.length < this.cap) return Number.POSITIVE_INFINITY;
    return this.h[0]?.prio ?? Number.NEGATIVE_INFINITY;
  }

  /** Adds a pair; returns true when that pushed another out. */
  push(p: HeldPair): boolean {
    this.h.push(p);
    this.up(this.h.length - 1);
    if (this.h.length <= this.cap) return false;
    const last = this.h.pop()!;
    if (this.h.length > 0) {
      this.h[0] = last;
      this.down(0);
    }
    return true;
  }

  items(): readonly HeldPair[] {
    return this.h;
  }

  private up(i: number): void {
    const h = this.h;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.prio >= h[i]!.prio) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.h;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.prio > h[m]!.prio) m = l;
      if (r < h.length && h[r]!.prio > h[m]!.prio) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

function compareStrings(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Drops every tuple that contains another (its pairs are already in the smaller one's blocks). */
function minimalTuples(tuples: readonly ConstantFacet[][]): ConstantFacet[][] {
  const sets = tuples.map((t) => FACETS.filter((f) => t.includes(f)));
  const unique = [...new Map(sets.map((s) => [s.join(","), s])).values()];
  return unique
    .filter(
      (s) => !unique.some((o) => o !== s && o.length < s.length && o.every((f) => s.includes(f))),
    )
    .sort((x, y) => x.length - y.length || compareStrings(x.join(","), y.join(",")));
}

/** Each ad's block under a tuple of facets (-1 when any facet is null). */
function blockIdsOf(ads: PageAds, tuple: readonly ConstantFacet[]): Int32Array {
  const ids = new Int32Array(ads.length);
  const byKey = new Map<string, number>();
  for (let i = 0; i < ads.length; i++) {
    const values = tuple.map((f) => ads.facet(i, f));
    if (values.some((v) => v === null)) {
      ids[i] = -1;
      continue;
    }
    const key = values.join("\u0000");
    let id = byKey.get(key);
    if (id === undefined) {
      id = byKey.size;
      byKey.set(key, id);
    }
    ids[i] = id;
  }
  return ids;
}

/** The ad indices of each block with at least 2 ads. */
function groups(ids: Int32Array): number[][] {
  const members = new Map<number, number[]>();
  ids.forEach((id, i) => {
    if (id === -1) return;
    const m = members.get(id);
    if (m) m.push(i);
    else members.set(id, [i]);
  });
  return [...members.values()].filter((m) => m.length > 1);
}

/** Rows per tile: 128 rows of 512 float32 (256 KiB) stay in a core's L2 cache. */
const TILE = 128;

function inverseNorm(v: Float32Array): number {
  const n = Math.sqrt(dotUnrolled(v, v));
  return n > 0 ? 1 / n : 0;
}

/** A dot product unrolled by 4 with independent accumulators (norms; the JS block kernel). */
function dotUnrolled(x: Float32Array, y: Float32Array): number {
  const n = x.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += x[k]! * y[k]!;
    s1 += x[k + 1]! * y[k + 1]!;
    s2 += x[k + 2]! * y[k + 2]!;
    s3 += x[k + 3]! * y[k + 3]!;
  }
  for (; k < n; k++) s0 += x[k]! * y[k]!;
  return s0 + s1 + s2 + s3;
}

// ---- The block kernel: dot products of one row with a run of rows ----

/** A block's rows, loaded for `dots`. */
export interface LoadedRows {
  /** Dot products of row `x` with rows `y0` … `y1 - 1`; the view is reused by the next call. */
  dots(x: number, y0: number, y1: number): ArrayLike<number>;
}

/** A block's rows by index; a row read may reuse the previous one's buffer. */
export interface BlockRows {
  readonly length: number;
  row(k: number): Float32Array;
}

export interface BlockDots {
  readonly kind: "wasm" | "js";
  /**
   * Loads `rows` (each of length `dim`), replacing the previous block's; with `scales`, row k is
   * multiplied by scales[k] (rounded to float32) as it is loaded, e.g. to normalise it.
   */
  load(
    rows: readonly Float32Array[] | BlockRows,
    dim: number,
    scales?: readonly number[],
  ): LoadedRows;
}

function rowGetter(rows: readonly Float32Array[] | BlockRows): (k: number) => Float32Array {
  return Array.isArray(rows)
    ? (k) => (rows as readonly Float32Array[])[k]!
    : (k) => (rows as BlockRows).row(k);
}

/** The slice of the WebAssembly JS API used here (the project's lib and @types/node omit it). */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

let shared: BlockDots | undefined;

/** The fastest kernel available: WebAssembly SIMD (Node ≥ 16.4), else plain JavaScript. */
export function blockDots(): BlockDots {
  shared ??= wasmBlockDots() ?? jsBlockDots();
  return shared;
}

/** The portable kernel: `dotUnrolled` in doubles. */
export function jsBlockDots(): BlockDots {
  let buf = new Float64Array(TILE);
  return {
    kind: "js",
    load(given, dim, scales) {
      // Copies unless the rows are plain arrays used as they are (a BlockRows row may be reused).
      const get = rowGetter(given);
      const rows = Array.from({ length: given.length }, (_, k) =>
        scales ? scaled(get(k), scales[k]!, dim) : Array.isArray(given) ? get(k) : get(k).slice(),
      );
      return {
        dots(x, y0, y1) {
          if (buf.length < y1 - y0) buf = new Float64Array(y1 - y0);
          const r = rows[x]!;
          for (let y = y0; y < y1; y++) buf[y - y0] = dotUnrolled(r, rows[y]!);
          return buf;
        },
      };
    },
  };
}

/** `row` × `scale`, in float32. */
function scaled(row: Float32Array, scale: number, dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (let k = 0; k < dim; k++) out[k] = row[k]! * scale;
  return out;
}

/**
 * Rows a block may copy into WebAssembly memory at once (4 MiB at 512 dims). A WebAssembly
 * memory never shrinks, so a huge advertiser's block copied whole (71,739 ads at 1,000,000
 * synthetic ads: 147 MB) would stay in its worker for the rest of the build.
 */
export const WASM_RESIDENT_ROWS = 2048;

/**
 * The SIMD kernel, about 10× the JS one on 512 dims: rows are copied into WebAssembly memory,
 * zero-padded to a multiple of 16 floats, and `dots` accumulates in 4 float32x4 registers.
 * Returns null where WebAssembly SIMD is unavailable. A block of at most `residentRows` rows is
 * copied whole; a larger one keeps a window of TILE rows (the `y` side of the calls, which the
 * tiled loop keeps within one tile) and copies each row `x` in as it comes, which costs one 2 KiB
 * copy per 128 dot products. Either way each dot product is the same float32 computation, so the
 * results do not depend on the mode. The memory grows to the largest copy and is kept.
 */
export function wasmBlockDots(residentRows = WASM_RESIDENT_ROWS): BlockDots | null {
  if (typeof WebAssembly === "undefined" || !WebAssembly.validate(DOTS_WASM)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(DOTS_WASM));
  const memory = instance.exports.memory as WasmMemory;
  const wasmDots = instance.exports.dots as (
    x: number,
    y: number,
    count: number,
    stride: number,
    out: number,
  ) => void;
  const fallback = jsBlockDots();
  /** Float32 view of `slots` padded rows and the output after them; null if memory cannot grow. */
  const reserve = (slots: number, strideFloats: number): Float32Array | null => {
    const bytes = slots * strideFloats * 4 + TILE * 4;
    const missing = Math.ceil((bytes - memory.buffer.byteLength) / 65536);
    if (missing > 0) {
      try {
        memory.grow(missing);
      } catch {
        return null;
      }
    }
    return new Float32Array(memory.buffer, 0, slots * strideFloats);
  };
  const put = (
    floats: Float32Array,
    slot: number,
    row: Float32Array,
    strideFloats: number,
    scale: number | undefined,
  ) => {
    const at = slot * strideFloats;
    if (scale === undefined) floats.set(row, at);
    else for (let k = 0; k < row.length; k++) floats[at + k] = row[k]! * scale;
    floats.fill(0, at + row.length, at + strideFloats);
  };
  return {
    kind: "wasm",
    load(rows, dim, scales) {
      const get = rowGetter(rows);
      const strideFloats = Math.max(16, Math.ceil(dim / 16) * 16);
      const stride = strideFloats * 4;
      const whole = rows.length <= residentRows;
      // Windowed: slots 0 … TILE-1 hold rows w0 … w0+TILE-1, slot TILE holds the current x.
      const slots = whole ? rows.length : TILE + 1;
      const floats = reserve(slots, strideFloats);
      if (floats === null) return fallback.load(rows, dim, scales);
      const outAt = slots * stride;
      const out = new Float32Array(memory.buffer, outAt, TILE);
      if (whole) {
        for (let k = 0; k < rows.length; k++) put(floats, k, get(k), strideFloats, scales?.[k]);
        return {
          dots(x, y0, y1) {
            if (y1 - y0 > TILE) return fallback.load(rows, dim, scales).dots(x, y0, y1);
            wasmDots(x * stride, y0 * stride, y1 - y0, stride, outAt);
            return out;
          },
        };
      }
      let w0 = -1;
      let lastX = -1;
      return {
        dots(x, y0, y1) {
          if (y1 - y0 > TILE) return fallback.load(rows, dim, scales).dots(x, y0, y1);
          if (w0 < 0 || y0 < w0 || y1 > w0 + TILE) {
            w0 = y0;
            const end = Math.min(rows.length, w0 + TILE);
            for (let k = w0; k < end; k++) put(floats, k - w0, get(k), strideFloats, scales?.[k]);
            lastX = -1;
          }
          let xAt: number;
          if (x >= w0 && x < w0 + TILE && x < rows.length) xAt = (x - w0) * stride;
          else {
            if (x !== lastX) put(floats, TILE, get(x), strideFloats, scales?.[x]);
            lastX = x;
            xAt = TILE * stride;
          }
          wasmDots(xAt, (y0 - w0) * stride, y1 - y0, stride, outAt);
          return out;
        },
      };
    },
  };
}

/**
 * The kernel module, assembled here so that its source stays readable (no toolchain needed):
 *
 *   (func (export "dots") (param $x i32) (param $y i32) (param $count i32) (param $stride i32)
 *         (param $out i32) (local $yEnd i32) (local $k i32) (local $a0 … $a3 v128)
 *     yEnd = y + count * stride
 *     while y < yEnd:
 *       a0 … a3 = 0; k = 0
 *       do { a_n += load(x + k + 16n) * load(y + k + 16n) for n = 0..3; k += 64 } while k < stride
 *       f32.store(out, hsum(a0 + a1 + a2 + a3)); out += 4; y += stride)
 *   (memory (export "memory") 1)
 */
const DOTS_WASM = ((): Uint8Array => {
  const uleb = (n: number): number[] => {
    const out: number[] = [];
    do {
      const b = n & 0x7f;
      n >>>= 7;
      out.push(n ? b | 0x80 : b);
    } while (n);
    return out;
  };
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
  const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
  const [I32, V128] = [0x7f, 0x7b];
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const tee = (i: number) => [0x22, i];
  const sleb = (n: number): number[] => {
    const out: number[] = [];
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
      out.push(b | 0x80);
    }
  };
  const i32 = (n: number) => [0x41, ...sleb(n)];
  const simd = (op: number) => [0xfd, ...uleb(op)];
  const v128Load = (offset: number) => [...simd(0x00), 4, ...uleb(offset)];
  const [f32x4Add, f32x4Mul] = [simd(0xe4), simd(0xe6)];
  const lane = (l: number) => [...simd(0x1f), l];
  const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
  const [ADD, MUL, LT_U, GE_U, F32_ADD] = [0x6a, 0x6c, 0x49, 0x4f, 0x92];
  const [BLOCK, LOOP, END, BR, BR_IF, VOID] = [0x02, 0x03, 0x0b, 0x0c, 0x0d, 0x40];
  const [x, y, count, stride, out, yEnd, k] = [0, 1, 2, 3, 4, 5, 6];
  const acc = [7, 8, 9, 10];
  const step = (a: number) => [
    ...get(acc[a]!),
    ...get(x),
    ...get(k),
    ADD,
    ...v128Load(16 * a),
    ...get(y),
    ...get(k),
    ADD,
    ...v128Load(16 * a),
    ...f32x4Mul,
    ...f32x4Add,
    ...set(acc[a]!),
  ];
  const body = [
    ...get(y),
    ...get(count),
    ...get(stride),
    MUL,
    ADD,
    ...set(yEnd),
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(y),
    ...get(yEnd),
    GE_U,
    BR_IF,
    1,
    ...acc.flatMap((a) => [...v128Zero, ...set(a)]),
    ...i32(0),
    ...set(k),
    LOOP,
    VOID,
    ...step(0),
    ...step(1),
    ...step(2),
    ...step(3),
    ...get(k),
    ...i32(64),
    ADD,
    ...tee(k),
    ...get(stride),
    LT_U,
    BR_IF,
    0,
    END,
    ...get(out),
    ...get(acc[0]!),
    ...get(acc[1]!),
    ...f32x4Add,
    ...get(acc[2]!),
    ...get(acc[3]!),
    ...f32x4Add,
    ...f32x4Add,
    ...tee(acc[0]!),
    ...lane(0),
    ...[1, 2, 3].flatMap((l) => [...get(acc[0]!), ...lane(l), F32_ADD]),
    0x38,
    2,
    0, // f32.store align=4 offset=0
    ...get(out),
    ...i32(4),
    ADD,
    ...set(out),
    ...get(y),
    ...get(stride),
    ADD,
    ...set(y),
    BR,
    0,
    END,
    END,
    END,
  ];
  const code = [
    ...vec([
      [2, I32],
      [4, V128],
    ]),
    ...body,
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(
      7,
      vec([
        [...name("dots"), 0x00, 0],
        [...name("memory"), 0x02, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
})();
