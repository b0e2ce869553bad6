import { readFileSync } from "node:fs";
import { AvakitError, errorMessage } from "../core/errors.js";
import type { SavFile } from "./sav.js";

/** One rule: respondents whose `variable` holds one of `codes` belong to the mapped group. */
export interface GroupRule {
  variable: string;
  codes: Record<string, string>;
}

/** An attribute's rules in one wave (tried in order), or why the wave cannot supply it. */
export type AttributeSpec = GroupRule[] | { missing: string };

/** The groups mapping kept as data (data/opinionqa-groups.json). */
export interface GroupMapping {
  attributes: Array<{ name: string; groups: string[] }>;
  waves: Record<string, Record<string, AttributeSpec>>;
}

/** The bundled mapping file, shipped in the package's data/ folder. */
export const DEFAULT_GROUPS_FILE = new URL("../../data/opinionqa-groups.json", import.meta.url);

/** Loads and checks a groups mapping (default: the bundled OpinionQA 60-group mapping). */
export function loadGroupMapping(file: string | URL = DEFAULT_GROUPS_FILE): GroupMapping {
  const where = file instanceof URL ? file.pathname : file;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AvakitError(`${where}: cannot read groups mapping (${errorMessage(err)})`, {
      cause: err,
    });
  }
  const m = raw as Partial<GroupMapping>;
  if (!Array.isArray(m.attributes) || typeof m.waves !== "object" || m.waves === null) {
    throw new AvakitError(`${where}: expected {"attributes": [...], "waves": {...}}`);
  }
  for (const [wave, spec] of Object.entries(m.waves)) {
    for (const [attr, s] of Object.entries(spec)) {
      const a = m.attributes.find((x) => x.name === attr);
      if (!a) throw new AvakitError(`${where}: ${wave} maps unknown attribute ${attr}`);
      if (Array.isArray(s)) {
        for (const r of s) {
          for (const g of Object.values(r.codes)) {
            if (!a.groups.includes(g)) {
              throw new AvakitError(`${where}: ${wave} ${attr} maps to unknown group "${g}"`);
            }
          }
        }
      } else if (typeof s?.missing !== "string") {
        throw new AvakitError(`${where}: ${wave} ${attr} is neither rules nor {"missing": ...}`);
      }
    }
  }
  return m as GroupMapping;
}

/** Group key as written in the output: "CREGION:Northeast". */
export function groupKey(attribute: string, group: string): string {
  return `${attribute}:${group}`;
}

/** A wave's respondents assigned to groups. */
export interface GroupAssignment {
  /** Output keys of every group, in mapping order (all 60 for OpinionQA, present or not). */
  keys: string[];
  /** Per respondent × attribute: index into `keys`, or -1 (no group / attribute missing). */
  membership: Int16Array;
  attributeCount: number;
  /** Attributes this wave cannot supply, with the reason. */
  missing: Array<{ attribute: string; groups: string[]; reason: string }>;
}

/** Assigns each respondent of `sav` (wave `survey`) to at most one group per attribute. */
export function assignGroups(sav: SavFile, survey: string, mapping: GroupMapping): GroupAssignment {
  const keys: string[] = [];
  const keyIndex = new Map<string, number>();
  for (const a of mapping.attributes) {
    for (const g of a.groups) {
      keyIndex.set(groupKey(a.name, g), keys.length);
      keys.push(groupKey(a.name, g));
    }
  }
  const A = mapping.attributes.length;
  const n = sav.rowCount;
  const membership = new Int16Array(n * A).fill(-1);
  const missing: GroupAssignment["missing"] = [];
  const wave = mapping.waves[survey];
  mapping.attributes.forEach((attr, ai) => {
    const spec = wave?.[attr.name];
    let reason: string | undefined;
    if (!wave) reason = `wave ${survey} is not in the groups mapping`;
    else if (!spec) reason = `no rule for ${attr.name} in the groups mapping`;
    else if (!Array.isArray(spec)) reason = spec.missing;
    else {
      const absent = spec.map((r) => r.variable).filter((v) => !sav.variable(v));
      if (absent.length) reason = `variable ${[...new Set(absent)].join(", ")} not in ${sav.path}`;
    }
    if (reason !== undefined || !Array.isArray(spec)) {
      missing.push({ attribute: attr.name, groups: attr.groups, reason: reason ?? "" });
      return;
    }
    const rules = spec.map((r) => ({
      column: sav.numeric(r.variable),
      slot: new Map(
        Object.entries(r.codes).map(([code, g]) => [
          Number(code),
          keyIndex.get(groupKey(attr.name, g))!,
        ]),
      ),
    }));
    for (let i = 0; i < n; i++) {
      for (const r of rules) {
        const s = r.slot.get(r.column[i]!);
        if (s !== undefined) {
          membership[i * A + ai] = s;
          break;
        }
      }
    }
  });
  return { keys, membership, attributeCount: A, missing };
}
