/**
 * The single-ad tasks of §3.3: Targeted Advertisement Generation (TAG-G/A/R/B/I) and Target
 * Audience Prediction (TAP-G/A/R/B/I), worded after Appendix A.1 and the TAG-R, TAG-A, TAG-G,
 * TAP-A, TAP-R and TAP-G samples; TAG-B/I and TAP-B/I, which have no sample, follow the same
 * sentences. Each prompt states the task's Table A3 constants (when the ad has them) and names
 * its variable only as the TAG target or the TAP answer. Pure, no I/O.
 */

import {
  ANSWER_CUE,
  audienceSentence,
  campaignFacts,
  endSentence,
  impressionsText,
  keywordsSentence,
  listText,
  sentences,
  spendText,
  TASK_FACETS,
  usStatesIn,
} from "./templates.js";
import {
  type Facet,
  type RenderedTask,
  SINGLE_AD_TASKS,
  type SingleAdTask,
  type TaskAd,
} from "./types.js";

/** Why `ad` cannot give `task` (its variable is unknown), or null when it can. */
export function singleTaskSkipReason(ad: TaskAd, task: SingleAdTask): string | null {
  switch (TASK_FACETS[task].variable) {
    case "gender":
      return ad.bestGender ? null : "no best gender (no gender delivery, or a tie)";
    case "age":
      return ad.bestAgeGroup ? null : "no best age group (no age delivery, or a tie)";
    case "region":
      return ad.topStates.length > 0 ? null : "no reached US state";
    case "budget":
      return ad.spend ? null : "no spend range";
    case "impressions":
      return ad.impressions ? null : "no impressions range";
  }
}

/** One rendered task per task of `tasks` (in that order) that `ad` is eligible for. */
export function renderSingleTasks(
  ad: TaskAd,
  tasks: readonly SingleAdTask[] = SINGLE_AD_TASKS,
): RenderedTask[] {
  const out: RenderedTask[] = [];
  // The campaign facts are the same sentences in every task of the ad: built once each way.
  const facts: [(string | null)[] | null, (string | null)[] | null] = [null, null];
  const factsOf = (withSpend: boolean) => {
    const k = withSpend ? 1 : 0;
    const f = facts[k] ?? campaignFacts(ad, withSpend);
    facts[k] = f;
    return f;
  };
  for (const task of tasks) {
    const rendered = renderSingleTask(ad, task, factsOf);
    if (rendered) out.push(rendered);
  }
  return out;
}

/**
 * `task` rendered for `ad`, or null when the ad lacks the task's variable. `factsOf`: the ad's
 * campaign facts (`campaignFacts`), when the caller keeps them across the ad's tasks.
 */
export function renderSingleTask(
  ad: TaskAd,
  task: SingleAdTask,
  factsOf: (withSpend: boolean) => (string | null)[] = (withSpend) => campaignFacts(ad, withSpend),
): RenderedTask | null {
  if (singleTaskSkipReason(ad, task) !== null) return null;
  const { constants, variable } = TASK_FACETS[task];
  const c = new Set<Facet>(constants);
  const target = targetOf(ad, variable);
  const statesList = listText(ad.topStates);
  // Region as a constant: "advertised in Illinois, Iowa, Florida" (TAG-A/G, TAP-A/G samples).
  const advertisedIn =
    c.has("region") && ad.topStates.length > 0 ? ` advertised in ${statesList}` : "";
  const facts = factsOf(c.has("budget"));
  const audience = audienceSentence(
    c.has("age") ? ad.bestAgeGroup : null,
    c.has("gender") ? ad.bestGender : null,
  );
  const n = ad.topStates.length;
  const meta: Record<string, unknown> = { adId: ad.adId, pageId: ad.pageId, variable, target };
  const states = usStatesIn(ad.topStates);

  if (task.startsWith("TAG")) {
    const hasKeywords = ad.keywords.length > 0;
    const given = hasKeywords ? "page name and keywords" : "page name";
    let intro: string;
    let basedOn: string;
    let topStatesSentence: string | null = null;
    switch (variable) {
      case "gender": // TAG-G sample
        intro = `Given ${given} for an ad${advertisedIn}, generate the content for the advertisement suitable for the ${ad.bestGender!} gender.`;
        basedOn = "Based on the preferences of the target gender, generate the content.";
        break;
      case "age": // TAG-A sample
        intro = `Given ${given} for an ad${advertisedIn}, generate the content for the advertisement suitable for the age group ${ad.bestAgeGroup!}.`;
        basedOn = "Based on the preferences of the target age group, generate the content.";
        break;
      case "region": // TAG-R sample, "top 3 states" made to fit ads that reached fewer states
        intro = `Given ${hasKeywords ? "page name, keywords and" : "page name and"} ${topStatesPhrase(n)} of USA where the advertisement performs best, generate the content for the advertisement.`;
        topStatesSentence =
          n === 1 ? `Top state is ${statesList}.` : `Top ${n} states are ${statesList}.`;
        basedOn = `Based on the preferences of the ${n === 1 ? "state" : "states"} of USA where the advertisement performs best, generate the content.`;
        break;
      case "budget":
        intro = `Given ${given} for an ad${advertisedIn}, generate the content for the advertisement that had a budget ${spendText(ad)!}.`;
        basedOn = "Based on the budget of the advertisement, generate the content.";
        break;
      case "impressions":
        intro = `Given ${given} for an ad${advertisedIn}, generate the content for the advertisement that received ${impressionsText(ad.impressions!)} impressions.`;
        basedOn = "Based on the impressions the advertisement received, generate the content.";
        break;
    }
    const prompt = sentences([
      intro,
      ...facts,
      audience,
      topStatesSentence,
      keywordsSentence(ad.keywords),
      basedOn,
      hasKeywords ? "Try to use the given keywords while generating the content." : null,
    ]);
    return {
      task,
      prompt: prompt + ANSWER_CUE,
      // The samples' response, body as is: no period added.
      response: `Content of the advertisement is ${ad.body}`,
      states,
      meta,
    };
  }

  let question: string;
  let predict: string;
  let response: string;
  let answerClass: string;
  switch (variable) {
    case "gender": // TAP-G sample
      question = `Given an advertisement${advertisedIn}, for which gender does the advertisement perform best?`;
      predict = "predict the gender for which the advertisement performs best.";
      response = `Best target audience for this ad is ${capitalise(ad.bestGender!)}.`;
      answerClass = ad.bestGender!;
      break;
    case "age": // TAP-A sample; its "does the advertisement performs best?" fixed to "perform"
      question = `Given an advertisement${advertisedIn}, for which age group does the advertisement perform best?`;
      predict = "predict the age group for which the advertisement performs best.";
      response = `Best target age group for this ad is the audience aged ${ad.bestAgeGroup!}.`;
      answerClass = ad.bestAgeGroup!;
      break;
    case "region": // TAP-R sample
      question = `Given an advertisement, find ${topStatesPhrase(n)} of USA where the advertisement performs best.`;
      predict = `predict ${n === 1 ? "the top state" : `the top ${n} states`} of USA where the advertisement performs best.`;
      response =
        n === 1
          ? `Top state where the ad will perform best is ${statesList}.`
          : `Top ${n} states where the ad will perform best are ${statesList}.`;
      answerClass = ad.topStates[0]!;
      break;
    case "budget":
      question = `Given an advertisement${advertisedIn}, how much money was spent on the advertisement?`;
      predict = "predict the amount of money that was spent on this campaign.";
      response = `The amount of money spent on this ad is ${spendText(ad)!}.`;
      answerClass = spendText(ad)!;
      break;
    case "impressions":
      question = `Given an advertisement${advertisedIn}, how many impressions did the advertisement receive?`;
      predict = "predict the number of impressions the advertisement received.";
      response = `This ad received ${impressionsText(ad.impressions!)} impressions.`;
      answerClass = impressionsText(ad.impressions!);
      break;
  }
  const prompt = sentences([
    question,
    ...facts,
    audience,
    // The TAP-A sample's "deficit. . Based on" and the TAP-G/TAP-A samples' missing period before
    // "Content" are fixed by closing the body as a sentence only when it is not one already.
    `Content of the advertisement is ${endSentence(ad.body)}`,
    `Based on the content, ${predict}`,
  ]);
  return { task, prompt: prompt + ANSWER_CUE, response, states, answerClass, meta };
}

/** "top 3 states" / "top 2 states" / "the top state": the samples' "top 3", for ads reaching fewer states. */
function topStatesPhrase(n: number): string {
  return n === 1 ? "the top state" : `top ${n} states`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The value of the task's variable, for `meta.target`. */
function targetOf(ad: TaskAd, variable: Facet): unknown {
  switch (variable) {
    case "gender":
      return ad.bestGender;
    case "age":
      return ad.bestAgeGroup;
    case "region":
      return [...ad.topStates];
    case "budget":
      return ad.spend ? { ...ad.spend, currency: ad.currency ?? "USD" } : null;
    case "impressions":
      return ad.impressions ? { ...ad.impressions } : null;
  }
}
