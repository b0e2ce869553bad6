import { readFile } from "node:fs/promises";
import { AvakitError, errorMessage } from "../core/errors.js";

/**
 * Question keys to restrict a build to, per wave. Reads either OpinionQA-XL's released file
 * (`{"W54": {"SPORTPOL": {question, options}, ...}, ...}`, qcodes without the wave suffix) or a
 * JSON array of Pew variable names (`["SAFECRIME_W26", ...]`). Keys are upper-cased.
 */
export async function loadQuestionKeys(file: string): Promise<(survey: string) => string[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new AvakitError(`--questions ${file}: cannot read JSON (${errorMessage(err)})`, {
      cause: err,
    });
  }
  if (Array.isArray(raw) && raw.every((x) => typeof x === "string")) {
    const keys = (raw as string[]).map((k) => k.toUpperCase());
    return (survey) => keys.filter((k) => new RegExp(`_${survey}(_|$)`, "i").test(k));
  }
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    const waves = raw as Record<string, unknown>;
    for (const [w, qs] of Object.entries(waves)) {
      if (!/^W[\d.]+$/.test(w) || !qs || typeof qs !== "object" || Array.isArray(qs)) {
        throw new AvakitError(
          `--questions ${file}: expected {"W<n>": {qcode: {...}}} (OpinionQA-XL) or ["VAR_W<n>", ...]; "${w}" does not fit`,
        );
      }
    }
    return (survey) =>
      Object.keys((waves[survey] as Record<string, unknown> | undefined) ?? {}).map((q) =>
        (new RegExp(`_${survey}$`, "i").test(q) ? q : `${q}_${survey}`).toUpperCase(),
      );
  }
  throw new AvakitError(
    `--questions ${file}: expected {"W<n>": {qcode: {...}}} (OpinionQA-XL) or ["VAR_W<n>", ...]`,
  );
}
