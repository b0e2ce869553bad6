import type { ResultsFile } from "../results.js";

/** Tables A5–A18 as text: one line per task. */
export function tasksSummary(results: ResultsFile, out: string): string {
  const f = (v: number | null | undefined, d = 2) =>
    v === null || v === undefined ? "–" : v.toFixed(d);
  const lines = [
    `eval tasks  ${results.model.spec}${results.model.server_model ? ` (server: ${results.model.server_model})` : ""}  split ${results.config.split}, ${results.items.total} records, ${results.items.failed} failed requests  → ${out}`,
    "task    n     BLEU-1  BLEU-2  BLEU-3  BLEU-4  ROUGE-L  BERTScore  PPL      ΔPPL",
  ];
  const notes = new Set<string>();
  for (const [task, s] of Object.entries(results.tasks ?? {})) {
    if (s.kind !== "generation") continue;
    if (s.bertscore_f1?.reason) notes.add(`BERTScore: ${s.bertscore_f1.reason}`);
    if (s.ppl?.reason) notes.add(`PPL: ${s.ppl.reason}`);
    if (s.delta_ppl?.reason && s.delta_ppl.reason !== s.ppl?.reason)
      notes.add(`ΔPPL: ${s.delta_ppl.reason}`);
    lines.push(
      `${task.padEnd(7)} ${String(s.n).padEnd(5)} ${f(s.bleu_1).padStart(6)}  ${f(s.bleu_2).padStart(6)}  ${f(s.bleu_3).padStart(6)}  ${f(s.bleu_4).padStart(6)}  ${f(s.rouge_l).padStart(7)}  ${f(s.bertscore_f1?.value, 4).padStart(9)}  ${f(s.ppl?.value).padStart(7)}  ${f(s.delta_ppl?.value).padStart(6)}`,
    );
  }
  const tap = Object.entries(results.tasks ?? {}).filter(([, s]) => s.kind === "prediction");
  if (tap.length > 0) {
    lines.push("task    n     accuracy  random  unparseable");
    for (const [task, s] of tap) {
      lines.push(
        `${task.padEnd(7)} ${String(s.n).padEnd(5)} ${f(s.accuracy).padStart(8)}  ${f(s.random_accuracy).padStart(6)}  ${String(s.unparseable ?? 0).padStart(11)}${s.metric_variant ? `  (${s.metric_variant})` : ""}`,
      );
    }
  }
  for (const n of notes) lines.push(n);
  for (const x of results.failures.slice(0, 5)) lines.push(`failed: ${x.id}: ${x.error}`);
  if (results.failures.length > 5)
    lines.push(`failed: ... and ${results.failures.length - 5} more (see ${out})`);
  return `${lines.join("\n")}\n`;
}
