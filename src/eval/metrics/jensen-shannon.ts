import { AvakitError } from "../../core/errors.js";
import { pairwiseSum } from "./summation.js";

/**
 * - "standard": `scipy.spatial.distance.jensenshannon(p, q)` (scipy/spatial/distance.py): p and q
 *   normalised to sum 1, √((KL(p‖m) + KL(q‖m)) / 2), natural log.
 * - "culturebank": SALT-NLP/CultureBank evaluation/downstream_tasks/world_value_survey.py `JSDist`:
 *   no normalisation, log(m + 1e-12), and each KL term from `F.kl_div(..., reduction="batchmean")`
 *   on a 1-D tensor, which divides it by the number of options; so for n options it is about the
 *   standard distance / √n.
 */
export type JsVariant = "standard" | "culturebank";

export interface JsOptions {
  variant?: JsVariant;
  /** Logarithm base; natural log when absent (scipy's default; CultureBank uses natural log). */
  base?: number;
}

const CULTUREBANK_EPS = 1e-12;

function check(p: readonly number[], q: readonly number[]): void {
  if (p.length !== q.length || p.length === 0) {
    throw new AvakitError(
      `Jensen–Shannon distance: distributions of ${p.length} and ${q.length} options must be non-empty and of one length`,
    );
  }
  for (const x of [...p, ...q]) {
    if (!(x >= 0 && Number.isFinite(x))) {
      throw new AvakitError(
        `Jensen–Shannon distance: probabilities must be finite and ≥ 0, got ${x}`,
      );
    }
  }
}

/** scipy.special.rel_entr(x, y) for x, y ≥ 0. */
function relEntr(x: number, y: number): number {
  if (x === 0) return 0;
  if (y === 0) return Number.POSITIVE_INFINITY;
  return x * Math.log(x / y);
}

/** torch.xlogy(x, x) − x·y, the elementwise term of `F.kl_div(y, x)` (log_target=False). */
function klDivTerm(x: number, logM: number): number {
  return (x === 0 ? 0 : x * Math.log(x)) - x * logM;
}

/**
 * Jensen–Shannon distance (the square root of the divergence) between two distributions over the
 * same options. A divergence that rounds below 0 gives 0 where the references would give NaN.
 */
export function jsDistance(
  p: readonly number[],
  q: readonly number[],
  options: JsOptions = {},
): number {
  check(p, q);
  const variant = options.variant ?? "standard";
  let divergence: number;
  if (variant === "standard") {
    const pSum = pairwiseSum(p);
    const qSum = pairwiseSum(q);
    if (pSum === 0 || qSum === 0) {
      throw new AvakitError("Jensen–Shannon distance: a distribution sums to 0");
    }
    const pn = p.map((x) => x / pSum);
    const qn = q.map((x) => x / qSum);
    const m = pn.map((x, i) => (x + qn[i]!) / 2);
    const left = pairwiseSum(pn.map((x, i) => relEntr(x, m[i]!)));
    const right = pairwiseSum(qn.map((x, i) => relEntr(x, m[i]!)));
    // scipy: js = left + right; js /= log(base); sqrt(js / 2).
    const js = options.base === undefined ? left + right : (left + right) / Math.log(options.base);
    divergence = js / 2;
  } else if (variant === "culturebank") {
    const n = p.length;
    const logM = p.map((x, i) => Math.log(0.5 * (x + q[i]!) + CULTUREBANK_EPS));
    const klP = pairwiseSum(p.map((x, i) => klDivTerm(x, logM[i]!))) / n;
    const klQ = pairwiseSum(q.map((x, i) => klDivTerm(x, logM[i]!))) / n;
    divergence = 0.5 * (klP + klQ);
    if (options.base !== undefined) divergence /= Math.log(options.base);
  } else {
    throw new AvakitError(`Jensen–Shannon distance: unknown variant ${String(variant)}`);
  }
  return Math.sqrt(Math.max(0, divergence));
}

/**
 * GlobalOpinionQA similarity 1 − JSDist(p, q) (Durmus et al. 2023, Anthropic/llm_global_opinions;
 * CultureBank world_value_survey.py `sim = 1.0 - jsdist`).
 */
export function jsSimilarity(
  p: readonly number[],
  q: readonly number[],
  options: JsOptions = {},
): number {
  return 1 - jsDistance(p, q, options);
}
