import assert from "node:assert/strict";
import { test } from "node:test";
import { makeAd } from "../../test/fixtures/tasks/make-ad.js";
import { commonFacts, renderPairTask } from "./pair-templates.js";
import type { PairCandidate, PairTask, TaskAd } from "./types.js";

const A = "\n\nAnswer:";

function pair(
  task: PairTask,
  source: TaskAd,
  target: TaskAd,
  given: string | null,
  goal: string | null,
): PairCandidate {
  return { task, source, target, given, goal, similarity: 0.82, wordEdits: 21 };
}

// The paper's samples (Appendix A), with the slips the brief lists fixed.

const POLARIS_SOURCE = makeAd({
  adId: "polaris-1",
  marketer: "Polaris",
  title: "Subscribe Now Don't Miss A Single Update! Join Now To Make A Difference.",
  body: "Join now to make a difference in the lives of human trafficking victims and survivors. Join Polaris's digital community today and see how you can make a difference! We cannot end this one person, one survivor at a time. With your help, we can target the systems that make trafficking possible. Join Polaris's digital community today and see how you can make a difference!",
  topStates: ["Oregon", "Washington", "Idaho"],
  bestAgeGroup: "25-34",
  bestGender: "female",
  spend: { lower: 100, upper: 199 },
});
const POLARIS_TARGET = makeAd({
  adId: "polaris-2",
  marketer: "Polaris",
  title: "Subscribe Now",
  body: "We cannot end this one person, one survivor at a time. With your help, we can target the systems that make trafficking possible. Join Polaris's digital community today and see how you can make a difference!",
  topStates: ["Oregon", "California", "Washington"],
  bestAgeGroup: "25-34",
  bestGender: "female",
  spend: { lower: 500, upper: 599 },
});
const POLARIS_CURRENT =
  "Current Advertisement: The advertisement titled Subscribe Now Don't Miss A Single Update! Join Now To Make A Difference. with content : Join now to make a difference in the lives of human trafficking victims and survivors. Join Polaris's digital community today and see how you can make a difference! We cannot end this one person, one survivor at a time. With your help, we can target the systems that make trafficking possible. Join Polaris's digital community today and see how you can make a difference!";
const POLARIS_RESPONSE =
  "The advertisement titled Subscribe Now with content : We cannot end this one person, one survivor at a time. With your help, we can target the systems that make trafficking possible. Join Polaris's digital community today and see how you can make a difference!";

test("paper TS-A sample (DoorDash), 'target age groups: 25-34' made singular", () => {
  const source = makeAd({
    adId: "dd-1",
    marketer: "DoorDash",
    title: "Get Sushi Maki Delivered",
    body: "All June, join us to fight hunger in the Miami community. When you order from Sushi Maki, we'll donate a meal* to Feeding South Florida. Terms: [URL]",
  });
  const target = makeAd({
    adId: "dd-2",
    marketer: "DoorDash",
    title: "Get Saucy Asian Delivered",
    body: "All June, join us to fight hunger in the San Francisco community. When you order from Saucy Asian, we'll donate a meal* to the SF-Marine Food Bank. Terms: [URL]",
  });
  const r = renderPairTask(pair("TS-A", source, target, "25-34", "25-34"));
  assert.equal(r.task, "TS-A");
  assert.equal(
    r.prompt,
    `Given an advertisement created for DoorDash targeted at age group 25-34, the current advertisement does not perform well for the target audience. Create a new advertisement with a similar theme, but change it to better align with the preferences and cultural nuances of the audience in the age group 25-34. Ensure the new advertisement is more appealing to the target age group: 25-34.\n\nCurrent Advertisement: The advertisement titled Get Sushi Maki Delivered with content : All June, join us to fight hunger in the Miami community. When you order from Sushi Maki, we'll donate a meal* to Feeding South Florida. Terms: [URL]${A}`,
  );
  assert.equal(
    r.response,
    "The advertisement titled Get Saucy Asian Delivered with content : All June, join us to fight hunger in the San Francisco community. When you order from Saucy Asian, we'll donate a meal* to the SF-Marine Food Bank. Terms: [URL]",
  );
  assert.deepEqual(r.states, []);
  assert.deepEqual(r.meta, {
    given: "25-34",
    goal: "25-34",
    sourceAdId: "dd-1",
    targetAdId: "dd-2",
    similarity: 0.82,
    wordEdits: 21,
  });
  assert.equal(r.answerClass, undefined);
});

test("TS-A names Ad1's audience as given and the goal as the target", () => {
  const r = renderPairTask(pair("TS-A", POLARIS_SOURCE, POLARIS_TARGET, "35-44", "65+"));
  assert.ok(
    r.prompt.startsWith(
      "Given an advertisement created for Polaris targeted at age group 35-44, the current advertisement does not perform well for the target audience. Create a new advertisement with a similar theme, but change it to better align with the preferences and cultural nuances of the audience in the age group 65+. Ensure the new advertisement is more appealing to the target age group: 65+.\n\n",
    ),
  );
});

test("paper TS-R sample (Polaris), word for word", () => {
  const r = renderPairTask(pair("TS-R", POLARIS_SOURCE, POLARIS_TARGET, "Oregon", "Oregon"));
  assert.equal(
    r.prompt,
    `Given an advertisement created for Polaris targeted at Oregon, the current advertisement does not perform well for the target audience. Create a new advertisement with a similar theme, but change it to better align with the preferences and cultural nuances of the audience in Oregon. Ensure the new advertisement is more appealing to the target region: Oregon.\n\n${POLARIS_CURRENT}${A}`,
  );
  assert.equal(r.response, POLARIS_RESPONSE);
  assert.deepEqual(r.states, ["Oregon"]);
  const moved = renderPairTask(pair("TS-R", POLARIS_SOURCE, POLARIS_TARGET, "Idaho", "Oregon"));
  assert.ok(
    moved.prompt.startsWith("Given an advertisement created for Polaris targeted at Idaho,"),
  );
  assert.deepEqual(moved.states, ["Idaho", "Oregon"]);
});

test("TS-B (the paper's sample is a copy of TS-R): a lower budget, common states, age and gender", () => {
  const r = renderPairTask(pair("TS-B", POLARIS_SOURCE, POLARIS_TARGET, null, null));
  assert.equal(
    r.prompt,
    `Given an advertisement for Polaris marketed in common states: Oregon, Washington, that received a lower budget from the marketer, create a new advertisement with a similar theme that the marketer would put a higher budget behind. The advertisement performs best for the age group 25-34 and the female gender. Ensure the new advertisement aligns with the brand and caters to audience preferences.\n\n${POLARIS_CURRENT}${A}`,
  );
  assert.equal(r.response, POLARIS_RESPONSE);
  assert.deepEqual(r.states, ["Oregon", "Washington"]);
  assert.deepEqual(r.meta.commonStates, ["Oregon", "Washington"]);
  // TS-B never names the budget: it is the variable.
  assert.ok(!/USD|\d+ to \d+/.test(r.prompt));
});

const NISSAN_BODY =
  "Double your donation to National Parks. Help preserve and protect America's national parks. Now through February 8, Nissan TITAN will match any gift to the National Park Foundation 2-for-1, up to $200,000. #WeAreParks #CallingAllTITANS";
const NISSAN_SOURCE = makeAd({
  adId: "nissan-1",
  marketer: "Nissan",
  title: "Double your donation to National Parks",
  body: NISSAN_BODY,
  platforms: ["facebook", "instagram"],
  topStates: ["Maryland", "Delaware", "Pennsylvania"],
  bestAgeGroup: "35-44",
  bestGender: "male",
  spend: { lower: 7000, upper: 7999 },
  impressions: { lower: 100000, upper: 124999 },
});
const NISSAN_TARGET = makeAd({
  adId: "nissan-2",
  marketer: "Nissan",
  title: null,
  body: "Join Nissan TITAN in helping the National Park Foundation preserve and protect America's national parks. #WeAreParks #CallingAllTITANS",
  platforms: ["facebook", "instagram"],
  topStates: ["Delaware", "Maryland", "Virginia"],
  bestAgeGroup: "35-44",
  bestGender: "female",
  spend: { lower: 7000, upper: 7999 },
  impressions: { lower: 300000, upper: 349999 },
});

test("paper TS-E sample (Nissan): common states as a plain list, 'fewer impressions', shared constants", () => {
  const r = renderPairTask(pair("TS-E", NISSAN_SOURCE, NISSAN_TARGET, null, null));
  assert.equal(
    r.prompt,
    `Given an advertisement for Nissan marketed in common states: Maryland, Delaware, that received fewer impressions due to its lack of effectiveness, create a new advertisement with a similar theme. The advertisement performs best for the age group 35-44. The amount of money that was spent on this campaign is between 7000 to 7999 USD. Ensure the new advertisement aligns with the brand and caters to audience preferences to achieve more impressions on platforms like Facebook and Instagram.\n\nCurrent Advertisement: The advertisement titled Double your donation to National Parks with content : ${NISSAN_BODY}${A}`,
  );
  assert.equal(
    r.response,
    "The advertisement with content : Join Nissan TITAN in helping the National Park Foundation preserve and protect America's national parks. #WeAreParks #CallingAllTITANS",
  );
  assert.deepEqual(r.states, ["Maryland", "Delaware"]);
  // Impressions are the variable: never given as numbers.
  assert.ok(!/100000|124999|300000/.test(r.prompt));
});

test("TS-E/TS-B without common states, shared segments, spend or platforms", () => {
  const source = { ...NISSAN_SOURCE, topStates: ["Texas"], platforms: [], spend: null };
  const target = {
    ...NISSAN_TARGET,
    topStates: ["Ohio"],
    bestAgeGroup: "65+" as const,
    platforms: [],
  };
  const e = renderPairTask(pair("TS-E", source, target, null, null));
  assert.ok(
    e.prompt.startsWith(
      "Given an advertisement for Nissan that received fewer impressions due to its lack of effectiveness, create a new advertisement with a similar theme. Ensure the new advertisement aligns with the brand and caters to audience preferences to achieve more impressions.\n\nCurrent Advertisement: ",
    ),
  );
  assert.deepEqual(e.states, []);
  const b = renderPairTask(
    pair(
      "TS-B",
      { ...source, topStates: ["Ohio", "Texas"] },
      { ...target, topStates: ["Ohio"] },
      null,
      null,
    ),
  );
  assert.ok(
    b.prompt.startsWith(
      "Given an advertisement for Nissan marketed in common state: Ohio, that received a lower budget from the marketer, create a new advertisement with a similar theme that the marketer would put a higher budget behind. Ensure the new advertisement",
    ),
  );
  assert.deepEqual(b.states, ["Ohio"]);
});

test("paper TS-G sample (Goldman Sachs), laid out like the TC samples", () => {
  const source = makeAd({
    marketer: "Goldman Sachs",
    title: "The Daily Check-In",
    body: "How does India's downgraded growth outlook compare to previous downturns and policy responses? Prachi Mishra, Goldman Sachs Research's Chief India Economist, explains.",
  });
  const target = makeAd({
    marketer: "Goldman Sachs",
    title: "The Daily Check-In",
    body: "Since [early March] we have dramatically downgraded our economic growth forecasts for India. Our focus was 5.8% before, now it's at 1.6%. This is a gigantic 420-basis-point downgrade. Goldman Sachs Research's Prachi Mishra on India's growth outlook.",
  });
  const r = renderPairTask(pair("TS-G", source, target, "male", "female"));
  assert.equal(
    r.prompt,
    `Given an advertisement for Goldman Sachs, create a similar advertisement better tailored for a female audience. Maintain the original theme and content while adapting it to resonate with the preferences and cultural nuances of the female audience. Consider the unique characteristics and interests of the female population to enhance the advertisement's effectiveness. Below is the original advertisement:\n\nAdvertisement: The advertisement titled The Daily Check-In with content : How does India's downgraded growth outlook compare to previous downturns and policy responses? Prachi Mishra, Goldman Sachs Research's Chief India Economist, explains.\n\nNow, create the advertisement better suited for a female audience:${A}`,
  );
  assert.equal(
    r.response,
    "The advertisement titled The Daily Check-In with content : Since [early March] we have dramatically downgraded our economic growth forecasts for India. Our focus was 5.8% before, now it's at 1.6%. This is a gigantic 420-basis-point downgrade. Goldman Sachs Research's Prachi Mishra on India's growth outlook.",
  );
  assert.deepEqual(r.states, []);
  assert.deepEqual([r.meta.given, r.meta.goal], ["male", "female"]);
});

test("paper TC-R sample (The Stem Well): the given audience named consistently (not 'Hawaii')", () => {
  const sourceBody =
    "Breaking News out of Princeton, NJ: Isabella Green from Cleveland, Ohio is a 2023 Princeton Prize in Race Relations winner for advancing equity in pediatric cancer prevention and care.\n\nTo learn more about The Princeton Prize in Race Relations, visit: [URL] learn more about The Stem Well, please follow our journey and click link in bio.\n\n#genZleader #DEIJ #makingadifference #princetonprizeinracerelements #princeton #princetonuniversity #pediatriccancer #pediatriccancerawareness #childhoodcancer #childhoodcancerawareness #stemeducation #diversity #equity #inclusion";
  const targetBody =
    "The 2023 Princeton Prize in Race Relations (PPRR) Symposium was a vibe. Missing Princeton and the beautiful souls advancing racial equity in communities across the nation in meaningful ways that I had the pleasure of meeting and sharing space with. I (((love))) my PPRR family.\n\nTo learn more about The Princeton Prize in Race Relations visit, [URL] learn more about The Stem Well and our programs, click link in bio.\n\n#PPRR #princeton #diversity #equity #inclusion #inclusionmatters #diversity #diversitymatters #diversityandinclusion #changemaker #changemakers #princetonprizeinracerelements";
  const source = makeAd({ marketer: "The Stem Well", body: sourceBody, topStates: ["Oregon"] });
  const target = makeAd({ marketer: "The Stem Well", body: targetBody, topStates: ["Louisiana"] });
  const r = renderPairTask(pair("TC-R", source, target, "Oregon", "Louisiana"));
  assert.equal(
    r.prompt,
    `Given an advertisement for The Stem Well that performs well in Oregon, create a similar advertisement tailored for Louisiana. Maintain the original theme and content while adapting it to resonate with the preferences and cultural nuances of the audience in Louisiana. Consider the unique characteristics and interests of the people in Louisiana to enhance the advertisement's effectiveness. Below is the advertisement for Oregon:\n\nAdvertisement for Oregon: The advertisement with content : ${sourceBody}\n\nNow, create the advertisement for Louisiana:${A}`,
  );
  assert.equal(r.response, `The advertisement with content : ${targetBody}`);
  assert.deepEqual(r.states, ["Oregon", "Louisiana"]);
  assert.ok(!r.prompt.includes("Hawaii"));
  // "Ohio" in the body is not one of the states the template names.
  assert.ok(!r.states.includes("Ohio"));
});

test("paper TC-A sample (Nissan), word for word", () => {
  const r = renderPairTask(pair("TC-A", NISSAN_SOURCE, NISSAN_TARGET, "35-44", "55-64"));
  assert.equal(
    r.prompt,
    `Given an advertisement for Nissan that performs well for an audience aged 35-44, create a similar advertisement tailored for an audience in the age group 55-64. Maintain the original theme and content while adapting it to resonate with the preferences and cultural nuances of the 55-64 audience. Consider the unique characteristics and interests of the 55-64 years old population to enhance the advertisement's effectiveness. Below is the advertisement for 35-44:\n\nAdvertisement for 35-44: The advertisement titled Double your donation to National Parks with content : ${NISSAN_BODY}\n\nNow, create the advertisement for 55-64:${A}`,
  );
  assert.equal(
    r.response,
    "The advertisement with content : Join Nissan TITAN in helping the National Park Foundation preserve and protect America's national parks. #WeAreParks #CallingAllTITANS",
  );
  assert.deepEqual(r.states, []);
});

test("paper TC-G sample (Johnson & Johnson), 'for males:' kept", () => {
  const source = makeAd({
    marketer: "Johnson & Johnson",
    title: "Our 2022 Impact",
    body: "We're committed to creating a healthier, more equitable world for all. Our 2022 Health for Humanity Report spotlights cutting-edge innovations and inspiring stories of progress as we reimagine the future of healthcare.",
  });
  const target = makeAd({
    marketer: "Johnson & Johnson",
    title: "Our 2022 Impact",
    body: "Our 2022 Health for Humanity Report is now live. Learn how we continue to innovate for the future of our communities, our employees and our planet.",
  });
  const r = renderPairTask(pair("TC-G", source, target, "female", "male"));
  assert.equal(
    r.prompt,
    `Given an advertisement for Johnson & Johnson that performs well for a female audience, create a similar advertisement tailored for a male audience. Maintain the original theme and content while adapting it to resonate with the preferences and cultural nuances of the male audience. Consider the unique characteristics and interests of the male population to enhance the advertisement's effectiveness. Below is the advertisement for female:\n\nAdvertisement for female: The advertisement titled Our 2022 Impact with content : We're committed to creating a healthier, more equitable world for all. Our 2022 Health for Humanity Report spotlights cutting-edge innovations and inspiring stories of progress as we reimagine the future of healthcare.\n\nNow, create the advertisement for males:${A}`,
  );
  assert.equal(
    r.response,
    "The advertisement titled Our 2022 Impact with content : Our 2022 Health for Humanity Report is now live. Learn how we continue to innovate for the future of our communities, our employees and our planet.",
  );
  const reverse = renderPairTask(pair("TC-G", target, source, "male", "female"));
  assert.ok(reverse.prompt.endsWith(`Now, create the advertisement for females:${A}`));
});

test("a TS-A/R/G pair without a goal, or a TC pair without either audience, is an error", () => {
  const s = POLARIS_SOURCE;
  const t = POLARIS_TARGET;
  for (const task of ["TS-A", "TS-R", "TS-G"] as const) {
    assert.throws(() => renderPairTask(pair(task, s, t, "Oregon", null)), /has no goal audience/);
  }
  for (const task of ["TC-A", "TC-G", "TC-R"] as const) {
    assert.throws(() => renderPairTask(pair(task, s, t, null, "Oregon")), /has no given audience/);
    assert.throws(() => renderPairTask(pair(task, s, t, "Oregon", null)), /has no goal audience/);
  }
  // TS-A/TS-R without a given audience name the goal as the one targeted.
  const r = renderPairTask(pair("TS-R", s, t, null, "Oregon"));
  assert.ok(r.prompt.startsWith("Given an advertisement created for Polaris targeted at Oregon,"));
});

test("commonFacts: states in both (Ad1's order), shared best segments, equal spend", () => {
  assert.deepEqual(commonFacts(NISSAN_SOURCE, NISSAN_TARGET), {
    states: ["Maryland", "Delaware"],
    age: "35-44",
    gender: null,
    sameSpend: true,
  });
  assert.equal(commonFacts(NISSAN_SOURCE, { ...NISSAN_TARGET, currency: "EUR" }).sameSpend, false);
  assert.equal(commonFacts(NISSAN_SOURCE, { ...NISSAN_TARGET, spend: null }).sameSpend, false);
});
