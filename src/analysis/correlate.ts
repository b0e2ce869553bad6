import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AvakitError } from "../core/errors.js";
import { Progress } from "../core/progress.js";
import { regionsFromColumns } from "../store/rows.js";
import { Store } from "../store/store.js";
import { VERSION } from "../version.js";
import { type AgeMapping, loadAgeMapping } from "./age-mapping.js";
import {
  AGESEX_ATTRIBUTE,
  BehaviorSimilarity,
  DIMENSIONS,
  type Dimension,
  type DimensionId,
} from "./behavior.js";
import { DEFAULT_PERMUTATIONS, factorial, type MantelResult, mantelTest } from "./mantel.js";
import { matrixCsv } from "./matrix-csv.js";
import { type OpinionsFile, readOpinionsFile } from "./opinions-file.js";
import { type OpinionSimilarity, opinionSimilarity } from "./similarity.js";

export interface CorrelateOptions {
  db: string;
  /** Opinions JSONL (`avakit opinions build --out`). */
  opinions: string;
  /** Output folder (created). */
  out: string;
  permutations?: number;
  seed?: number;
  ageMapping?: AgeMapping;
  /** Progress on stderr while the ads stream. */
  progress?: boolean;
}

export const DEFAULT_SEED = 1;

/** A p-valued correlation between the upper triangles, as correlation.json writes it. */
export interface PairCorrelation {
  n: number;
  pearson: { r: number; p: number; p_greater: number; p_less: number };
  spearman: { rho: number; p: number; p_greater: number; p_less: number };
  mantel: { mode: MantelResult["mode"]; permutations: number; seed: number | null };
}

/** One compared set of groups in correlation.json. */
export interface DimensionReport {
  title: string;
  cells: string[];
  behavior_file: string;
  /** Ads the behavior matrix is over. */
  behavior_ads: number;
  opinion_file: string | null;
  /** Opinion-group keys compared, or null where Pew has no such groups. */
  opinion_groups: string[] | null;
  /** Why there is no opinion matrix, when there is none. */
  opinion_missing: string | null;
  opinion_questions_per_pair: { min: number; max: number } | null;
  /** Question × pair alignments left out (max ordinal = min ordinal). */
  undefined_alignments: number | null;
  /** The behavior–opinion correlation, or null (no opinions, or fewer than 3 groups). */
  correlation: PairCorrelation | null;
  caveats: string[];
}

/** correlation.json. Field names are a public contract. */
export interface CorrelationReport {
  avakit_version: string;
  inputs: {
    db: string;
    ads_md5: string;
    ads_hash: string;
    opinions: string;
    opinions_sha256: string;
    opinion_questions: number;
    opinion_repeated_keys: number;
  };
  ads: {
    total: number;
    synthetic: number;
    with_state_delivery: number;
    without_state_delivery: number;
    with_age_sex_delivery: number;
  };
  permutations: number;
  seed: number;
  age_mapping: AgeMapping;
  method: Record<"behavior" | "opinion" | "correlation" | "p_value", string>;
  results: Record<DimensionId, DimensionReport>;
  caveats: string[];
}

const ADS_HASH_SQL =
  "md5(string_agg(ad_id || ':' || record_key, '\\n' ORDER BY ad_id, record_key))";

const METHOD: CorrelationReport["method"] = {
  behavior:
    "AVA Eq. 1 read as: for groups i, j, Spearman's rho over all ads of (X_i^a)_a and (X_j^a)_a, X_i^a = the within-ad average rank of group i (1 = most interested; ties, e.g. states the ad never reached at interest 0, share their mean rank), computed as Pearson's r on these ranks. States: population-normalised interest (share of state delivery / 2020 population share); regions: region interest (same, per Census region); age x sex: delivery shares of Meta's demographic_distribution merged into Pew cells by the age mapping (unknown age/gender and 13-17 dropped; not population-normalised).",
  opinion:
    "AVA Eq. 2 as OpinionQA's alignment: for groups g, h, the mean over the questions both have of 1 - WD(D_g, D_h)/(max ordinal - min ordinal) (the evaluator's opinionAlignment); questions with max = min ordinal are left out.",
  correlation:
    "Pearson's r and Spearman's rho between the upper triangles (i < j) of the behavior and opinion similarity matrices; n = number of pairs.",
  p_value:
    "Mantel permutation test: the rows and columns of the opinion matrix are relabelled jointly. p (reported) is two-sided: share of relabellings with |stat| >= |observed|; p_greater / p_less are one-sided. Exact (all k! relabellings, identity included, p = count / k!) when k! <= permutations, else seeded random relabellings with p = (count + 1) / (permutations + 1).",
};

/**
 * `avakit correlate`: behavior similarity (Eq. 1) from the stored ads, opinion similarity (Eq. 2)
 * from an opinions file, and their Mantel-tested correlation per set of groups. Writes the
 * matrices as CSV and correlation.json (last, through a temporary name) into `out`.
 */
export async function correlate(opts: CorrelateOptions): Promise<CorrelationReport> {
  const permutations = opts.permutations ?? DEFAULT_PERMUTATIONS;
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!(Number.isInteger(permutations) && permutations > 0)) {
    throw new AvakitError(`--permutations must be a positive integer, got ${permutations}`);
  }
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
    throw new AvakitError(`--seed must be an integer in [0, 2^32), got ${seed}`);
  }
  const ageMapping = opts.ageMapping ?? loadAgeMapping();

  // The opinions first: a bad file fails in a second, not after the ads' pass.
  const opinions = await readOpinionsFile(opts.opinions);
  const opinionSide = opinionMatrices(opinions);

  const store = await Store.open(opts.db, { readOnly: true, mustExist: true });
  let behavior: ReturnType<BehaviorSimilarity["result"]>;
  let adsMd5: string;
  let synthetic: number;
  try {
    const head = await store.query<{ n: string; synthetic: string | null; h: string | null }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE synthetic) AS synthetic, ${ADS_HASH_SQL} AS h FROM ads`,
    );
    const total = Number(head[0]?.n ?? 0);
    if (total === 0) {
      throw new AvakitError(
        `database ${opts.db} has no ads (run \`avakit ingest\` or \`avakit demo\` first)`,
      );
    }
    adsMd5 = head[0]!.h!;
    synthetic = Number(head[0]!.synthetic ?? 0);
    const acc = new BehaviorSimilarity(ageMapping);
    const progress = new Progress({
      label: "correlate",
      unit: "ads",
      total,
      enabled: opts.progress ?? false,
    });
    for await (const row of store.stream<{ state_delivery: string; demographics: string }>(
      "SELECT state_delivery, demographics FROM ads",
    )) {
      acc.add(regionsFromColumns(row.state_delivery, null), JSON.parse(row.demographics));
      if ((acc.adsSeen & 0x3fff) === 0) progress.update(acc.adsSeen);
    }
    progress.update(acc.adsSeen);
    progress.done();
    behavior = acc.result();
  } finally {
    store.close();
  }
  if (behavior.ads.geographic === 0) {
    throw new AvakitError(`database ${opts.db}: no ad has delivery in a US state`);
  }

  await mkdir(opts.out, { recursive: true });
  const results = {} as Record<DimensionId, DimensionReport>;
  for (const d of DIMENSIONS) {
    const b = behavior.matrices[d.id];
    const behaviorFile = `${d.id}_behavior.csv`;
    await writeFile(join(opts.out, behaviorFile), matrixCsv(b));
    const op = opinionSide.get(d.id);
    let opinionFile: string | null = null;
    let correlation: PairCorrelation | null = null;
    const caveats = dimensionCaveats(d, b.ads);
    if (op && "matrix" in op) {
      opinionFile = `${d.id}_opinion.csv`;
      await writeFile(join(opts.out, opinionFile), matrixCsv(op.matrix));
      if (d.cells.length < 3) {
        caveats.push(
          `${d.cells.length} groups give one pair: no correlation between matrices is defined.`,
        );
      } else if (b.ads < 2 || !b.values.every((row) => row.every(Number.isFinite))) {
        caveats.push(
          `behavior similarity is undefined for some pair (${b.ads} ads; a group's rank never varied), so no correlation.`,
        );
      } else {
        const m = mantelTest(b.values, op.matrix.values, { permutations, seed });
        correlation = {
          n: m.pairs,
          pearson: {
            r: m.pearson.value,
            p: m.pearson.pTwoSided,
            p_greater: m.pearson.pGreater,
            p_less: m.pearson.pLess,
          },
          spearman: {
            rho: m.spearman.value,
            p: m.spearman.pTwoSided,
            p_greater: m.spearman.pGreater,
            p_less: m.spearman.pLess,
          },
          mantel: { mode: m.mode, permutations: m.permutations, seed: m.seed },
        };
        caveats.push(...correlationCaveats(d, m));
      }
    }
    // A rerun into the same folder must not leave an earlier run's opinion matrix behind.
    if (!opinionFile) await rm(join(opts.out, `${d.id}_opinion.csv`), { force: true });
    const counts = op && "matrix" in op ? pairCounts(op.matrix.questions) : null;
    results[d.id] = {
      title: d.title,
      cells: d.cells,
      behavior_file: behaviorFile,
      behavior_ads: b.ads,
      opinion_file: opinionFile,
      opinion_groups: d.opinionGroups,
      opinion_missing: op && "missing" in op ? op.missing : null,
      opinion_questions_per_pair: counts,
      undefined_alignments: op && "matrix" in op ? op.matrix.undefinedAlignments : null,
      correlation,
      caveats,
    };
  }

  const caveats: string[] = [];
  if (synthetic > 0) {
    caveats.push(
      `${synthetic} of ${behavior.ads.total} ads are SYNTHETIC (avakit synth): the behavior side says nothing about real audiences.`,
    );
  }
  caveats.push(
    `Age mapping "${ageMapping.name}": ${ageMapping.description}`,
    "Matrix entries share groups and are not independent: use the Mantel p-values, not a t-test on r.",
  );
  const report: CorrelationReport = {
    avakit_version: VERSION,
    inputs: {
      db: opts.db,
      ads_md5: adsMd5,
      ads_hash: ADS_HASH_SQL,
      opinions: opts.opinions,
      opinions_sha256: opinions.sha256,
      opinion_questions: opinions.questions.length,
      opinion_repeated_keys: opinions.repeats,
    },
    ads: {
      total: behavior.ads.total,
      synthetic,
      with_state_delivery: behavior.ads.geographic,
      without_state_delivery: behavior.ads.noStateDelivery,
      with_age_sex_delivery: behavior.ads.demographic,
    },
    permutations,
    seed,
    age_mapping: ageMapping,
    method: METHOD,
    results,
    caveats,
  };
  const file = join(opts.out, "correlation.json");
  await writeFile(`${file}.tmp`, `${JSON.stringify(report, jsonNumbers, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return report;
}

type OpinionSide = { matrix: OpinionSimilarity } | { missing: string };

/**
 * The opinion matrix of every set of groups the file has. None of a set's groups: recorded as
 * missing; some but not all, or a pair without a common question: an error naming them.
 */
export function opinionMatrices(opinions: OpinionsFile): Map<DimensionId, OpinionSide> {
  const out = new Map<DimensionId, OpinionSide>();
  for (const d of DIMENSIONS) {
    const groups = d.opinionGroups;
    if (!groups) continue;
    const present = groups.filter((g) => opinions.groups.has(g));
    if (present.length === 0) {
      out.set(d.id, { missing: missingReason(d, opinions) });
      continue;
    }
    if (present.length < groups.length) {
      throw new AvakitError(
        `--opinions ${opinions.path}: has ${present.join(", ")} but not ${groups.filter((g) => !present.includes(g)).join(", ")}; ${d.title} need all ${groups.length} groups`,
      );
    }
    const matrix = opinionSimilarity(opinions.questions, groups, d.cells);
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        if (matrix.questions[i]![j] === 0) {
          throw new AvakitError(
            `--opinions ${opinions.path}: no question has distributions of both ${groups[i]} and ${groups[j]} (with max ordinal > min ordinal), so their opinion similarity is undefined`,
          );
        }
      }
    }
    out.set(d.id, { matrix });
  }
  if (![...out.values()].some((s) => "matrix" in s)) {
    const wanted = DIMENSIONS.flatMap((d) =>
      d.opinionGroups ? [`${d.opinionGroups[0]!.split(":")[0]}:*`] : [],
    );
    const has = [...opinions.groups].slice(0, 8).join(", ");
    throw new AvakitError(
      `--opinions ${opinions.path}: none of the groups compared (${wanted.join(", ")}) is in the file (it has: ${has}${opinions.groups.size > 8 ? ", …" : ""})`,
    );
  }
  return out;
}

function missingReason(d: Dimension, opinions: OpinionsFile): string {
  const attr = d.opinionGroups![0]!.split(":")[0]!;
  if (d.id === "agesex") {
    const marginal = ["AGE", "SEX"].filter((a) =>
      [...opinions.groups].some((g) => g.startsWith(`${a}:`)),
    );
    return (
      `the opinions file has no joint ${AGESEX_ATTRIBUTE}:<age> <sex> groups` +
      (marginal.length ? ` (only the marginal ${marginal.join(" and ")} groups)` : "") +
      `: OpinionQA's 60 groups have none, and \`avakit opinions build\` cannot make them yet (a group rule reads one .sav variable; Pew codes age and sex separately). Age and sex are compared separately instead (results "age", "sex").`
    );
  }
  return `the opinions file has no ${attr}:* groups`;
}

function pairCounts(q: number[][]): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < q.length; i++) {
    for (let j = i + 1; j < q.length; j++) {
      min = Math.min(min, q[i]![j]!);
      max = Math.max(max, q[i]![j]!);
    }
  }
  return { min: Number.isFinite(min) ? min : 0, max };
}

function dimensionCaveats(d: Dimension, ads: number): string[] {
  const k = d.cells.length;
  const out: string[] = [];
  if (k === 2) {
    out.push(
      "Two groups ranked within each ad always have ranks summing to 3, so their behavior rho is -1 by construction (or undefined when every ad ties them).",
    );
  } else {
    out.push(
      `Within-ad ranks of ${k} groups sum to ${(k * (k + 1)) / 2} in every ad, so behavior rhos between them average about ${(-1 / (k - 1)).toFixed(3)} (-1/(k-1)); only their differences carry information, which the matrix correlation uses.`,
    );
  }
  if (d.id === "agesex" || d.id === "age" || d.id === "sex") {
    out.push(
      "Age x sex delivery shares are not population-normalised (avakit ships no census age x sex table), unlike state and region interest.",
    );
  }
  if (ads < 1000) out.push(`Behavior is over only ${ads} ads.`);
  return out;
}

function correlationCaveats(d: Dimension, m: MantelResult): string[] {
  const out: string[] = [];
  const k = d.cells.length;
  if (m.pairs <= 10) {
    out.push(
      `Only ${m.pairs} pairs of ${k} groups: r and rho rest on very few, non-independent points; treat them as descriptive.`,
    );
  }
  if (m.mode === "exact") {
    out.push(
      `Exact Mantel test over all ${factorial(k)} relabellings: no p-value below 1/${factorial(k)} = ${(1 / factorial(k)).toFixed(4)} is possible.`,
    );
  }
  return out;
}

/** NaN (an undefined similarity) as null in JSON. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}
