import { readFileSync } from "node:fs";
import { AvakitError, errorMessage } from "../core/errors.js";
import { AGE_GROUPS, type AgeGroup } from "../core/types.js";

/** Pew's (and OpinionQA's AGE attribute's) adult age groups. */
export const PEW_AGE_GROUPS = ["18-29", "30-49", "50-64", "65+"] as const;
export type PewAgeGroup = (typeof PEW_AGE_GROUPS)[number];

/**
 * How Meta's age buckets become Pew's: each Meta bucket's delivery share goes to Pew groups in
 * the given proportions (a bucket left out, like 13-17, is dropped). Saved with the outputs.
 */
export interface AgeMapping {
  name: string;
  description: string;
  weights: Partial<Record<AgeGroup, Partial<Record<PewAgeGroup, number>>>>;
}

/** Whole Meta buckets to the Pew group holding most of their years (25-34 → 18-29, 45-54 → 30-49). */
const COARSE: AgeMapping = {
  name: "coarse",
  description:
    "whole Meta buckets: 18-24, 25-34 → 18-29; 35-44, 45-54 → 30-49; 55-64 → 50-64; 65+ → 65+; 13-17 dropped. Approximation: ages 30-34 count as 18-29 and 50-54 as 30-49.",
  weights: {
    "18-24": { "18-29": 1 },
    "25-34": { "18-29": 1 },
    "35-44": { "30-49": 1 },
    "45-54": { "30-49": 1 },
    "55-64": { "50-64": 1 },
    "65+": { "65+": 1 },
  },
};

/** The two straddling buckets split by their years, assuming ages spread evenly inside a bucket. */
const SPLIT: AgeMapping = {
  name: "split",
  description:
    "by years: 18-24 → 18-29; 25-34 → ½ 18-29 (25-29) + ½ 30-49 (30-34); 35-44 → 30-49; 45-54 → ½ 30-49 (45-49) + ½ 50-64 (50-54); 55-64 → 50-64; 65+ → 65+; 13-17 dropped. Approximation: ages spread evenly within a Meta bucket.",
  weights: {
    "18-24": { "18-29": 1 },
    "25-34": { "18-29": 0.5, "30-49": 0.5 },
    "35-44": { "30-49": 1 },
    "45-54": { "30-49": 0.5, "50-64": 0.5 },
    "55-64": { "50-64": 1 },
    "65+": { "65+": 1 },
  },
};

export const AGE_MAPPINGS: Readonly<Record<string, AgeMapping>> = { coarse: COARSE, split: SPLIT };
export const DEFAULT_AGE_MAPPING = "coarse";

/**
 * `--age-mapping`: a preset name (coarse, split) or a JSON file
 * `{"name": ..., "description": ..., "weights": {"18-24": {"18-29": 1}, ...}}`.
 */
export function loadAgeMapping(spec: string = DEFAULT_AGE_MAPPING): AgeMapping {
  const preset = AGE_MAPPINGS[spec];
  if (preset) return preset;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(spec, "utf8"));
  } catch (err) {
    throw new AvakitError(
      `--age-mapping ${spec}: neither a preset (${Object.keys(AGE_MAPPINGS).join(", ")}) nor a readable JSON file (${errorMessage(err)})`,
      { cause: err },
    );
  }
  return checkAgeMapping(raw, spec);
}

/** Checks a mapping read from JSON: known buckets and groups, finite weights ≥ 0. */
export function checkAgeMapping(raw: unknown, where: string): AgeMapping {
  const m = raw as Partial<AgeMapping> | null;
  if (typeof m !== "object" || m === null || typeof m.weights !== "object" || !m.weights) {
    throw new AvakitError(`${where}: expected {"name", "description", "weights": {...}}`);
  }
  for (const [meta, to] of Object.entries(m.weights)) {
    if (!(AGE_GROUPS as readonly string[]).includes(meta)) {
      throw new AvakitError(
        `${where}: unknown Meta age bucket "${meta}" (buckets: ${AGE_GROUPS.join(", ")})`,
      );
    }
    for (const [pew, w] of Object.entries(to ?? {})) {
      if (!(PEW_AGE_GROUPS as readonly string[]).includes(pew)) {
        throw new AvakitError(
          `${where}: unknown Pew age group "${pew}" (groups: ${PEW_AGE_GROUPS.join(", ")})`,
        );
      }
      if (typeof w !== "number" || !(w >= 0) || !Number.isFinite(w)) {
        throw new AvakitError(`${where}: weight ${meta} → ${pew} must be a number ≥ 0`);
      }
    }
  }
  return {
    name: typeof m.name === "string" ? m.name : where,
    description: typeof m.description === "string" ? m.description : "custom mapping",
    weights: m.weights,
  };
}

/** The mapping as a dense matrix: weight[metaIndex][pewIndex], in AGE_GROUPS × PEW_AGE_GROUPS order. */
export function ageWeightMatrix(m: AgeMapping): number[][] {
  return AGE_GROUPS.map((meta) => PEW_AGE_GROUPS.map((pew) => m.weights[meta]?.[pew] ?? 0));
}
