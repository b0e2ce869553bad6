import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DEMO_WAVE, defaultSharedData, runDemo } from "./run-demo.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "avakit-demo-test-"));
}

test("demo: the OpinionQA step says plainly that the real data is absent, and skips", async () => {
  const dir = tempDir();
  try {
    const lines: string[] = [];
    const res = await runDemo({
      out: join(dir, "out"),
      ads: 30,
      seed: 3,
      log: (l) => lines.push(l),
      sharedData: join(dir, "no-such-shared-data"),
    });
    assert.ok("skipped" in res.opinionqa, "skipped");
    const text = lines.join("\n");
    assert.match(text, /6\/7 OpinionQA W26/);
    assert.match(text, /skipped: the real OpinionQA \/ Pew ATP data is absent/);
    assert.match(text, /no-such-shared-data/);
    assert.ok(existsSync(res.signalsFile), "the earlier steps still ran");
    assert.match(text, /7\/7 report → .*report\.html/);
    assert.ok(existsSync(res.report), "the report is written");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const shared = defaultSharedData();
const sav = join(shared, "pew-atp", `ATP ${DEMO_WAVE}.sav`);
const haveReal = existsSync(sav) && existsSync(join(shared, "opinionqa", "model_input"));

test("demo: scores the uniform and human:CREGION:Northeast baselines on real OpinionQA W26", {
  skip: haveReal ? false : `real data absent: ${sav} and ${shared}/opinionqa not found`,
}, async () => {
  const dir = tempDir();
  try {
    const lines: string[] = [];
    const res = await runDemo({
      out: join(dir, "out"),
      ads: 20,
      seed: 1,
      log: (l) => lines.push(l),
    });
    const ev = res.opinionqa;
    assert.ok(!("skipped" in ev), "not skipped");
    assert.equal(ev.survey, "W26");
    assert.ok(ev.questions > 50, `${ev.questions} questions`);
    assert.deepEqual(
      ev.baselines.map((b) => b.spec),
      ["uniform", "human:CREGION:Northeast"],
    );
    for (const b of ev.baselines) {
      const r = b.representativeness;
      assert.ok(r, `${b.spec} has a representativeness`);
      assert.ok(r.value > 50 && r.value < 100, `${b.spec}: ${r.value}`);
      assert.ok(r.ci95[0] <= r.value && r.value <= r.ci95[1], "value inside its interval");
      const file = JSON.parse(readFileSync(b.resultsFile, "utf8"));
      assert.equal(file.benchmark, "opinionqa");
      assert.equal(file.model.spec, b.spec);
    }
    // A survey group represents the population better than answering at random.
    const [uniform, northeast] = ev.baselines.map((b) => b.representativeness?.value ?? 0);
    assert.ok((northeast ?? 0) > (uniform ?? 0));
    assert.match(lines.join("\n"), /uniform\s+representativeness \d+\.\d\d {2}95% CI \[/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
