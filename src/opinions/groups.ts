import { readFileSync } from "node:fs";
import { AvakitError, errorMessage } from "../core/errors.js";
import type { SavFile } from "./sav.js";

/** One rule: respondents whose `variable` holds one of `codes` belong to the mapped group. */
export interface GroupRule {
  variable: string;
  codes: Record<string, string>;
}

/**
 * An attribute's rules in one wave (tried in order), or why the wave cannot supply it, or a
 * joint attribute: the cross of two others (e.g. AGE × SEX), a respondent's group being
 * "<group of the first> <group of the second>".
 */
export type AttributeSpec = GroupRule[] | { missing: string } | { combine: [string, string] };

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
      } else if ("combine" in s) {
        for (const part of s.combine) {
          if (!m.attributes.some((x) => x.name === part)) {
            throw new AvakitError(`${where}: ${wave} ${attr} combines unknown attribute ${part}`);
          }
        }
      } else if (typeof s?.missing !== "string") {
        throw new AvakitError(
          `${where}: ${wave} ${attr} is neither rules, {"missing": ...} nor {"combine": [A, B]}`,
        );
      }
    }
  }
  return m as GroupMapping;
}

/**
 * The mapping plus a joint attribute `${a}${b}` (e.g. AGESEX) crossing two of its attributes in
 * every wave: groups "<a group> <b group>" such as "18-29 Female". Pew codes age and sex apart,
 * so this is how joint age × sex opinion groups (the paper's age × gender analysis) are built.
 */
export function withJointAttribute(mapping: GroupMapping, a: string, b: string): GroupMapping {
  const ga = mapping.attributes.find((x) => x.name === a);
  const gb = mapping.attributes.find((x) => x.name === b);
  const names = mapping.attributes.map((x) => x.name).join(", ");
  if (!ga) throw new AvakitError(`--joint: unknown attribute ${a} (the mapping has ${names})`);
  if (!gb) throw new AvakitError(`--joint: unknown attribute ${b} (the mapping has ${names})`);
  const name = `${a}${b}`;
  const groups = ga.groups.flatMap((x) => gb.groups.map((y) => `${x} ${y}`));
  const waves: GroupMapping["waves"] = {};
  for (const [w, spec] of Object.entries(mapping.waves))
    waves[w] = { ...spec, [name]: { combine: [a, b] } };
  return { attributes: [...mapping.attributes, { name, groups }], waves };
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
    if (spec && !Array.isArray(spec) && "combine" in spec) return; // after the plain ones
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
  // Joint attributes: both parts assigned → the combined group; otherwise none.
  mapping.attributes.forEach((attr, ai) => {
    const spec = wave?.[attr.name];
    if (!spec || Array.isArray(spec) || !("combine" in spec)) return;
    const [a, b] = spec.combine;
    const ia = mapping.attributes.findIndex((x) => x.name === a);
    const ib = mapping.attributes.findIndex((x) => x.name === b);
    const lost = missing.filter((m) => m.attribute === a || m.attribute === b);
    if (lost.length > 0) {
      missing.push({
        attribute: attr.name,
        groups: attr.groups,
        reason: lost.map((m) => `${m.attribute}: ${m.reason}`).join("; "),
      });
      return;
    }
    for (let i = 0; i < n; i++) {
      const ka = membership[i * A + ia]!;
      const kb = membership[i * A + ib]!;
      if (ka < 0 || kb < 0) continue;
      const g = `${keys[ka]!.slice(a.length + 1)} ${keys[kb]!.slice(b.length + 1)}`;
      membership[i * A + ai] = keyIndex.get(groupKey(attr.name, g))!;
    }
  });
  return { keys, membership, attributeCount: A, missing };
}
