/**
 * The pair tasks of §3.3: transsuasion (TS-B, TS-E, TS-A, TS-R, TS-G) and transcreation (TC-A,
 * TC-G, TC-R), worded after the TS-X / TC-X templates of Appendix A.1 and the TS-A, TS-R, TS-E,
 * TS-G, TC-R, TC-A and TC-G samples. The prompt quotes the source ad (Ad1); the response is the
 * target ad (Ad2) in the same form. Pure, no I/O.
 *
 * Formatting harmonised across the samples: blocks are separated by a blank line (the TS-A,
 * TC-A and TC-G samples' layout; the TC-R and TS-G samples run "Now, create ..." on after the
 * body), and "advertisement's" is written with an ASCII apostrophe (the TS-G and TC-R samples
 * have "’", TC-A and TC-G "'").
 */

import {
  ANSWER_CUE,
  audienceSentence,
  listText,
  pairAdText,
  platformsProse,
  sentences,
  spendSentence,
  usStatesIn,
} from "./templates.js";
import type { PairCandidate, RenderedTask, TaskAd } from "./types.js";

/** `c` rendered as its task's prompt and response. Throws when a TS-A/R/G or TC task lacks its audiences. */
export function renderPairTask(c: PairCandidate): RenderedTask {
  const marketer = c.source.marketer;
  const current = pairAdText(c.source);
  const response = pairAdText(c.target);
  const meta: Record<string, unknown> = {
    given: c.given,
    goal: c.goal,
    sourceAdId: c.source.adId,
    targetAdId: c.target.adId,
    similarity: c.similarity,
    wordEdits: c.wordEdits,
  };
  const done = (prompt: string, states: string[]): RenderedTask => ({
    task: c.task,
    prompt: prompt + ANSWER_CUE,
    response,
    states,
    meta,
  });
  const tsBlock = (intro: string) => `${intro}\n\nCurrent Advertisement: ${current}`;

  switch (c.task) {
    case "TS-B":
    case "TS-E": {
      const common = commonFacts(c.source, c.target);
      meta.commonStates = common.states;
      // The TS-E sample's "marketed in common states: ['all of US']" prints a Python list: avakit
      // names the common top states as plain text, and leaves the clause out when there are none.
      const marketedIn =
        common.states.length === 0
          ? ""
          : ` marketed in common ${common.states.length === 1 ? "state" : "states"}: ${listText(common.states)},`;
      const audience = audienceSentence(common.age, common.gender);
      let intro: string;
      if (c.task === "TS-B") {
        // The paper's TS-B sample is a copy of its TS-R sample (Polaris, "target region: Oregon").
        // Written in the TS-E sample's style, with TS-B's constants (region, age, gender) named.
        intro = sentences([
          `Given an advertisement for ${marketer}${marketedIn} that received a lower budget from the marketer, create a new advertisement with a similar theme that the marketer would put a higher budget behind.`,
          audience,
          "Ensure the new advertisement aligns with the brand and caters to audience preferences.",
        ]);
      } else {
        // TS-E sample; "fewer views ... higher views" said as the signal it is: impressions.
        // TS-E also holds age, gender and budget constant (Table A3): named when both ads share them.
        const platforms = platformsProse(union(c.source.platforms, c.target.platforms));
        intro = sentences([
          `Given an advertisement for ${marketer}${marketedIn} that received fewer impressions due to its lack of effectiveness, create a new advertisement with a similar theme.`,
          audience,
          common.sameSpend ? spendSentence(c.source) : null,
          `Ensure the new advertisement aligns with the brand and caters to audience preferences to achieve more impressions${platforms ? ` on platforms like ${platforms}` : ""}.`,
        ]);
      }
      return done(tsBlock(intro), usStatesIn(common.states));
    }
    case "TS-A": {
      // TS-A sample; its "the target age groups: 25-34" made singular.
      const goal = required(c, "goal");
      const given = c.given ?? goal;
      const intro = `Given an advertisement created for ${marketer} targeted at age group ${given}, the current advertisement does not perform well for the target audience. Create a new advertisement with a similar theme, but change it to better align with the preferences and cultural nuances of the audience in the age group ${goal}. Ensure the new advertisement is more appealing to the target age group: ${goal}.`;
      return done(tsBlock(intro), []);
    }
    case "TS-R": {
      // TS-R sample.
      const goal = required(c, "goal");
      const given = c.given ?? goal;
      const intro = `Given an advertisement created for ${marketer} targeted at ${given}, the current advertisement does not perform well for the target audience. Create a new advertisement with a similar theme, but change it to better align with the preferences and cultural nuances of the audience in ${goal}. Ensure the new advertisement is more appealing to the target region: ${goal}.`;
      return done(tsBlock(intro), usStatesIn([given, goal]));
    }
    case "TS-G": {
      // TS-G sample; its "Below is the original advertisement: Advertisement: ..." laid out as
      // the TC samples lay out theirs.
      const goal = required(c, "goal").toLowerCase();
      const prompt = `Given an advertisement for ${marketer}, create a similar advertisement better tailored for a ${goal} audience. Maintain the original theme and content while adapting it to resonate with the preferences and cultural nuances of the ${goal} audience. Consider the unique characteristics and interests of the ${goal} population to enhance the advertisement's effectiveness. Below is the original advertisement:\n\nAdvertisement: ${current}\n\nNow, create the advertisement better suited for a ${goal} audience:`;
      return done(prompt, []);
    }
    case "TC-R": {
      // TC-R sample. It says "Below is the advertisement for Hawaii" although the ad performs
      // well in Oregon: the given audience is named consistently here.
      const given = required(c, "given");
      const goal = required(c, "goal");
      const prompt = `Given an advertisement for ${marketer} that performs well in ${given}, create a similar advertisement tailored for ${goal}. Maintain the original theme and content while adapting it to resonate with the preferences and cultural nuances of the audience in ${goal}. Consider the unique characteristics and interests of the people in ${goal} to enhance the advertisement's effectiveness. ${tcQuote(given, current, goal)}`;
      return done(prompt, usStatesIn([given, goal]));
    }
    case "TC-A": {
      // TC-A sample.
      const given = required(c, "given");
      const goal = required(c, "goal");
      const prompt = `Given an advertisement for ${marketer} that performs well for an audience aged ${given}, create a similar advertisement tailored for an audience in the age group ${goal}. Maintain the original theme and content while adapting it to resonate with the preferences and cultural nuances of the ${goal} audience. Consider the unique characteristics and interests of the ${goal} years old population to enhance the advertisement's effectiveness. ${tcQuote(given, current, goal)}`;
      return done(prompt, []);
    }
    case "TC-G": {
      // TC-G sample, its closing "Now, create the advertisement for males:" kept (plural noun).
      const given = required(c, "given").toLowerCase();
      const goal = required(c, "goal").toLowerCase();
      const prompt = `Given an advertisement for ${marketer} that performs well for a ${given} audience, create a similar advertisement tailored for a ${goal} audience. Maintain the original theme and content while adapting it to resonate with the preferences and cultural nuances of the ${goal} audience. Consider the unique characteristics and interests of the ${goal} population to enhance the advertisement's effectiveness. ${tcQuote(given, current, `${goal}s`)}`;
      return done(prompt, []);
    }
  }
}

/** The TC samples' closing blocks: "Below is the advertisement for X:\n\nAdvertisement for X: ...\n\nNow, create the advertisement for Y:". */
function tcQuote(given: string, current: string, goalNoun: string): string {
  return `Below is the advertisement for ${given}:\n\nAdvertisement for ${given}: ${current}\n\nNow, create the advertisement for ${goalNoun}:`;
}

function required(c: PairCandidate, field: "given" | "goal"): string {
  const v = c[field];
  if (v === null || v.trim() === "") {
    throw new Error(
      `renderPairTask: ${c.task} pair ${c.source.adId} → ${c.target.adId} has no ${field} audience`,
    );
  }
  return v;
}

/**
 * What Ad1 and Ad2 share, for the TS-B/TS-E constants: the top states of both (Ad1's order), the
 * age group and gender when both have the same best one, and whether the spend ranges agree.
 */
export function commonFacts(
  source: TaskAd,
  target: TaskAd,
): {
  states: string[];
  age: TaskAd["bestAgeGroup"];
  gender: TaskAd["bestGender"];
  sameSpend: boolean;
} {
  return {
    states: source.topStates.filter((s) => target.topStates.includes(s)),
    age: source.bestAgeGroup === target.bestAgeGroup ? source.bestAgeGroup : null,
    gender: source.bestGender === target.bestGender ? source.bestGender : null,
    sameSpend:
      source.spend !== null &&
      target.spend !== null &&
      source.spend.lower === target.spend.lower &&
      source.spend.upper === target.spend.upper &&
      (source.currency ?? "USD") === (target.currency ?? "USD"),
  };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
