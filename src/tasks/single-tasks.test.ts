import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { makeAd } from "../../test/fixtures/tasks/make-ad.js";
import { AGE_GROUPS, type DemographicShare, GENDERS } from "../core/types.js";
import { computeSignals } from "../signals/compute.js";
import { canonicalRegion, stateIndex } from "../signals/geography.js";
import { renderSingleTask, renderSingleTasks, singleTaskSkipReason } from "./single-tasks.js";
import { SINGLE_AD_TASKS, type SingleAdTask, type TaskAd } from "./types.js";

const A = "\n\nAnswer:";

function render(ad: TaskAd, task: SingleAdTask) {
  const r = renderSingleTask(ad, task);
  assert.ok(r, `${task} should render`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// The paper's samples (Appendix A), reproduced except for the slips avakit fixes. Each sample ad
// leaves out the constants the paper's sample does not state (Table A3 wants them; see below).

test("paper TAG-R sample (Goldman Sachs), slips fixed: '22th', ' , ', 'are present', inline Answer", () => {
  const ad = makeAd({
    marketer: "Goldman Sachs",
    title: "A More Equitable Future",
    body: "Listening to, learning from and investing in Black women at every life-stage will increase returns for the Black community and drive progress for the U.S. economy as a whole. The time is now to build a more equitable future. #BlackWomenImpact.",
    platforms: ["facebook", "instagram"],
    startDate: "2021-03-22",
    endDate: "2021-03-26",
    audienceSize: { lower: 100001, upper: 500000 },
    spend: { lower: 600, upper: 699 },
    topStates: ["Maryland", "Louisiana", "Alabama"],
    keywords: ["blackwomenimpact", "women", "investing", "economy", "black"],
  });
  const r = render(ad, "TAG-R");
  assert.equal(
    r.prompt,
    `Given page name, keywords and top 3 states of USA where the advertisement performs best, generate the content for the advertisement. The Advertisement for Goldman Sachs is titled A More Equitable Future. The advertisement was published on facebook, instagram. The campaign ran between 22nd March 2021 and 26th March 2021. The campaign was marketed to USA audience, where estimated audience size is between 100001 to 500000. The amount of money that was spent on this campaign is between 600 to 699 USD. Top 3 states are Maryland, Louisiana, Alabama. Keywords: blackwomenimpact, women, investing, economy, black. Based on the preferences of the states of USA where the advertisement performs best, generate the content. Try to use the given keywords while generating the content.${A}`,
  );
  assert.equal(
    r.response,
    "Content of the advertisement is Listening to, learning from and investing in Black women at every life-stage will increase returns for the Black community and drive progress for the U.S. economy as a whole. The time is now to build a more equitable future. #BlackWomenImpact.",
  );
  assert.deepEqual(r.states, ["Maryland", "Louisiana", "Alabama"]);
  assert.equal(r.answerClass, undefined);
});

test("paper TAG-A sample (Uber), slips fixed: 'there..', ' , ', 'between 100001 and 500000'", () => {
  const ad = makeAd({
    marketer: "Uber",
    title: "Because care begins with getting there.",
    body: "Every year an estimated 3.6 million Americans miss their appointments due to a lack of reliable transportation. Uber Health offers a solution to address the transportations needs of thousands of patients and caregivers, helping Illinois healthcare organizations like @aidsfoundationchicago move health forward.",
    platforms: ["facebook", "instagram"],
    startDate: "2022-01-18",
    endDate: "2022-02-13",
    audienceSize: { lower: 100001, upper: 500000 },
    spend: { lower: 7000, upper: 7999 },
    topStates: ["Illinois", "Iowa", "Florida"],
    bestAgeGroup: "25-34",
    keywords: ["uber", "healthcare", "appointments", "aidsfoundationchicago", "transportation"],
  });
  const r = render(ad, "TAG-A");
  assert.equal(
    r.prompt,
    `Given page name and keywords for an ad advertised in Illinois, Iowa, Florida, generate the content for the advertisement suitable for the age group 25-34. The Advertisement for Uber is titled Because care begins with getting there. The advertisement was published on facebook, instagram. The campaign ran between 18th January 2022 and 13th February 2022. The campaign was marketed to USA audience, where estimated audience size is between 100001 to 500000. The amount of money that was spent on this campaign is between 7000 to 7999 USD. Keywords: uber, healthcare, appointments, aidsfoundationchicago, transportation. Based on the preferences of the target age group, generate the content. Try to use the given keywords while generating the content.${A}`,
  );
  assert.equal(
    r.response,
    "Content of the advertisement is Every year an estimated 3.6 million Americans miss their appointments due to a lack of reliable transportation. Uber Health offers a solution to address the transportations needs of thousands of patients and caregivers, helping Illinois healthcare organizations like @aidsfoundationchicago move health forward.",
  );
  // The states the template names (not those the body happens to mention).
  assert.deepEqual(r.states, ["Illinois", "Iowa", "Florida"]);
});

test("paper TAG-G sample (BuzzFeed), slips fixed: '01th', '02th', 'audience .'", () => {
  const body =
    "Shopping small can make a big difference in your community. Support local establishments this Small Business Week May 5–11 and join Vistaprint in their efforts to support small businesses.";
  const ad = makeAd({
    marketer: "BuzzFeed",
    title: "8 Reasons You Should Be Supporting Small Businesses",
    body,
    platforms: ["facebook"],
    startDate: "2019-05-01",
    endDate: "2019-05-02",
    spend: { lower: 0, upper: 99 },
    topStates: ["Hawaii", "Nebraska", "Colorado"],
    bestGender: "female",
    keywords: ["vistaprint", "shopping", "businesses", "small", "business"],
  });
  const r = render(ad, "TAG-G");
  assert.equal(
    r.prompt,
    `Given page name and keywords for an ad advertised in Hawaii, Nebraska, Colorado, generate the content for the advertisement suitable for the female gender. The Advertisement for BuzzFeed is titled 8 Reasons You Should Be Supporting Small Businesses. The advertisement was published on facebook. The campaign ran between 1st May 2019 and 2nd May 2019. The campaign was marketed to USA audience. The amount of money that was spent on this campaign is between 0 to 99 USD. Keywords: vistaprint, shopping, businesses, small, business. Based on the preferences of the target gender, generate the content. Try to use the given keywords while generating the content.${A}`,
  );
  assert.equal(r.response, `Content of the advertisement is ${body}`);
});

test("paper TAP-A sample (Goldman Sachs), slips fixed: 'performs best?', '02th', 'audience .', 'USD Content', 'deficit. .'", () => {
  const ad = makeAd({
    marketer: "Goldman Sachs",
    title: "Talks at GS",
    body: "In a new Talks at GS podcast, William Gale of The Brookings Institution discusses how the recently passed federal relief package impacts the future of the US deficit.",
    platforms: ["facebook"],
    startDate: "2020-04-02",
    endDate: "2020-04-10",
    spend: { lower: 0, upper: 99 },
    topStates: ["Mississippi", "Alabama", "Kentucky"],
    bestAgeGroup: "55-64",
  });
  const r = render(ad, "TAP-A");
  assert.equal(
    r.prompt,
    `Given an advertisement advertised in Mississippi, Alabama, Kentucky, for which age group does the advertisement perform best? The Advertisement for Goldman Sachs is titled Talks at GS. The advertisement was published on facebook. The campaign ran between 2nd April 2020 and 10th April 2020. The campaign was marketed to USA audience. The amount of money that was spent on this campaign is between 0 to 99 USD. Content of the advertisement is In a new Talks at GS podcast, William Gale of The Brookings Institution discusses how the recently passed federal relief package impacts the future of the US deficit. Based on the content, predict the age group for which the advertisement performs best.${A}`,
  );
  assert.equal(r.response, "Best target age group for this ad is the audience aged 55-64.");
  assert.equal(r.answerClass, "55-64");
  assert.deepEqual(r.states, ["Mississippi", "Alabama", "Kentucky"]);
});

test("paper TAP-R sample (BuzzFeed), word for word", () => {
  const ad = makeAd({
    marketer: "BuzzFeed",
    title: "How Much Do You Know About Public Transportation?",
    body: "Investing in public transportation leads to economic growth, and Infrastructure Week is the perfect time to support your local public transit! Investing in public transportation leads to economic growth, and Infrastructure Week is the perfect time to support your local public transit! Learn more at [URL].",
    platforms: ["facebook"],
    startDate: "2019-05-13",
    endDate: "2019-05-16",
    spend: { lower: 1000, upper: 1499 },
    topStates: ["Massachusetts", "New York", "Vermont"],
  });
  const r = render(ad, "TAP-R");
  assert.equal(
    r.prompt,
    `Given an advertisement, find top 3 states of USA where the advertisement performs best. The Advertisement for BuzzFeed is titled How Much Do You Know About Public Transportation? The advertisement was published on facebook. The campaign ran between 13th May 2019 and 16th May 2019. The campaign was marketed to USA audience. The amount of money that was spent on this campaign is between 1000 to 1499 USD. Content of the advertisement is Investing in public transportation leads to economic growth, and Infrastructure Week is the perfect time to support your local public transit! Investing in public transportation leads to economic growth, and Infrastructure Week is the perfect time to support your local public transit! Learn more at [URL]. Based on the content, predict the top 3 states of USA where the advertisement performs best.${A}`,
  );
  assert.equal(
    r.response,
    "Top 3 states where the ad will perform best are Massachusetts, New York, Vermont.",
  );
  assert.equal(r.answerClass, "Massachusetts");
  assert.deepEqual(r.states, ["Massachusetts", "New York", "Vermont"]);
});

test("paper TAP-G sample (Nissan), slips fixed: '09th', 'audience .', 'USD Content'", () => {
  const body =
    "Starting at $19,460 MSRP Excl. taxes, title and license $139 per month lease, 36 months, $4,639 initial payment As shown 2021 Sentra $259 per month lease, 36 months, $2,929 initial payment For well-qualified lessees. Excl. taxes, title and license 0.0% APR financing for up to 36 months for well-qualified buyers Excl. taxes, title and license The official website of Nissan specializing in deals, offers, incentives, & rebates. Compare models to lease or buy from your local Nissan dealer.";
  const ad = makeAd({
    marketer: "Nissan",
    title: "2021 Nissan Sentra",
    body,
    platforms: ["facebook"],
    startDate: "2020-01-09",
    endDate: "2020-03-20",
    spend: { lower: 7000, upper: 7999 },
    topStates: ["Maryland", "Delaware", "Pennsylvania"],
    bestGender: "male",
  });
  const r = render(ad, "TAP-G");
  assert.equal(
    r.prompt,
    `Given an advertisement advertised in Maryland, Delaware, Pennsylvania, for which gender does the advertisement perform best? The Advertisement for Nissan is titled 2021 Nissan Sentra. The advertisement was published on facebook. The campaign ran between 9th January 2020 and 20th March 2020. The campaign was marketed to USA audience. The amount of money that was spent on this campaign is between 7000 to 7999 USD. Content of the advertisement is ${body} Based on the content, predict the gender for which the advertisement performs best.${A}`,
  );
  assert.equal(r.response, "Best target audience for this ad is Male.");
  assert.equal(r.answerClass, "male");
});

// ---------------------------------------------------------------------------------------------
// One fully known ad, all ten tasks: each prompt states its Table A3 constants and names its
// variable only as the TAG target or in the TAP response. (These are the README's examples.)

const BODY =
  "Listening to, learning from and investing in Black women at every life-stage will increase returns for the Black community and drive progress for the U.S. economy as a whole. The time is now to build a more equitable future. #BlackWomenImpact.";
const FULL = makeAd({
  adId: "gs-1",
  pageId: "gs",
  marketer: "Goldman Sachs",
  title: "A More Equitable Future",
  body: BODY,
  platforms: ["facebook", "instagram"],
  startDate: "2021-03-22",
  endDate: "2021-03-26",
  audienceSize: { lower: 100001, upper: 500000 },
  spend: { lower: 600, upper: 699 },
  impressions: { lower: 1000, upper: 1999 },
  topStates: ["Maryland", "Louisiana", "Alabama"],
  bestAgeGroup: "25-34",
  bestGender: "female",
  keywords: ["blackwomenimpact", "women", "investing", "economy", "black"],
});
const FACTS =
  "The Advertisement for Goldman Sachs is titled A More Equitable Future. The advertisement was published on facebook, instagram. The campaign ran between 22nd March 2021 and 26th March 2021. The campaign was marketed to USA audience, where estimated audience size is between 100001 to 500000.";
const SPEND = "The amount of money that was spent on this campaign is between 600 to 699 USD.";
const KW = "Keywords: blackwomenimpact, women, investing, economy, black.";
const TRY = "Try to use the given keywords while generating the content.";
const CONTENT = `Content of the advertisement is ${BODY}`;

const EXPECTED: Record<SingleAdTask, { prompt: string; response: string; answerClass?: string }> = {
  "TAG-G": {
    prompt: `Given page name and keywords for an ad advertised in Maryland, Louisiana, Alabama, generate the content for the advertisement suitable for the female gender. ${FACTS} ${SPEND} The advertisement performs best for the age group 25-34. ${KW} Based on the preferences of the target gender, generate the content. ${TRY}${A}`,
    response: CONTENT,
  },
  "TAG-A": {
    prompt: `Given page name and keywords for an ad advertised in Maryland, Louisiana, Alabama, generate the content for the advertisement suitable for the age group 25-34. ${FACTS} ${SPEND} The advertisement performs best for the female gender. ${KW} Based on the preferences of the target age group, generate the content. ${TRY}${A}`,
    response: CONTENT,
  },
  "TAG-R": {
    prompt: `Given page name, keywords and top 3 states of USA where the advertisement performs best, generate the content for the advertisement. ${FACTS} ${SPEND} The advertisement performs best for the age group 25-34 and the female gender. Top 3 states are Maryland, Louisiana, Alabama. ${KW} Based on the preferences of the states of USA where the advertisement performs best, generate the content. ${TRY}${A}`,
    response: CONTENT,
  },
  "TAG-B": {
    prompt: `Given page name and keywords for an ad advertised in Maryland, Louisiana, Alabama, generate the content for the advertisement that had a budget between 600 to 699 USD. ${FACTS} The advertisement performs best for the age group 25-34 and the female gender. ${KW} Based on the budget of the advertisement, generate the content. ${TRY}${A}`,
    response: CONTENT,
  },
  "TAG-I": {
    prompt: `Given page name and keywords for an ad advertised in Maryland, Louisiana, Alabama, generate the content for the advertisement that received between 1000 to 1999 impressions. ${FACTS} ${SPEND} The advertisement performs best for the age group 25-34 and the female gender. ${KW} Based on the impressions the advertisement received, generate the content. ${TRY}${A}`,
    response: CONTENT,
  },
  "TAP-G": {
    prompt: `Given an advertisement advertised in Maryland, Louisiana, Alabama, for which gender does the advertisement perform best? ${FACTS} ${SPEND} The advertisement performs best for the age group 25-34. ${CONTENT} Based on the content, predict the gender for which the advertisement performs best.${A}`,
    response: "Best target audience for this ad is Female.",
    answerClass: "female",
  },
  "TAP-A": {
    prompt: `Given an advertisement advertised in Maryland, Louisiana, Alabama, for which age group does the advertisement perform best? ${FACTS} ${SPEND} The advertisement performs best for the female gender. ${CONTENT} Based on the content, predict the age group for which the advertisement performs best.${A}`,
    response: "Best target age group for this ad is the audience aged 25-34.",
    answerClass: "25-34",
  },
  "TAP-R": {
    prompt: `Given an advertisement, find top 3 states of USA where the advertisement performs best. ${FACTS} ${SPEND} The advertisement performs best for the age group 25-34 and the female gender. ${CONTENT} Based on the content, predict the top 3 states of USA where the advertisement performs best.${A}`,
    response: "Top 3 states where the ad will perform best are Maryland, Louisiana, Alabama.",
    answerClass: "Maryland",
  },
  "TAP-B": {
    prompt: `Given an advertisement advertised in Maryland, Louisiana, Alabama, how much money was spent on the advertisement? ${FACTS} The advertisement performs best for the age group 25-34 and the female gender. ${CONTENT} Based on the content, predict the amount of money that was spent on this campaign.${A}`,
    response: "The amount of money spent on this ad is between 600 to 699 USD.",
    answerClass: "between 600 to 699 USD",
  },
  "TAP-I": {
    prompt: `Given an advertisement advertised in Maryland, Louisiana, Alabama, how many impressions did the advertisement receive? ${FACTS} ${SPEND} The advertisement performs best for the age group 25-34 and the female gender. ${CONTENT} Based on the content, predict the number of impressions the advertisement received.${A}`,
    response: "This ad received between 1000 to 1999 impressions.",
    answerClass: "between 1000 to 1999",
  },
};

test("a fully known ad renders all ten single-ad tasks, in the order asked, word for word", () => {
  const all = renderSingleTasks(FULL, SINGLE_AD_TASKS);
  assert.deepEqual(
    all.map((r) => r.task),
    [...SINGLE_AD_TASKS],
  );
  for (const r of all) {
    const want = EXPECTED[r.task as SingleAdTask];
    assert.equal(r.prompt, want.prompt, `${r.task} prompt`);
    assert.equal(r.response, want.response, `${r.task} response`);
    assert.equal(r.answerClass, want.answerClass, `${r.task} answerClass`);
    assert.deepEqual(r.states, ["Maryland", "Louisiana", "Alabama"], `${r.task} states`);
    assert.equal(r.meta.adId, "gs-1");
    assert.doesNotThrow(() => JSON.stringify(r.meta));
  }
  assert.deepEqual(
    renderSingleTasks(FULL, ["TAP-I", "TAG-G"]).map((r) => r.task),
    ["TAP-I", "TAG-G"],
  );
  assert.equal(renderSingleTasks(FULL).length, 10);
});

test("constants stated, variable named only as target/answer (Table A3)", () => {
  const mentions = {
    gender: (s: string) => /\b(fe)?male\b/i.test(s),
    age: (s: string) => s.includes("25-34"),
    region: (s: string) => s.includes("Louisiana"),
    budget: (s: string) => s.includes("600 to 699"),
    impressions: (s: string) => s.includes("1000 to 1999"),
  };
  const facets = {
    "TAG-G": ["gender", ["region", "budget", "age"]],
    "TAG-A": ["age", ["region", "budget", "gender"]],
    "TAG-R": ["region", ["age", "budget", "gender"]],
    "TAG-B": ["budget", ["region", "age", "gender"]],
    "TAG-I": ["impressions", ["region", "age", "gender", "budget"]],
    "TAP-G": ["gender", ["region", "budget", "age"]],
    "TAP-A": ["age", ["region", "budget", "gender"]],
    "TAP-R": ["region", ["age", "budget", "gender"]],
    "TAP-B": ["budget", ["region", "age", "gender"]],
    "TAP-I": ["impressions", ["region", "age", "gender", "budget"]],
  } as const;
  for (const task of SINGLE_AD_TASKS) {
    const r = render(FULL, task);
    const [variable, constants] = facets[task];
    for (const c of constants) assert.ok(mentions[c](r.prompt), `${task} states its constant ${c}`);
    const others = (Object.keys(mentions) as (keyof typeof mentions)[]).filter(
      (f) => f !== variable && !(constants as readonly string[]).includes(f),
    );
    for (const o of others) assert.ok(!mentions[o](r.prompt), `${task} does not mention ${o}`);
    if (variable !== "impressions")
      assert.ok(!/impression/i.test(r.prompt), `${task}: no impressions`);
    if (task.startsWith("TAP")) {
      assert.ok(!mentions[variable](r.prompt), `${task} prompt hides its variable ${variable}`);
      assert.ok(mentions[variable](r.response), `${task} response names ${variable}`);
    } else {
      assert.ok(mentions[variable](r.prompt), `${task} prompt names its target ${variable}`);
    }
  }
});

test("eligibility: a task needs its variable; missing constants only drop their sentence", () => {
  const noGender = { ...FULL, bestGender: null };
  assert.deepEqual(
    renderSingleTasks(noGender).map((r) => r.task),
    ["TAG-A", "TAG-R", "TAG-B", "TAG-I", "TAP-A", "TAP-R", "TAP-B", "TAP-I"],
  );
  assert.equal(
    singleTaskSkipReason(noGender, "TAP-G"),
    "no best gender (no gender delivery, or a tie)",
  );
  // TAP-A's gender constant is gone, the rest stays.
  assert.ok(!render(noGender, "TAP-A").prompt.includes("performs best for the"));
  assert.ok(
    render(noGender, "TAP-R").prompt.includes(
      "The advertisement performs best for the age group 25-34. Content",
    ),
  );

  const noAge = { ...FULL, bestAgeGroup: null };
  assert.deepEqual(
    renderSingleTasks(noAge).map((r) => r.task),
    ["TAG-G", "TAG-R", "TAG-B", "TAG-I", "TAP-G", "TAP-R", "TAP-B", "TAP-I"],
  );
  assert.equal(renderSingleTask(noAge, "TAG-A"), null);

  const noStates = { ...FULL, topStates: [] };
  assert.deepEqual(
    renderSingleTasks(noStates).map((r) => r.task),
    ["TAG-G", "TAG-A", "TAG-B", "TAG-I", "TAP-G", "TAP-A", "TAP-B", "TAP-I"],
  );
  const tapG = render(noStates, "TAP-G");
  assert.ok(
    tapG.prompt.startsWith(
      "Given an advertisement, for which gender does the advertisement perform best? ",
    ),
  );
  assert.deepEqual(tapG.states, []);
  assert.ok(
    render(noStates, "TAG-B").prompt.startsWith("Given page name and keywords for an ad, generate"),
  );

  const noSpend = { ...FULL, spend: null };
  assert.deepEqual(
    renderSingleTasks(noSpend).map((r) => r.task),
    ["TAG-G", "TAG-A", "TAG-R", "TAG-I", "TAP-G", "TAP-A", "TAP-R", "TAP-I"],
  );
  for (const r of renderSingleTasks(noSpend)) {
    assert.ok(!r.prompt.includes("amount of money"), `${r.task} omits the spend sentence`);
  }
  assert.equal(singleTaskSkipReason(noSpend, "TAG-B"), "no spend range");

  const noImpressions = { ...FULL, impressions: null };
  assert.deepEqual(
    renderSingleTasks(noImpressions).map((r) => r.task),
    ["TAG-G", "TAG-A", "TAG-R", "TAG-B", "TAP-G", "TAP-A", "TAP-R", "TAP-B"],
  );
  assert.equal(singleTaskSkipReason(noImpressions, "TAP-I"), "no impressions range");
  assert.equal(singleTaskSkipReason(FULL, "TAP-I"), null);

  const bare = {
    ...FULL,
    bestGender: null,
    bestAgeGroup: null,
    topStates: [],
    spend: null,
    impressions: null,
  };
  assert.deepEqual(renderSingleTasks(bare), []);
});

test("no keywords: the Keywords and 'Try to use' sentences go, and the intro stops promising keywords", () => {
  const ad = { ...FULL, keywords: [] };
  assert.equal(
    render(ad, "TAG-G").prompt,
    `Given page name for an ad advertised in Maryland, Louisiana, Alabama, generate the content for the advertisement suitable for the female gender. ${FACTS} ${SPEND} The advertisement performs best for the age group 25-34. Based on the preferences of the target gender, generate the content.${A}`,
  );
  assert.equal(
    render(ad, "TAG-R").prompt,
    `Given page name and top 3 states of USA where the advertisement performs best, generate the content for the advertisement. ${FACTS} ${SPEND} The advertisement performs best for the age group 25-34 and the female gender. Top 3 states are Maryland, Louisiana, Alabama. Based on the preferences of the states of USA where the advertisement performs best, generate the content.${A}`,
  );
  for (const r of renderSingleTasks(ad)) assert.ok(!/keyword/i.test(r.prompt), r.task);
});

test("no title, no end date, no audience size, open-ended ranges, another currency", () => {
  const ad = {
    ...FULL,
    title: null,
    endDate: null,
    audienceSize: null,
    currency: "EUR",
    spend: { lower: 1000000, upper: null },
    impressions: { lower: 1000000, upper: null },
  };
  const tapB = render(ad, "TAP-B");
  assert.equal(
    tapB.prompt,
    `Given an advertisement advertised in Maryland, Louisiana, Alabama, how much money was spent on the advertisement? This is an advertisement for Goldman Sachs. The advertisement was published on facebook, instagram. The campaign started on 22nd March 2021 and was still running. The campaign was marketed to USA audience. The advertisement performs best for the age group 25-34 and the female gender. ${CONTENT} Based on the content, predict the amount of money that was spent on this campaign.${A}`,
  );
  assert.equal(tapB.response, "The amount of money spent on this ad is at least 1000000 EUR.");
  assert.equal(tapB.answerClass, "at least 1000000 EUR");
  const tapI = render(ad, "TAP-I");
  assert.equal(tapI.response, "This ad received at least 1000000 impressions.");
  assert.equal(tapI.answerClass, "at least 1000000");
  assert.ok(
    tapI.prompt.includes(
      "The amount of money that was spent on this campaign is at least 1000000 EUR.",
    ),
  );
  assert.ok(
    render(ad, "TAG-B").prompt.includes(
      "generate the content for the advertisement that had a budget at least 1000000 EUR.",
    ),
  );
  assert.ok(render({ ...ad, currency: null }, "TAP-B").response.endsWith("at least 1000000 USD."));
});

test("TAG-R/TAP-R with one or two reached states", () => {
  const one = { ...FULL, topStates: ["Kentucky"] };
  const tagR1 = render(one, "TAG-R");
  assert.ok(
    tagR1.prompt.startsWith(
      "Given page name, keywords and the top state of USA where the advertisement performs best, generate the content for the advertisement. ",
    ),
  );
  assert.ok(tagR1.prompt.includes(" Top state is Kentucky. "));
  assert.ok(
    tagR1.prompt.includes(
      " Based on the preferences of the state of USA where the advertisement performs best, generate the content. ",
    ),
  );
  const tapR1 = render(one, "TAP-R");
  assert.ok(
    tapR1.prompt.startsWith(
      "Given an advertisement, find the top state of USA where the advertisement performs best. ",
    ),
  );
  assert.ok(
    tapR1.prompt.endsWith(
      "Based on the content, predict the top state of USA where the advertisement performs best.\n\nAnswer:",
    ),
  );
  assert.equal(tapR1.response, "Top state where the ad will perform best is Kentucky.");
  assert.equal(tapR1.answerClass, "Kentucky");
  assert.deepEqual(tapR1.states, ["Kentucky"]);

  const two = { ...FULL, topStates: ["New York", "District of Columbia"] };
  const tagR2 = render(two, "TAG-R");
  assert.ok(tagR2.prompt.startsWith("Given page name, keywords and top 2 states of USA where"));
  assert.ok(tagR2.prompt.includes(" Top 2 states are New York, District of Columbia. "));
  const tapR2 = render(two, "TAP-R");
  assert.ok(tapR2.prompt.startsWith("Given an advertisement, find top 2 states of USA where"));
  assert.ok(tapR2.prompt.includes("predict the top 2 states of USA where"));
  assert.equal(
    tapR2.response,
    "Top 2 states where the ad will perform best are New York, District of Columbia.",
  );
  assert.deepEqual(tapR2.states, ["New York", "District of Columbia"]);
  assert.deepEqual(render(two, "TAP-A").states, ["New York", "District of Columbia"]);
});

test("a body that does not end a sentence gets one period in TAP prompts; TAG responses keep it as is", () => {
  const ad = { ...FULL, body: "It's official! We're turning AOC into an action figure 👏" };
  assert.ok(
    render(ad, "TAP-G").prompt.includes(
      "Content of the advertisement is It's official! We're turning AOC into an action figure 👏. Based on the content,",
    ),
  );
  assert.equal(
    render(ad, "TAG-G").response,
    "Content of the advertisement is It's official! We're turning AOC into an action figure 👏",
  );
});

// ---------------------------------------------------------------------------------------------
// Two real ads (test/fixtures/tasks/real-ads.json, taken from ../shared/data's Ad Library sample).

interface RealFixture {
  records: { line: number; ad: TaskAd }[];
}
const fixture = JSON.parse(
  readFileSync(new URL("../../test/fixtures/tasks/real-ads.json", import.meta.url), "utf8"),
) as RealFixture;
const [fctry, bevin] = fixture.records.map((r) => r.ad) as [TaskAd, TaskAd];

test("real ad (FCTRY): no title, still running, tied age groups, no keywords", () => {
  const rendered = renderSingleTasks(fctry);
  // Age groups 45-54 and 55-64 tie at 0.211765: no TAG-A/TAP-A.
  assert.deepEqual(
    rendered.map((r) => r.task),
    ["TAG-G", "TAG-R", "TAG-B", "TAG-I", "TAP-G", "TAP-R", "TAP-B", "TAP-I"],
  );
  const by = new Map(rendered.map((r) => [r.task, r]));
  const facts =
    "This is an advertisement for FCTRY. The advertisement was published on facebook. The campaign started on 30th October 2019 and was still running. The campaign was marketed to USA audience.";
  assert.equal(
    by.get("TAG-G")!.prompt,
    `Given page name for an ad advertised in Vermont, Maine, Washington, generate the content for the advertisement suitable for the male gender. ${facts} The amount of money that was spent on this campaign is between 0 to 99 USD. Based on the preferences of the target gender, generate the content.${A}`,
  );
  assert.equal(
    by.get("TAG-G")!.response,
    "Content of the advertisement is It's official! We're turning AOC into an action figure 👏",
  );
  assert.equal(
    by.get("TAP-R")!.prompt,
    `Given an advertisement, find top 3 states of USA where the advertisement performs best. ${facts} The amount of money that was spent on this campaign is between 0 to 99 USD. The advertisement performs best for the male gender. Content of the advertisement is It's official! We're turning AOC into an action figure 👏. Based on the content, predict the top 3 states of USA where the advertisement performs best.${A}`,
  );
  assert.equal(
    by.get("TAP-R")!.response,
    "Top 3 states where the ad will perform best are Vermont, Maine, Washington.",
  );
  assert.equal(by.get("TAP-G")!.response, "Best target audience for this ad is Male.");
  assert.equal(
    by.get("TAP-B")!.response,
    "The amount of money spent on this ad is between 0 to 99 USD.",
  );
  assert.equal(by.get("TAP-I")!.response, "This ad received between 0 to 999 impressions.");
  for (const r of rendered) {
    assert.deepEqual(r.states, ["Vermont", "Maine", "Washington"], r.task);
    assert.ok(r.prompt.endsWith(A), r.task);
    assert.ok(!/keyword/i.test(r.prompt), r.task);
  }
});

test("real ad (Matt Bevin): one reached state, title ending in '!', keywords", () => {
  const rendered = renderSingleTasks(bevin);
  assert.deepEqual(
    rendered.map((r) => r.task),
    [...SINGLE_AD_TASKS],
  );
  const by = new Map(rendered.map((r) => [r.task, r]));
  const facts =
    "The Advertisement for Matt Bevin is titled Vote Bevin on Nov. 5! The advertisement was published on facebook. The campaign ran between 26th October 2019 and 5th November 2019. The campaign was marketed to USA audience.";
  const content =
    "Content of the advertisement is AOC and her radical liberal allies have one target this fall: Governor Matt Bevin. Stand up for Kentucky and vote Bevin on Nov. 5!";
  assert.equal(
    by.get("TAG-A")!.prompt,
    `Given page name and keywords for an ad advertised in Kentucky, generate the content for the advertisement suitable for the age group 45-54. ${facts} The amount of money that was spent on this campaign is between 100 to 199 USD. The advertisement performs best for the female gender. Keywords: bevin, kentucky, vote, governor, liberal. Based on the preferences of the target age group, generate the content. Try to use the given keywords while generating the content.${A}`,
  );
  assert.equal(by.get("TAG-A")!.response, content);
  assert.equal(
    by.get("TAP-I")!.prompt,
    `Given an advertisement advertised in Kentucky, how many impressions did the advertisement receive? ${facts} The amount of money that was spent on this campaign is between 100 to 199 USD. The advertisement performs best for the age group 45-54 and the female gender. ${content} Based on the content, predict the number of impressions the advertisement received.${A}`,
  );
  assert.equal(by.get("TAP-I")!.response, "This ad received between 5000 to 5999 impressions.");
  assert.equal(by.get("TAP-R")!.response, "Top state where the ad will perform best is Kentucky.");
  assert.equal(
    by.get("TAP-A")!.response,
    "Best target age group for this ad is the audience aged 45-54.",
  );
  assert.equal(by.get("TAP-G")!.response, "Best target audience for this ad is Female.");
  assert.equal(by.get("TAP-B")!.answerClass, "between 100 to 199 USD");
  for (const r of rendered) assert.deepEqual(r.states, ["Kentucky"], r.task);
});

const RAW = new URL(
  "../../../shared/data/meta-ad-library/us-political-2019-10.jsonl",
  import.meta.url,
);

test("the real-ads fixture matches its source records in ../shared/data", (t) => {
  if (!existsSync(RAW)) {
    t.skip("../shared/data/meta-ad-library absent: cannot check the fixture against its source");
    return;
  }
  const lines = readFileSync(RAW, "utf8").split("\n");
  for (const { line, ad } of fixture.records) {
    const raw = JSON.parse(lines[line - 1]!) as {
      id: string;
      page_id: string;
      page_name: string;
      ad_creative_bodies: string[];
      ad_creative_link_titles: string[];
      ad_delivery_start_time: string;
      ad_delivery_stop_time?: string;
      spend: { lower_bound: string; upper_bound: string };
      impressions: { lower_bound: string; upper_bound: string };
      publisher_platforms: string[];
      currency: string;
      delivery_by_region: { percentage: string; region: string }[];
      demographic_distribution: { percentage: string; age: string; gender: string }[];
    };
    assert.equal(ad.adId, raw.id);
    assert.equal(ad.pageId, raw.page_id);
    assert.equal(ad.marketer, raw.page_name);
    assert.equal(ad.body, raw.ad_creative_bodies[0]);
    assert.equal(ad.title, raw.ad_creative_link_titles[0] ?? null);
    assert.equal(ad.startDate, raw.ad_delivery_start_time.slice(0, 10));
    assert.equal(ad.endDate, raw.ad_delivery_stop_time?.slice(0, 10) ?? null);
    assert.deepEqual(ad.platforms, raw.publisher_platforms);
    assert.equal(ad.currency, raw.currency);
    const range = (r: { lower_bound: string; upper_bound: string }) => ({
      lower: Number(r.lower_bound),
      upper: Number(r.upper_bound),
    });
    assert.deepEqual(ad.spend, range(raw.spend));
    assert.deepEqual(ad.impressions, range(raw.impressions));
    // This sample's ages and genders are already canonical ("55-64", "male", "unknown").
    const demographics: DemographicShare[] = raw.demographic_distribution.map((d) => ({
      age: d.age as DemographicShare["age"],
      gender: d.gender as DemographicShare["gender"],
      share: Number(d.percentage),
    }));
    const s = computeSignals({
      adId: raw.id,
      regions: raw.delivery_by_region.map((r) => ({
        region: canonicalRegion(r.region),
        share: Number(r.percentage),
      })),
      demographics,
      spend: ad.spend,
      impressions: ad.impressions,
      currency: raw.currency,
    });
    assert.ok(s);
    assert.deepEqual(ad.stateInterest, s.stateInterest);
    assert.deepEqual(ad.stateRanking, s.stateRanking);
    assert.deepEqual(ad.topStates, s.topStates);
    assert.equal(ad.bestAgeGroup, s.bestAgeGroup);
    assert.equal(ad.bestGender, s.bestGender);
    const close = (a: number[], b: number[]) =>
      a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) < 1e-9);
    const ageShares = AGE_GROUPS.map((g) =>
      demographics
        .filter((d) => d.age === g && d.gender !== "unknown")
        .reduce((a, d) => a + d.share, 0),
    );
    const genderShares = GENDERS.map((g) =>
      demographics
        .filter((d) => d.gender === g && d.age !== "unknown")
        .reduce((a, d) => a + d.share, 0),
    );
    assert.ok(close(ad.ageShares, ageShares), `ageShares of line ${line}`);
    assert.ok(close(ad.genderShares, genderShares), `genderShares of line ${line}`);
  }
  // Hand check of the FCTRY ad's top state: Vermont got 0.011765 of the delivery and holds
  // 643,077 of 331,449,281 residents, so its interest is 0.011765/Σshares ÷ 0.0019402 ≈ 6.06.
  const vt = fctry.stateInterest[stateIndex("Vermont")]!;
  assert.ok(Math.abs(vt - (0.011765 / 643077) * 331449281) < 0.01, `Vermont interest ${vt}`);
});
