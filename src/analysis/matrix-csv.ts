import type { NamedMatrix } from "./behavior.js";

/**
 * A named square matrix as CSV: a header row of the names (first cell empty), then one row per
 * name. Values in full precision; an undefined entry (NaN) is an empty cell.
 */
export function matrixCsv(m: NamedMatrix): string {
  const lines = [["", ...m.names].map(csvField).join(",")];
  m.values.forEach((row, i) => {
    const cells = row.map((v) => (Number.isFinite(v) ? String(v) : ""));
    lines.push([csvField(m.names[i]!), ...cells].join(","));
  });
  return `${lines.join("\n")}\n`;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
