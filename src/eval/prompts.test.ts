import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { HumanBaseline } from "../backends/baselines.js";
import { cultureNliPrompt, loadCultureNli } from "./culturenli.js";
import { globalOpinionPrompt, loadGlobalOpinionQa } from "./globalopinionqa.js";
import {
  type OpinionQaQuestion,
  opinionQaItem,
  opinionQaPrompt,
  ordinalDistribution,
} from "./opinionqa.js";

describe("benchmark prompts", () => {
  it("OpinionQA: HELM's joint multiple-choice prompt, refusal as the last letter", () => {
    assert.equal(
      opinionQaPrompt("How safe is your community? Would you say it is", [
        "Very safe",
        "Not safe",
        "Refused",
      ]),
      "Question: How safe is your community? Would you say it is\nA. Very safe\nB. Not safe\nC. Refused\nAnswer:",
    );
  });

  it("GlobalOpinionQA: CultureBank's prompt, ending at the open parenthesis", () => {
    assert.equal(
      globalOpinionPrompt("Croatia", "Is it serious?", ["Very", "Not at all"]),
      "Human: How would someone from Croatia answer the following question:\nIs it serious?\nHere are the options:\n(A) Very\n(B) Not at all\nAssistant: If I had to select one of the options, my answer would be (",
    );
  });

  it("CultureNLI: cultural_nli.py's template, curly apostrophe and trailing space included", () => {
    assert.equal(
      cultureNliPrompt("P.", "H.", "India"),
      "Premise: P.\nHypothesis: H.\n\nLet’s think as someone who lives in India. What do you think is the relationship between the premise and the hypothesis?\n(E) Entail \n(N) Neutral\n(C) Contradict\n\nYour Answer (E/N/C): (",
    );
  });
});

describe("OpinionQA items", () => {
  const q: OpinionQaQuestion = {
    survey: "W26",
    key: "X_W26",
    question: "Q?",
    options: ["Lo", "Hi", "Mid", "Refused"],
    ordinalIndex: [0, 2, 1],
    ordinal: [1, 2, 3],
    distributions: { Overall: [0.5, 0.3, 0.2] },
  };

  it("spreads human distributions over all letters, 0 on refusals (for human:GROUP)", async () => {
    const item = opinionQaItem(q);
    assert.deepEqual(item.letters, ["A", "B", "C", "D"]);
    assert.deepEqual(item.human?.Overall, [0.5, 0.2, 0.3, 0]);
    const a = await new HumanBaseline("Overall").letterDistribution(item);
    assert.deepEqual(ordinalDistribution(a.probs ?? [], q.ordinalIndex), [0.5, 0.3, 0.2]);
  });

  it("drops the refusal letter and renormalises the model's distribution", () => {
    assert.deepEqual(ordinalDistribution([0.2, 0.1, 0.2, 0.5], [0, 2, 1]), [0.4, 0.4, 0.2]);
    assert.equal(ordinalDistribution([0, 0, 0, 1], [0, 2, 1]), null);
  });
});

describe("benchmark loaders", () => {
  const dir = mkdtempSync(join(tmpdir(), "avakit-eval-load-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("GlobalOpinionQA's official CSV with its defaultdict selections", async () => {
    const path = join(dir, "goqa.csv");
    writeFileSync(
      path,
      "question,selections,options,source\n\"Is it serious?\",\"defaultdict(<class 'list'>, {'Croatia': [0.25, 0.75], 'Chile': [1.0, 0.0]})\",\"['Very', 1.0]\",GAS\n",
    );
    const items = await loadGlobalOpinionQa(path);
    assert.deepEqual(items, [
      {
        country: "Croatia",
        question: "Is it serious?",
        options: ["Very", "1.0"],
        distribution: [0.25, 0.75],
      },
      {
        country: "Chile",
        question: "Is it serious?",
        options: ["Very", "1.0"],
        distribution: [1, 0],
      },
    ]);
  });

  it("GlobalOpinionQA: a distribution that does not match its options names the item", async () => {
    const path = join(dir, "bad.json");
    writeFileSync(
      path,
      JSON.stringify([{ country: "Chile", question: "Q", options: ["a", "b"], distribution: [1] }]),
    );
    await assert.rejects(
      loadGlobalOpinionQa(path),
      /item 0: 1 shares for 2 options \(country Chile\)/,
    );
  });

  it("CultureNLI: quotes are text, majority per culture, a repeated pair keeps its last labels", async () => {
    const path = join(dir, "data.tsv");
    writeFileSync(
      path,
      [
        "premise\thypothesis\tus_ratings\tin_ratings",
        `"Quoted" start\tH1\t['E', 'N', 'N']\t['C', 'E', 'E']`,
        "P2\tH2\t['E', 'N']\t['C']",
        `"Quoted" start\tH1\t['C', 'C', 'E']\t['N']`,
      ].join("\n"),
    );
    assert.deepEqual(await loadCultureNli(path), [
      { premise: '"Quoted" start', hypothesis: "H1", gold: { US: "C", IN: "N" } },
      { premise: "P2", hypothesis: "H2", gold: { US: "E", IN: "C" } },
    ]);
  });
});
