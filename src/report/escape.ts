/**
 * HTML escaping for every string that comes from input data (ad text, page names, task prompts,
 * group names, file names). Escapes the five characters that can end a text node or a quoted
 * attribute value, so the result is safe both between tags and inside `"..."` or `'...'`.
 */
export function escapeHtml(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * A template tag that escapes every interpolated value, except values already marked safe with
 * `raw` (markup this module built itself). Arrays are joined, each element treated the same way.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Safe {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Safe(out);
}

/** Markup that is already safe (built by `html`, or a chart SVG whose text Vega escaped). */
export class Safe {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** Marks trusted markup as safe; never call it on input data. */
export function raw(markup: string): Safe {
  return new Safe(markup);
}

function render(v: unknown): string {
  if (v instanceof Safe) return v.markup;
  if (Array.isArray(v)) return v.map(render).join("");
  if (v === null || v === undefined || v === false) return "";
  return escapeHtml(String(v));
}
