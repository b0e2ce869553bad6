import assert from "node:assert/strict";
import { test } from "node:test";
import { makeAd } from "../../test/fixtures/tasks/make-ad.js";
import {
  audienceSentence,
  campaignFacts,
  endSentence,
  keywordsSentence,
  marketSentence,
  pairAdText,
  platformsProse,
  platformsSentence,
  spendSentence,
  TASK_FACETS,
  titleSentence,
  usStatesIn,
} from "./templates.js";
import { TASK_CODES } from "./types.js";

test("TASK_FACETS covers the 18 tasks; the variable is never a constant; TC-G/TC-R rows unswapped", () => {
  assert.deepEqual(Object.keys(TASK_FACETS).sort(), [...TASK_CODES].sort());
  for (const code of TASK_CODES) {
    const { constants, variable } = TASK_FACETS[code];
    assert.ok(!constants.includes(variable), code);
  }
  assert.equal(TASK_FACETS["TC-G"].variable, "gender");
  assert.equal(TASK_FACETS["TC-R"].variable, "region");
  assert.deepEqual(TASK_FACETS["TAG-I"].constants, ["region", "age", "gender", "budget"]);
});

test("endSentence adds a period only where the text does not already end a sentence", () => {
  assert.equal(endSentence("Talks at GS"), "Talks at GS.");
  assert.equal(
    endSentence("Because care begins with getting there."),
    "Because care begins with getting there.",
  );
  assert.equal(endSentence("How Much Do You Know?"), "How Much Do You Know?");
  assert.equal(endSentence("Vote now!"), "Vote now!");
  assert.equal(endSentence('He said "go."'), 'He said "go."');
  assert.equal(endSentence("(see below.)"), "(see below.)");
  assert.equal(endSentence("an action figure 👏"), "an action figure 👏.");
  assert.equal(endSentence("#WeAreParks #CallingAllTITANS  "), "#WeAreParks #CallingAllTITANS.");
});

test("titleSentence: the paper's 'The Advertisement for X is titled Y.', and a titleless ad", () => {
  assert.equal(
    titleSentence(makeAd({ marketer: "Goldman Sachs", title: "Talks at GS", body: "b" })),
    "The Advertisement for Goldman Sachs is titled Talks at GS.",
  );
  // TAG-A sample: "is titled Because care begins with getting there.." (double period fixed).
  assert.equal(
    titleSentence(
      makeAd({ marketer: "Uber", title: "Because care begins with getting there.", body: "b" }),
    ),
    "The Advertisement for Uber is titled Because care begins with getting there.",
  );
  assert.equal(
    titleSentence(makeAd({ marketer: "Uber", title: null, body: "b" })),
    "This is an advertisement for Uber.",
  );
  assert.equal(
    titleSentence(makeAd({ marketer: "Uber", title: "   ", body: "b" })),
    "This is an advertisement for Uber.",
  );
});

test("marketSentence: audience size clause without the TAG-R sample's ' , ' and 'are present'", () => {
  const ad = makeAd({ marketer: "m", body: "b" });
  assert.equal(marketSentence(ad), "The campaign was marketed to USA audience.");
  assert.equal(
    marketSentence({ ...ad, audienceSize: { lower: 100001, upper: 500000 } }),
    "The campaign was marketed to USA audience, where estimated audience size is between 100001 to 500000.",
  );
  assert.equal(
    marketSentence({ ...ad, audienceSize: { lower: 1000000, upper: null } }),
    "The campaign was marketed to USA audience, where estimated audience size is at least 1000000.",
  );
});

test("spendSentence: rangeText with the ad's currency (USD by default); none without spend", () => {
  const ad = makeAd({ marketer: "m", body: "b" });
  assert.equal(spendSentence(ad), null);
  assert.equal(
    spendSentence({ ...ad, spend: { lower: 600, upper: 699 } }),
    "The amount of money that was spent on this campaign is between 600 to 699 USD.",
  );
  assert.equal(
    spendSentence({ ...ad, currency: null, spend: { lower: 0, upper: 99 } }),
    "The amount of money that was spent on this campaign is between 0 to 99 USD.",
  );
  assert.equal(
    spendSentence({ ...ad, currency: "EUR", spend: { lower: 1000000, upper: null } }),
    "The amount of money that was spent on this campaign is at least 1000000 EUR.",
  );
});

test("audienceSentence, keywordsSentence, platformsSentence", () => {
  assert.equal(
    audienceSentence("25-34", "female"),
    "The advertisement performs best for the age group 25-34 and the female gender.",
  );
  assert.equal(
    audienceSentence("65+", null),
    "The advertisement performs best for the age group 65+.",
  );
  assert.equal(
    audienceSentence(null, "male"),
    "The advertisement performs best for the male gender.",
  );
  assert.equal(audienceSentence(null, null), null);
  assert.equal(keywordsSentence(["uber", "healthcare"]), "Keywords: uber, healthcare.");
  assert.equal(keywordsSentence([]), null);
  assert.equal(
    platformsSentence(["facebook", "instagram"]),
    "The advertisement was published on facebook, instagram.",
  );
  assert.equal(platformsSentence([]), null);
});

test("campaignFacts: title, platforms, dates, market, spend in A.1's order", () => {
  const ad = makeAd({
    marketer: "BuzzFeed",
    title: "8 Reasons",
    body: "b",
    startDate: "2019-05-01",
    endDate: null,
    spend: { lower: 0, upper: 99 },
  });
  assert.deepEqual(campaignFacts(ad, true), [
    "The Advertisement for BuzzFeed is titled 8 Reasons.",
    "The advertisement was published on facebook.",
    "The campaign started on 1st May 2019 and was still running.",
    "The campaign was marketed to USA audience.",
    "The amount of money that was spent on this campaign is between 0 to 99 USD.",
  ]);
  assert.equal(campaignFacts(ad, false)[4], null);
});

test("pairAdText keeps the paper's ' : ' and adds nothing after the body", () => {
  assert.equal(
    pairAdText(
      makeAd({
        marketer: "m",
        title: "Subscribe Now",
        body: "Join Polaris's digital community today!",
      }),
    ),
    "The advertisement titled Subscribe Now with content : Join Polaris's digital community today!",
  );
  assert.equal(
    pairAdText(makeAd({ marketer: "m", title: null, body: "Join Nissan TITAN" })),
    "The advertisement with content : Join Nissan TITAN",
  );
});

test("platformsProse and usStatesIn", () => {
  assert.equal(platformsProse(["facebook", "instagram"]), "Facebook and Instagram");
  assert.equal(
    platformsProse(["facebook", "instagram", "audience_network", "messenger"]),
    "Facebook, Instagram, Audience Network and Messenger",
  );
  assert.equal(platformsProse(["facebook"]), "Facebook");
  assert.equal(platformsProse([]), "");
  assert.deepEqual(
    usStatesIn(["Oregon", "25-34", null, "Oregon", "District of Columbia", "Guam", "female"]),
    ["Oregon", "District of Columbia"],
  );
});
