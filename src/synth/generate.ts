/**
 * `avakit synth`: a seeded generator of realistic, clearly labelled synthetic Meta Ad Library
 * records in the Graph API `ads_archive` JSON shape. Pure: no I/O, no clock, no Math.random.
 *
 * Structure it reproduces (so that demos, tests and benchmarks see data that behaves like the
 * real archive):
 * - advertisers with heavy-tailed (Zipf) ad counts, made-up page names, a home state and a topic;
 * - per advertiser a few campaign templates; each ad is a variant of one: an exact copy (a small
 *   fraction, as real data has), a light edit (a few words), or a rewrite (sentences replaced and
 *   reordered: more than 15 words differ while the vocabulary is mostly shared); ~1% carry a URL;
 * - delivery over US states biased to the home state and its Census region, sampled like real
 *   reach counts (so small ads cover few states and percentages look like k/N);
 * - demographics tied to the topic, spend/impressions/audience in Meta's bucket style.
 *
 * Every record carries `"avakit_synthetic": true`. Same (ads, seed, advertisers) → same records.
 */
import { fmix32 } from "../core/hash.js";
import { AGE_GROUPS } from "../core/types.js";
import { CENSUS_REGIONS, STATE_POPULATION_2020 } from "../signals/census-2020.js";

export interface SynthConfig {
  /** Number of ads to generate. */
  ads: number;
  /** Any safe integer; the whole output is a function of (ads, seed, advertisers). */
  seed: number;
  /** Number of advertisers (pages); default `defaultAdvertiserCount(ads)`. Capped at `ads`. */
  advertisers?: number;
}

export interface SynthRange {
  lower_bound: string;
  upper_bound?: string;
}

export interface SynthDemographic {
  percentage: string;
  age: string;
  gender: string;
}

export interface SynthRegion {
  percentage: string;
  region: string;
}

/** One synthetic record, in the field order and string formats of the Graph API. */
export type SynthAdRecord = {
  id: string;
  page_id: string;
  page_name: string;
  ad_creative_bodies: string[];
  ad_creative_link_captions: string[];
  ad_creative_link_descriptions: string[];
  ad_creative_link_titles: string[];
  ad_creation_time: string;
  ad_delivery_start_time: string;
  ad_delivery_stop_time?: string;
  ad_snapshot_url: string;
  bylines?: string;
  currency: "USD";
  estimated_audience_size: SynthRange;
  impressions: SynthRange;
  spend: SynthRange;
  languages: string[];
  publisher_platforms: string[];
  demographic_distribution: SynthDemographic[];
  delivery_by_region: SynthRegion[];
  avakit_synthetic: true;
};

// ---------------------------------------------------------------------------------------------
// PRNG: xoshiro128** seeded through splitmix32-style mixing.

/** Mixes any number of integers (each taken mod 2^32, plus the high part of safe integers). */
function hashInts(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    const lo = x >>> 0;
    const hi = Math.floor(x / 4294967296) >>> 0;
    h = fmix32((h ^ lo) + 0x7f4a7c15);
    h = fmix32((h ^ hi) + 0x165667b1);
  }
  return h;
}

const INV_2_32 = 1 / 4294967296;

/** xoshiro128**: small, fast, good enough for synthetic data; deterministic across platforms. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    let s = hashInts(seed, stream);
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      return fmix32(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() * INV_2_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.float() * xs.length)]!;
  }

  /**
   * Standard normal, from an interpolated inverse-CDF table (no transcendental calls on the hot
   * path; tails are cut at about ±3.5σ, which synthetic noise does not miss).
   */
  gauss(): number {
    const u = this.u32();
    const i = u >>> 20;
    const lo = NORMAL_TABLE[i]!;
    return lo + (NORMAL_TABLE[i + 1]! - lo) * ((u & 0xfffff) * INV_2_20);
  }

  /** Poisson(λ): inversion for small λ, rounded normal approximation above. */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < 12) {
      let p = expNeg(lambda);
      let cdf = p;
      const u = this.float();
      let k = 0;
      while (u > cdf && k < 60) {
        k++;
        p *= lambda / k;
        cdf += p;
      }
      return k;
    }
    const x = Math.round(lambda + Math.sqrt(lambda) * this.gauss());
    return Math.max(0, x);
  }
}

const INV_2_20 = 1 / 1048576;

/** Acklam's rational approximation of the standard normal inverse CDF (|error| < 1.2e-9). */
function inverseNormalCdf(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number): number =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

const NORMAL_TABLE = Float64Array.from({ length: 4097 }, (_v, i) =>
  inverseNormalCdf((i + 0.5) / 4097),
);

/** exp(−x) for x in [0, 12), by linear interpolation in a table (relative error < 1e-5). */
const EXP_STEPS = 128;
const EXP_TABLE = Float64Array.from({ length: 12 * EXP_STEPS + 2 }, (_v, i) =>
  Math.exp(-i / EXP_STEPS),
);
function expNeg(x: number): number {
  const f = x * EXP_STEPS;
  const i = f | 0;
  const lo = EXP_TABLE[i]!;
  return lo + (EXP_TABLE[i + 1]! - lo) * (f - i);
}

/** Decimal string of a safe integer ≥ 1e8, via two small-integer conversions (much faster). */
function idString(x: number): string {
  const hi = Math.floor(x / 1e8);
  return String(hi) + String(1e8 + (x - hi * 1e8)).slice(1);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A keyed Feistel permutation of [0, 2^(2·half)): distinct inputs give distinct outputs, so ids
 * derived from sequential indexes are unique yet look random.
 */
function feistel(x: number, half: number, key: number): number {
  const size = 2 ** half;
  const mask = size - 1;
  let l = Math.floor(x / size) & mask;
  let r = x % size;
  for (let round = 0; round < 4; round++) {
    const f = fmix32((r ^ Math.imul(key, round + 1) ^ (round * 0x632be5ab)) >>> 0) & mask;
    const t = l ^ f;
    l = r;
    r = t;
  }
  return l * size + r;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary. Page names, bodies, titles and bylines are built from these lists; everything is
// made up (no real organisation or person is meant).

interface Kind {
  /** Used in page names ("{kind}"), e.g. "Bakery", "Food Bank", "Clean Water". */
  label: string;
  /** Campaign subjects: noun phrases that fit "{verb} {subject}" and "about {subject}". */
  subjects: readonly string[];
}

interface TopicSpec {
  name: string;
  /** Relative share of advertisers. */
  weight: number;
  kinds: readonly Kind[];
  pageNames: readonly string[];
  bylines: readonly string[];
  adj: readonly string[];
  noun: readonly string[];
  verb: readonly string[];
  people: readonly string[];
  num: readonly string[];
  ctas: readonly string[];
  whens: readonly string[];
  sentences: readonly string[];
  titles: readonly string[];
  descriptions: readonly string[];
  urlPaths: readonly string[];
  tld: string;
  /** Weights over AGE_GROUPS (13-17 first). */
  age: readonly number[];
  femaleShare: number;
  /** Median spend of one ad, USD. */
  spend: number;
  /** Probabilities of an advertiser being local / regional / national in reach. */
  scope: readonly [number, number, number];
}

// biome-ignore format: compact word lists
const FIRST_NAMES = [
  "James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer", "Carlos",
  "Elizabeth", "Daniel", "Susan", "Thomas", "Karen", "Anthony", "Angela", "Kevin", "Denise",
  "Marcus", "Rachel", "Brian", "Teresa", "Gregory", "Monica", "Raymond", "Alicia", "Dwayne",
  "Heather", "Victor", "Laura", "Samuel", "Tamara", "Peter", "Gloria", "Derek", "Yolanda",
] as const;

// biome-ignore format: compact word lists
const SURNAMES = [
  "Whitfield", "Alvarez", "Brennan", "Okafor", "Lindqvist", "Harlow", "Castillo", "Pemberton",
  "Delgado", "Marchetti", "Thornton", "Nakamura", "Holloway", "Fairbanks", "Ramos", "Kessler",
  "Abernathy", "Moreau", "Whitaker", "Galloway", "Petrakis", "Sandoval", "McAllister", "Vance",
  "Okonkwo", "Halvorsen", "Bellamy", "Crawford", "Duarte", "Ellison", "Fitzgerald", "Greer",
  "Hendricks", "Iverson", "Jablonski", "Kowalczyk", "Langford", "Mendoza", "Norwood", "Ostrowski",
  "Pruitt", "Quintero", "Ridley", "Stanton", "Tillman", "Underwood", "Vasquez", "Winslow", "Yates",
  "Zimmerman", "Bianchi", "Caldwell", "Donnelly", "Espinoza", "Forsythe", "Gutierrez",
] as const;

// biome-ignore format: compact word lists
const PLACE_STEMS = [
  "Cedar", "Maple", "Oak", "Pine", "Willow", "River", "Lake", "Fair", "Green", "Spring", "Brook",
  "Elm", "Clear", "Stone", "Silver", "Red", "Ash", "Birch", "High", "Mill", "Hazel", "Walnut",
  "Laurel", "Sycamore", "Prairie", "Harbor", "Shady", "Bright", "Eagle", "Fox",
] as const;

// biome-ignore format: compact word lists
const PLACE_SUFFIXES = [
  "ville", "field", "wood", " Falls", " Creek", " Springs", " Valley", " Ridge", "brook", " Park",
  "ton", " Heights", " Grove", " Harbor", " Hollow", " Point", "dale", " Crossing",
] as const;

// biome-ignore format: compact word lists
const TREES = [
  "Maple", "Oak", "Cedar", "Willow", "Aspen", "Birch", "Magnolia", "Cypress", "Juniper", "Hickory",
  "Sycamore", "Chestnut", "Alder", "Linden", "Cottonwood", "Redwood",
] as const;

// biome-ignore format: compact word lists
const OFFICES = [
  "Congress", "Senate", "Governor", "State Senate", "State House", "Mayor", "City Council",
  "Attorney General", "School Board", "County Commission", "Sheriff", "Lieutenant Governor",
] as const;

// biome-ignore format: compact word lists
const CLOSERS = [
  "Learn more at the link below.", "Share this with a friend.", "Thank you for your support!",
  "Questions? Send us a message.", "Follow {org} for updates.", "Tap the link to get started.",
  "Don't miss out.", "We can't do it without you.",
] as const;

// biome-ignore format: compact word lists
const SPANISH_LINES = [
  "Hablamos español.", "¡Más información en nuestro sitio!", "Llámenos hoy.", "¡Únase a nosotros!",
] as const;

// biome-ignore format: compact word lists
const EMOJI = [" 👏", " 🇺🇸", " ✅", " 👉", " ❤️", " 🎉", " 🌎", " 🏡", " 📣", " 🙏"] as const;

// biome-ignore format: compact word lists
const TOPICS: readonly TopicSpec[] = [
  {
    name: "politics",
    weight: 30,
    kinds: [
      {
        label: "Fair Elections",
        subjects: ["voting rights", "election security", "fair maps", "campaign finance reform"],
      },
      {
        label: "Lower Taxes",
        subjects: [
          "lower taxes", "government spending", "the national debt",
          "tax relief for small businesses",
        ],
      },
      {
        label: "Safe Streets",
        subjects: ["public safety", "police funding", "crime prevention", "victims' rights"],
      },
      {
        label: "Affordable Care",
        subjects: [
          "affordable health care", "prescription drug prices", "Medicare",
          "protections for preexisting conditions",
        ],
      },
      {
        label: "Working Families",
        subjects: [
          "good-paying jobs", "paid family leave", "child care costs", "a higher minimum wage",
        ],
      },
      {
        label: "Secure Borders",
        subjects: [
          "border security", "immigration reform", "E-Verify", "the fight against fentanyl",
        ],
      },
      {
        label: "Better Schools",
        subjects: ["our public schools", "teacher pay", "school choice", "parents' rights"],
      },
      {
        label: "Veterans First",
        subjects: [
          "veterans' health care", "the GI Bill", "military families", "VA accountability",
        ],
      },
      {
        label: "Rural Prosperity",
        subjects: ["family farms", "rural broadband", "fair crop prices", "rural hospitals"],
      },
      {
        label: "Energy Independence",
        subjects: ["American energy", "lower gas prices", "the power grid", "energy jobs"],
      },
    ],
    pageNames: [
      "{first} {surname} for {office}", "Friends of {first} {surname}", "Citizens for {kind}",
      "{state} {kind} Alliance", "{kind} Action Fund", "{surname} for {state}",
      "{state} Voters for {kind}", "Committee to Elect {first} {surname}", "{kind} PAC",
    ],
    bylines: [
      "{org}", "{org}", "{org}", "{org} PAC",
      "{org}, not authorized by any candidate or candidate's committee.",
    ],
    adj: [
      "close", "tight", "competitive", "neck and neck", "too close to call", "wide open",
    ],
    noun: ["race", "election", "fight", "campaign", "vote", "moment", "deadline", "primary"],
    verb: [
      "protect", "defend", "fight for", "stand up for", "champion", "secure", "stand with you on",
    ],
    people: [
      "voters", "families", "working families", "neighbors", "taxpayers", "seniors", "veterans",
      "parents", "small business owners", "grassroots supporters",
    ],
    num: ["$5", "$10", "$15", "$25", "$50", "$3"],
    ctas: [
      "chip in $5", "donate today", "vote early", "make your plan to vote", "sign the petition",
      "add your name", "join the campaign", "volunteer this weekend", "pledge your vote",
    ],
    whens: [
      "before the deadline", "by midnight", "before Election Day", "this Tuesday",
      "by the end of the month", "before early voting ends", "this week",
    ],
    sentences: [
      "{surname} is running for {office} to {verb} {subject}.",
      "The {noun} for {office} in {state} is {adj}, and {people} are paying attention.",
      "We need {people} across {place} to {verb} {subject} {when}.",
      "{surname} has spent years working to {verb} {subject} for {people} in {state}.",
      "Our opponents are spending millions to stop us, but {people} can still win this {noun}.",
      "{cta} {when} and help us {verb} {subject}.",
      "Every {num} contribution brings us closer to our goal.",
      "This {noun} is too important to sit on the sidelines.",
      "{people} in {place} deserve leaders who will {verb} {subject}.",
      "Election Day is coming fast, and {people} need to know where {surname} stands on {subject}.",
      "Career politicians have ignored {subject} for far too long.",
      "Join {org} and stand with {people} who want to {verb} {subject}.",
      "Together, we can {verb} {subject} and build a stronger {state}.",
      "A gift of {num} today helps us reach more {people} before the {noun}.",
      "{surname} will always {verb} {subject}, no matter who is in charge.",
    ],
    titles: [
      "{surname} for {office}", "Stand With {surname}", "Official Petition",
      "Make Your Voice Heard", "Chip In Now", "Protect {Subject}", "Find Your Polling Place",
    ],
    descriptions: [
      "Every dollar counts", "Add your name today", "The deadline is tonight",
      "Vote {surname} for {office}", "Make a plan to vote", "{Cta}",
    ],
    urlPaths: ["donate", "petition", "vote", "volunteer", "join", "chip-in"],
    tld: "com",
    age: [0, 6, 12, 14, 17, 23, 28],
    femaleShare: 0.52,
    spend: 45,
    scope: [0.45, 0.25, 0.3],
  },
  {
    name: "health",
    weight: 10,
    kinds: [
      {
        label: "Family Health",
        subjects: [
          "your annual checkup", "flu shots", "diabetes care", "blood pressure screenings",
        ],
      },
      {
        label: "Dental Care",
        subjects: [
          "a dental cleaning", "teeth whitening", "emergency dental care", "clear aligners",
        ],
      },
      {
        label: "Behavioral Health",
        subjects: [
          "mental health support", "addiction recovery", "anxiety treatment", "family counseling",
        ],
      },
      {
        label: "Women's Health",
        subjects: ["prenatal care", "mammograms", "well-woman visits", "menopause care"],
      },
      {
        label: "Urgent Care",
        subjects: ["walk-in care", "telehealth visits", "sports physicals", "COVID-19 testing"],
      },
    ],
    pageNames: [
      "{place} {kind}", "{tree} Valley {kind}", "{surname} {kind} Center", "{state} {kind} Network",
      "{place} Community {kind}", "Healthy {state} {kind}",
    ],
    bylines: ["{org}", "{org}", "{org} LLC", "{org}, Inc."],
    adj: [
      "affordable", "trusted", "same-day", "convenient", "compassionate", "board-certified",
      "friendly",
    ],
    noun: ["appointment", "visit", "screening", "checkup", "consultation"],
    verb: ["schedule", "book", "request"],
    people: [
      "patients", "families", "adults over 40", "new parents", "caregivers", "uninsured residents",
    ],
    num: ["10", "15", "20", "25", "30"],
    ctas: [
      "book your appointment", "call us today", "schedule online", "find a provider near you",
      "get screened",
    ],
    whens: ["this month", "before the end of the year", "this fall", "today", "this week"],
    sentences: [
      "Our {adj} care team at {org} makes {subject} simple for {people} in {place}.",
      "Don't put off {subject} any longer.",
      "{people} across {state} trust {org} for {adj} care close to home.",
      "{verb} a {noun} online in under {num} minutes.",
      "Most insurance plans cover {subject} at little or no cost to you.",
      "Early care saves lives, and {subject} is one of the easiest ways to stay ahead.",
      "Our {adj} providers listen first and treat the whole person.",
      "{cta} {when} and take the first step toward better health.",
      "Walk-ins are welcome at every {org} location in {place}.",
      "Ask about {subject} at your next {noun}.",
      "Caring for {people} has been our mission for more than {num} years.",
      "Evening and weekend hours make it easy to fit {subject} into a busy schedule.",
      "We accept Medicaid and most major insurance plans.",
    ],
    titles: [
      "Book Online Today", "{Subject} Near You", "Same-Day Appointments",
      "Now Accepting New Patients", "{Cta}",
    ],
    descriptions: [
      "Most insurance accepted", "Walk-ins welcome", "Evening and weekend hours", "{Cta}",
    ],
    urlPaths: ["book", "appointments", "locations", "services", "patients"],
    tld: "com",
    age: [0, 10, 20, 20, 18, 17, 15],
    femaleShare: 0.63,
    spend: 60,
    scope: [0.7, 0.25, 0.05],
  },
  {
    name: "retirement",
    weight: 6,
    kinds: [
      {
        label: "Medicare Advisors",
        subjects: [
          "Medicare Advantage plans", "Medicare supplement coverage", "Part D drug plans",
          "dental and vision benefits",
        ],
      },
      {
        label: "Retirement Planning",
        subjects: [
          "your retirement income", "Social Security timing", "required minimum distributions",
          "annuity options",
        ],
      },
      {
        label: "Senior Living",
        subjects: [
          "assisted living", "independent living", "memory care", "long-term care options",
        ],
      },
      {
        label: "Estate Planning",
        subjects: [
          "estate planning", "living trusts", "wills and powers of attorney",
          "protecting your legacy",
        ],
      },
    ],
    pageNames: [
      "{surname} {kind}", "{place} {kind}", "{tree} Creek {kind}", "{state} {kind} Group",
      "Golden Years {kind}",
    ],
    bylines: ["{org}", "{org}", "{org} LLC"],
    adj: ["free", "no-obligation", "licensed", "independent", "personalized", "local"],
    noun: ["consultation", "review", "plan comparison", "workshop", "seminar", "second opinion"],
    verb: ["compare", "review", "protect", "make the most of", "understand"],
    people: [
      "seniors", "retirees", "people turning 65", "couples nearing retirement", "veterans",
      "widows and widowers",
    ],
    num: ["5", "10", "15", "20", "30"],
    ctas: [
      "call a licensed agent", "request your free guide", "reserve your seat",
      "schedule a free review", "compare plans now",
    ],
    whens: [
      "before open enrollment ends", "by December 7", "this month", "before your 65th birthday",
      "this week",
    ],
    sentences: [
      "Turning 65 soon? Questions about {subject} can be confusing, but you don't have to sort them out alone.",
      "Our {adj} advisors help {people} in {place} {verb} {subject}.",
      "Join us for a free seminar on {subject} at a library in {place}.",
      "Many {people} are leaving money on the table when it comes to {subject}.", "{cta} {when}.",
      "There is never any cost or obligation for a {adj} {noun}.",
      "In just {num} minutes we can {verb} your options side by side.",
      "{org} has helped {people} across {state} for over {num} years.",
      "Plans and benefits change every year, so it pays to {verb} {subject} {when}.",
      "Protect the nest egg you worked so hard to build.", "Space is limited, so {cta} {when}.",
      "Our {adj} team explains {subject} in plain English.",
    ],
    titles: [
      "Free {Subject} Guide", "Compare Plans in Minutes", "Reserve Your Seat", "Turning 65?",
      "{Cta}",
    ],
    descriptions: ["No cost, no obligation", "Licensed local agents", "Seats are limited", "{Cta}"],
    urlPaths: ["guide", "compare", "seminar", "contact", "medicare"],
    tld: "com",
    age: [0, 1, 2, 4, 10, 33, 50],
    femaleShare: 0.56,
    spend: 90,
    scope: [0.35, 0.4, 0.25],
  },
  {
    name: "retail",
    weight: 8,
    kinds: [
      {
        label: "Bakery",
        subjects: ["fresh sourdough", "cinnamon rolls", "custom birthday cakes", "seasonal pies"],
      },
      {
        label: "Coffee Roasters",
        subjects: ["single-origin coffee", "cold brew", "espresso blends", "holiday roasts"],
      },
      { label: "Boutique", subjects: ["spring dresses", "handmade jewelry", "denim", "gift sets"] },
      {
        label: "Hardware",
        subjects: ["power tools", "paint supplies", "patio grills", "snow blowers"],
      },
      {
        label: "Garden Center",
        subjects: ["perennials", "vegetable starts", "fruit trees", "potting soil"],
      },
      { label: "Bike Shop", subjects: ["e-bikes", "bike tune-ups", "kids' bikes", "trail gear"] },
      {
        label: "Furniture",
        subjects: ["solid wood tables", "sectional sofas", "mattresses", "outdoor furniture"],
      },
      {
        label: "Pet Supply",
        subjects: ["grain-free dog food", "cat trees", "pet grooming", "aquarium supplies"],
      },
    ],
    pageNames: [
      "{street} Street {kind}", "{surname}'s {kind}", "{place} {kind}", "The {tree} {kind}",
      "{surname} & Sons {kind}",
    ],
    bylines: ["{org}", "{org} LLC", "{org}, Inc."],
    adj: ["fresh", "handmade", "locally made", "limited-edition", "seasonal", "best-selling"],
    noun: ["sale", "collection", "shop", "storefront", "order", "weekend special"],
    verb: ["shop", "try", "order", "discover", "pick up"],
    people: ["customers", "neighbors", "locals", "families", "gift shoppers", "members"],
    num: ["10%", "15%", "20%", "25%", "30%"],
    ctas: ["shop now", "order online", "stop by today", "visit our store", "claim your discount"],
    whens: [
      "this weekend", "while supplies last", "through Sunday", "today only", "this holiday season",
    ],
    sentences: [
      "Save {num} on {subject} {when}.",
      "Our {adj} {subject} is back, and {people} in {place} can't get enough.",
      "Family owned and proudly serving {place} for over {num} years.",
      "{verb} {subject} online and pick it up the same day.",
      "Everything in our {noun} is chosen with care right here in {state}.", "{cta} {when}.",
      "Thank you to all the {people} who made this our best year yet.",
      "Stop by {org} and see the {adj} {noun} for yourself.",
      "Supporting local businesses keeps {place} strong.",
      "Tag us in your photos and show off your {adj} {subject}.",
      "Gift cards are available in any amount.", "Members get early access to every {noun}.",
      "Free local delivery anywhere in {place}.",
    ],
    titles: [
      "{Subject} Sale", "Shop {Subject}", "Save {num} This Weekend", "New Arrivals", "{Cta}",
    ],
    descriptions: ["Free local delivery", "In stock now", "Family owned since day one", "{Cta}"],
    urlPaths: ["shop", "sale", "new-arrivals", "order", "gift-cards"],
    tld: "com",
    age: [0, 18, 26, 21, 16, 11, 8],
    femaleShare: 0.64,
    spend: 35,
    scope: [0.8, 0.15, 0.05],
  },
  {
    name: "nonprofit",
    weight: 12,
    kinds: [
      {
        label: "Food Bank",
        subjects: [
          "hunger relief", "holiday meals", "weekend backpack meals", "fresh produce for families",
        ],
      },
      {
        label: "Animal Rescue",
        subjects: [
          "pet adoptions", "foster homes", "spay and neuter services", "emergency vet care",
        ],
      },
      {
        label: "Literacy Project",
        subjects: [
          "adult literacy classes", "free tutoring", "books for kids", "summer reading programs",
        ],
      },
      {
        label: "Youth Mentoring",
        subjects: ["mentoring programs", "after-school programs", "summer camps", "college prep"],
      },
      {
        label: "Home Repair Fund",
        subjects: [
          "critical home repairs", "safe housing", "accessibility ramps", "winter weatherization",
        ],
      },
      {
        label: "Shelter",
        subjects: ["emergency shelter", "winter coats", "warm meals", "housing support"],
      },
    ],
    pageNames: [
      "{place} {kind}", "{state} {kind}", "Friends of the {place} {kind}",
      "Hope for {place} {kind}", "{tree} County {kind}",
    ],
    bylines: ["{org}", "{org}", "{org} Foundation"],
    adj: ["matching", "life-changing", "urgent", "generous", "year-end", "lasting"],
    noun: ["gift", "donation", "pledge", "drive", "campaign", "challenge"],
    verb: ["fund", "expand", "sustain", "provide", "keep up"],
    people: ["volunteers", "donors", "families in need", "neighbors", "children", "local kids"],
    num: ["$25", "$50", "$100", "$10", "$35"],
    ctas: [
      "donate now", "give today", "become a monthly donor", "sign up to volunteer",
      "double your gift",
    ],
    whens: [
      "before December 31", "during our spring drive", "this Giving Tuesday", "today",
      "by midnight",
    ],
    sentences: [
      "Right now, a {adj} {noun} means every {num} you give goes twice as far.",
      "Last year donors like you helped {org} provide {subject} across {place}.",
      "With your help we can {verb} {subject} for {people} in {state}.", "{cta} {when}.",
      "A gift of {num} can {verb} {subject} for a family this month.",
      "Need in {place} has never been greater.",
      "We rely on friends like you to keep our doors open.",
      "Every dollar stays right here in {state}.",
      "Thanks to {adj} supporters, we reached more {people} than ever before.",
      "Join hundreds of neighbors who give monthly to {verb} {subject}.",
      "Your {noun} is tax-deductible.",
      "Together we can make sure no one in {place} is left behind.",
      "Volunteers are the heart of {org}, and we need more hands {when}.",
    ],
    titles: ["Double Your Impact", "Give {Subject}", "Donate Today", "Volunteer With Us", "{Cta}"],
    descriptions: [
      "Your gift is tax-deductible", "Every dollar stays local", "Matching gift active", "{Cta}",
    ],
    urlPaths: ["donate", "give", "volunteer", "match", "support"],
    tld: "org",
    age: [0, 7, 14, 16, 18, 21, 24],
    femaleShare: 0.61,
    spend: 40,
    scope: [0.7, 0.2, 0.1],
  },
  {
    name: "education",
    weight: 8,
    kinds: [
      {
        label: "Community College",
        subjects: ["nursing", "welding", "business administration", "HVAC technology"],
      },
      {
        label: "Coding Academy",
        subjects: ["web development", "data analytics", "cybersecurity", "software engineering"],
      },
      {
        label: "Nursing School",
        subjects: ["nursing degrees", "LPN programs", "CNA certification", "RN to BSN programs"],
      },
      {
        label: "Charter Academy",
        subjects: ["STEM learning", "early childhood education", "college prep", "the arts"],
      },
    ],
    pageNames: ["{place} {kind}", "{state} {kind}", "{tree} Valley {kind}", "{surname} {kind}"],
    bylines: ["{org}", "{org}"],
    adj: ["flexible", "affordable", "accredited", "hands-on", "online", "evening"],
    noun: ["program", "certificate", "degree", "course", "diploma"],
    verb: ["enroll in", "explore", "study", "train in", "get started in"],
    people: [
      "students", "working adults", "parents", "veterans", "first-generation students",
      "career changers",
    ],
    num: ["8", "12", "16", "24", "10"],
    ctas: [
      "apply today", "request info", "register now", "schedule a campus tour", "talk to an advisor",
    ],
    whens: [
      "before classes start", "for the fall semester", "by August 15", "this spring", "today",
    ],
    sentences: [
      "Classes in {subject} start soon at {org}.",
      "Our {adj} {noun} lets {people} {verb} {subject} on their own schedule.",
      "Earn a {adj} {noun} in as little as {num} weeks.",
      "Financial aid and scholarships are available for {people} who qualify.", "{cta} {when}.",
      "Graduates from {place} are landing jobs across {state}.",
      "Small class sizes mean real attention from experienced instructors.",
      "It's not too late to {verb} {subject}.",
      "Visit our open house and meet faculty, current students and advisors.",
      "{people} in {place} choose {org} because it fits real life.",
      "New cohorts begin every {num} weeks.", "Your future in {subject} starts here.",
    ],
    titles: [
      "Enroll in {Subject}", "Apply Today", "Classes Start Soon", "Financial Aid Available",
      "{Cta}",
    ],
    descriptions: ["Financial aid available", "Flexible schedules", "Accredited programs", "{Cta}"],
    urlPaths: ["apply", "programs", "admissions", "visit", "financial-aid"],
    tld: "org",
    age: [0, 34, 30, 17, 10, 6, 3],
    femaleShare: 0.57,
    spend: 70,
    scope: [0.55, 0.35, 0.1],
  },
  {
    name: "energy",
    weight: 8,
    kinds: [
      {
        label: "Solar",
        subjects: ["rooftop solar", "home battery storage", "solar panels", "community solar"],
      },
      {
        label: "Power Cooperative",
        subjects: [
          "energy efficiency upgrades", "smart thermostats", "budget billing",
          "electric vehicle charging",
        ],
      },
      {
        label: "Energy Alliance",
        subjects: [
          "American natural gas", "pipeline jobs", "domestic oil production",
          "an all-of-the-above energy strategy",
        ],
      },
      {
        label: "Home Comfort",
        subjects: ["heat pumps", "home insulation", "high-efficiency furnaces", "new windows"],
      },
    ],
    pageNames: [
      "{place} {kind}", "Sunrise {kind} of {state}", "{state} {kind}", "{tree} Ridge {kind}",
      "{surname} {kind}",
    ],
    bylines: ["{org}", "{org} LLC", "{org}, Inc."],
    adj: ["clean", "reliable", "affordable", "efficient", "local", "American-made"],
    noun: ["rebate", "tax credit", "incentive", "discount"],
    verb: ["save on", "switch to", "upgrade to", "invest in", "lower costs with"],
    people: [
      "homeowners", "customers", "families", "ratepayers", "energy workers", "small businesses",
    ],
    num: ["30%", "$500", "$1,200", "20%", "$2,000"],
    ctas: [
      "get a free quote", "check your eligibility", "schedule an assessment", "learn more",
      "enroll today",
    ],
    whens: [
      "before the tax credit changes", "this summer", "before rates rise", "today", "this year",
    ],
    sentences: [
      "{people} in {place} are cutting their bills with {subject}.",
      "Save up to {num} when you {verb} {subject} {when}.",
      "A free home energy assessment from {org} takes less than an hour.",
      "Energy prices keep climbing, but with {subject} you are back in control.", "{cta} {when}.",
      "Thousands of {people} across {state} have already made the switch.",
      "Our local crews handle permits, installation and inspection.",
      "Ask about the federal {noun} before it's gone.",
      "Investing in {subject} supports good jobs for {people} right here in {state}.",
      "Keep the lights on with {adj}, {adj} power for every home.",
      "See how much you could save with {subject} in a quick estimate.",
      "No money down options are available for qualified {people}.",
    ],
    titles: [
      "Get a Free Quote", "Save With {Subject}", "Check Your Eligibility", "Lower Your Energy Bill",
      "{Cta}",
    ],
    descriptions: ["No money down", "Free estimates", "Licensed and insured", "{Cta}"],
    urlPaths: ["quote", "savings", "eligibility", "rebates", "energy"],
    tld: "com",
    age: [0, 6, 14, 19, 21, 21, 19],
    femaleShare: 0.42,
    spend: 80,
    scope: [0.4, 0.4, 0.2],
  },
  {
    name: "environment",
    weight: 8,
    kinds: [
      {
        label: "Clean Water",
        subjects: ["clean water", "our rivers and lakes", "safe drinking water", "the watershed"],
      },
      {
        label: "Public Lands",
        subjects: ["public lands", "wildlife habitat", "state parks", "old-growth forests"],
      },
      {
        label: "Clean Air",
        subjects: ["clean air", "climate action", "clean energy jobs", "wildfire prevention"],
      },
      {
        label: "Healthy Rivers",
        subjects: ["wetlands", "the shoreline", "native fish", "the river corridor"],
      },
    ],
    pageNames: [
      "Citizens for {kind}", "{state} {kind} Coalition", "{place} {kind} Project",
      "Friends of {tree} Creek", "{state} Conservation Voters", "Save {place} {kind}",
    ],
    bylines: ["{org}", "{org}", "{org} Fund"],
    adj: ["wild", "beautiful", "irreplaceable", "treasured", "healthy", "unspoiled"],
    noun: ["petition", "comment period", "public hearing", "town hall", "pledge", "letter"],
    verb: ["protect", "restore", "defend", "clean up", "preserve"],
    people: [
      "neighbors", "hunters and anglers", "families", "outdoor lovers", "scientists", "supporters",
    ],
    num: ["10,000", "5,000", "25,000", "2,500", "50,000"],
    ctas: [
      "sign the petition", "add your name", "submit a comment", "join the cleanup",
      "tell your legislators",
    ],
    whens: [
      "before the comment period closes", "this Saturday", "before the vote", "today", "by Friday",
    ],
    sentences: [
      "The fight for {subject} in {place} is heating up.",
      "Polluters want to roll back the rules that protect {subject}.",
      "{people} across {state} are speaking up to {verb} {subject}.",
      "{cta} {when} and tell decision makers to {verb} {subject}.",
      "Our {adj} rivers and forests are part of what makes {state} special.",
      "We only get one chance to {verb} these {adj} places.",
      "The {noun} is our best chance to be heard.",
      "Join {org} and {num} {people} who refuse to stay silent.",
      "Clean water should never be a partisan issue.", "Sign up for the river cleanup and bring a friend.",
      "Future generations deserve {adj} places to hike, fish and explore.",
      "Decision makers in {place} are listening, so now is the time to act.",
      "We need {num} signatures to {verb} {subject} {when}.",
    ],
    titles: [
      "Protect {Subject}", "Sign the Petition", "Speak Up for {Subject}", "Join the Cleanup",
      "{Cta}",
    ],
    descriptions: ["Add your name", "Comments close soon", "Stand up for {state}", "{Cta}"],
    urlPaths: ["petition", "act", "comment", "cleanup", "take-action"],
    tld: "org",
    age: [0, 12, 20, 17, 15, 17, 19],
    femaleShare: 0.55,
    spend: 50,
    scope: [0.4, 0.35, 0.25],
  },
  {
    name: "housing",
    weight: 5,
    kinds: [
      {
        label: "Realty",
        subjects: ["a first home", "a starter home", "a bigger home", "a home with a yard"],
      },
      {
        label: "Apartments",
        subjects: [
          "pet-friendly apartments", "two-bedroom apartments", "affordable rentals", "luxury lofts",
        ],
      },
      {
        label: "Housing Coalition",
        subjects: ["affordable housing", "tenant protections", "fair housing", "rent relief"],
      },
    ],
    pageNames: ["{surname} {kind}", "{place} {kind}", "{tree} Ridge {kind}", "{state} {kind}"],
    bylines: ["{org}", "{org} LLC"],
    adj: ["affordable", "spacious", "pet-friendly", "move-in ready", "updated", "sunny"],
    noun: ["showing", "open house", "home valuation", "consultation", "info session"],
    verb: ["find", "secure", "afford", "protect", "explore"],
    people: ["first-time buyers", "renters", "homeowners", "families", "sellers", "tenants"],
    num: ["2", "5", "10", "3"],
    ctas: [
      "schedule a showing", "get your free home valuation", "apply online", "tour today",
      "call our team",
    ],
    whens: ["this weekend", "before rates change", "this month", "today", "before spring"],
    sentences: [
      "Looking for {subject} in {place}?",
      "Our team has helped hundreds of {people} {verb} {subject} across {state}.",
      "{adj} homes are moving fast, so don't wait.",
      "Join us for a free {noun} this Saturday from 1 to 4 pm.", "{cta} {when}.",
      "Mortgage rates shift every week, and the right plan can save you thousands.",
      "Everyone in {place} deserves a safe and {adj} place to call home.",
      "Questions about {subject} are the number one thing we hear from {people}.",
      "Ask about our {adj} floor plans and move-in specials.",
      "We know the {place} market inside and out.",
      "Find out what your home is really worth in {num} minutes.",
      "Rents in {state} have climbed for years, and {people} are feeling it.",
    ],
    titles: [
      "Tour Today", "{Subject} in {place}", "What's Your Home Worth?", "Move-In Specials", "{Cta}",
    ],
    descriptions: ["Schedule a showing", "Pet friendly", "Local experts", "{Cta}"],
    urlPaths: ["listings", "tour", "apply", "home-value", "rentals"],
    tld: "com",
    age: [0, 12, 30, 24, 16, 10, 8],
    femaleShare: 0.53,
    spend: 55,
    scope: [0.75, 0.2, 0.05],
  },
  {
    name: "jobs",
    weight: 5,
    kinds: [
      {
        label: "Staffing",
        subjects: ["warehouse jobs", "forklift positions", "manufacturing jobs", "seasonal jobs"],
      },
      {
        label: "Health Careers",
        subjects: [
          "nursing jobs", "caregiver positions", "medical assistant roles", "home health aide jobs",
        ],
      },
      {
        label: "Careers",
        subjects: [
          "customer service jobs", "retail management roles", "IT support positions",
          "call center jobs",
        ],
      },
      {
        label: "Logistics",
        subjects: ["CDL driving jobs", "delivery driver positions", "dispatch roles", "dock jobs"],
      },
    ],
    pageNames: [
      "{place} {kind}", "{state} {kind} Network", "{tree} {kind}", "{surname} {kind} Partners",
    ],
    bylines: ["{org}", "{org} LLC", "{org}, Inc."],
    adj: ["full-time", "part-time", "flexible", "entry-level", "well-paid", "weekend"],
    noun: ["training program", "apprenticeship", "onboarding program", "mentorship program"],
    verb: ["apply for", "find", "land", "secure", "look into"],
    people: ["job seekers", "workers", "nurses", "drivers", "veterans", "students"],
    num: ["$18", "$21", "$24", "$27", "$19.50"],
    ctas: [
      "apply now", "join our team", "visit our job fair", "send us your resume",
      "start your application",
    ],
    whens: ["today", "this week", "before positions fill", "this Thursday", "this month"],
    sentences: [
      "Now hiring for {subject} in {place}.",
      "{adj} roles start at {num} an hour with benefits from day one.",
      "{people} across {state} are building careers with {org}.", "{cta} {when}.",
      "No experience? Our paid {noun} gets you ready in weeks.",
      "We are looking for reliable {people} for every shift.", "Ask about our {adj} {noun}.",
      "Interviews are happening on the spot at our job fair in {place}.",
      "Every worker deserves fair pay and respect on the job.",
      "{org} is growing, and we want you to grow with us.",
      "Weekly pay, flexible schedules and real room to advance.",
      "It only takes a few minutes to {verb} {subject} with us.",
    ],
    titles: [
      "Now Hiring", "{Subject} Near You", "Apply in Minutes", "Sign-On Bonus Available", "{Cta}",
    ],
    descriptions: ["Weekly pay", "Benefits from day one", "Apply in 5 minutes", "{Cta}"],
    urlPaths: ["careers", "jobs", "apply", "hiring", "openings"],
    tld: "com",
    age: [0, 27, 30, 19, 13, 8, 3],
    femaleShare: 0.45,
    spend: 50,
    scope: [0.6, 0.3, 0.1],
  },
];

// ---------------------------------------------------------------------------------------------
// Compiled sentence patterns.

/** Slots bound per campaign (same in every variant) come first, free slots after. */
const SLOT_CODES: Record<string, number> = {
  subject: 0,
  place: 1,
  state: 2,
  org: 3,
  cta: 4,
  when: 5,
  surname: 6,
  office: 7,
  adj: 8,
  noun: 9,
  verb: 10,
  people: 11,
  num: 12,
};
const FIRST_FREE_SLOT = 8;

interface Pattern {
  lits: string[];
  slots: number[];
  /** Spaces in the literal parts (for word counts without scanning rendered text). */
  litSpaces: number;
  /** Number of free slots (their fills are chosen per sentence instance). */
  free: number;
}

function compilePattern(src: string): Pattern {
  const lits: string[] = [];
  const slots: number[] = [];
  const re = /\{(\w+)\}/g;
  let last = 0;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const code = SLOT_CODES[m[1]!];
    if (code === undefined) throw new Error(`synth: unknown slot {${m[1]}} in "${src}"`);
    lits.push(src.slice(last, m.index));
    slots.push(code);
    last = m.index + m[0].length;
  }
  lits.push(src.slice(last));
  return {
    lits,
    slots,
    litSpaces: lits.reduce((a, l) => a + countSpaces(l), 0),
    free: slots.filter((s) => s >= FIRST_FREE_SLOT).length,
  };
}

interface Topic {
  spec: TopicSpec;
  patterns: Pattern[];
  closers: Pattern[];
  /** Free-slot word lists, indexed by slot code − FIRST_FREE_SLOT. */
  lists: (readonly string[])[];
  /** Spaces in each entry of `lists`. */
  listSpaces: number[][];
  ageWeights: Float64Array;
}

const COMPILED: readonly Topic[] = TOPICS.map((spec) => ({
  spec,
  patterns: spec.sentences.map(compilePattern),
  closers: CLOSERS.map(compilePattern),
  lists: [spec.adj, spec.noun, spec.verb, spec.people, spec.num],
  listSpaces: [spec.adj, spec.noun, spec.verb, spec.people, spec.num].map((l) =>
    l.map(countSpaces),
  ),
  ageWeights: Float64Array.from(spec.age),
}));

const TOPIC_CUM: Float64Array = cumulative(TOPICS.map((t) => t.weight));

function countSpaces(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 32) n++;
  return n;
}

function cumulative(ws: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ws.length);
  let acc = 0;
  for (let i = 0; i < ws.length; i++) {
    acc += ws[i]!;
    out[i] = acc;
  }
  return out;
}

/** Index of the first cumulative weight above u·total. */
function pickCum(cum: Float64Array, u: number): number {
  const target = u * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

const SMALL_WORDS = new Set(["a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to"]);

/** "the state parks" → "the State Parks" ("The State Parks" at the start of a title). */
function titleCase(s: string, atStart: boolean): string {
  return s
    .split(" ")
    .map((w, i) => ((i > 0 || !atStart) && SMALL_WORDS.has(w) ? w : capitalize(w)))
    .join(" ");
}

interface FillPattern {
  lits: string[];
  keys: string[];
  title: boolean[];
}
const FILL_CACHE = new Map<string, FillPattern>();
const TITLE_CACHE = new Map<string, string>();

/** Fills "{name}" placeholders from `vars`; "{Name}" gives the value in title case. */
function fill(pattern: string, vars: Record<string, string>): string {
  let fp = FILL_CACHE.get(pattern);
  if (fp === undefined) {
    const parts = pattern.split(/\{(\w+)\}/);
    fp = { lits: [], keys: [], title: [] };
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i % 2 === 0) fp.lits.push(part);
      else {
        fp.keys.push(part.toLowerCase());
        fp.title.push(part[0] !== part[0]!.toLowerCase());
      }
    }
    FILL_CACHE.set(pattern, fp);
  }
  let out = fp.lits[0]!;
  for (let i = 0; i < fp.keys.length; i++) {
    let v = vars[fp.keys[i]!];
    if (v === undefined) throw new Error(`synth: no value for {${fp.keys[i]}} in "${pattern}"`);
    if (fp.title[i]) {
      const atStart = i === 0 && fp.lits[0] === "";
      const key = atStart ? `^${v}` : v;
      let t = TITLE_CACHE.get(key);
      if (t === undefined) {
        t = titleCase(v, atStart);
        if (TITLE_CACHE.size < 10_000) TITLE_CACHE.set(key, t);
      }
      v = t;
    }
    out += v + fp.lits[i + 1]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Geography.

const N_STATES = STATE_POPULATION_2020.length;
/** State names as the API writes them (DC as "Washington, District of Columbia"). */
const API_STATE_NAMES: readonly string[] = STATE_POPULATION_2020.map((s) =>
  s.state === "District of Columbia" ? "Washington, District of Columbia" : s.state,
);
const STATE_POP = Float64Array.from(STATE_POPULATION_2020.map((s) => s.population));
const STATE_POP_CUM = cumulative(STATE_POPULATION_2020.map((s) => s.population));
const STATE_REGION = Int8Array.from(
  STATE_POPULATION_2020.map((s) => CENSUS_REGIONS.indexOf(s.region)),
);
const REGION_STATES: readonly number[][] = CENSUS_REGIONS.map((_r, ri) =>
  STATE_POPULATION_2020.flatMap((_s, i) => (STATE_REGION[i] === ri ? [i] : [])),
);
const EXTRA_REGIONS = ["Unknown", "Puerto Rico", "Guam", "US Virgin Islands", "San Juan"] as const;

// ---------------------------------------------------------------------------------------------
// Buckets and number formats.

const D3: readonly string[] = Array.from({ length: 1000 }, (_v, i) => String(i).padStart(3, "0"));
const T3: readonly string[] = D3.map((s) => s.replace(/0+$/, ""));

/**
 * A share as the API writes it: at most 6 decimals, trailing zeros dropped ("0.0625", "1"),
 * and values below 1e-4 in Java-style scientific notation ("5.3E-5").
 */
export function formatShare(p: number): string {
  if (!(p > 0)) return "0";
  if (p >= 0.9999995) return "1";
  if (p < 9.95e-5) {
    let e = Math.floor(Math.log10(p));
    let r = Math.round((p / 10 ** e) * 10);
    if (r >= 100) {
      r = 10;
      e += 1;
    }
    if (e >= -4) return "1.0E-4";
    return `${(r / 10) | 0}.${r % 10}E${e}`;
  }
  const m = Math.round(p * 1e6);
  const hi = (m / 1000) | 0;
  const lo = m - hi * 1000;
  return lo === 0 ? `0.${T3[hi]}` : `0.${D3[hi]}${T3[lo]}`;
}

function range(lower: number, upper: number | null): SynthRange {
  return upper === null
    ? { lower_bound: String(lower) }
    : { lower_bound: String(lower), upper_bound: String(upper) };
}

/** Spend buckets: 0-99 … 900-999, 1000-1499 … 9500-9999, 10000-14999 …, 100000-149999 …, 1000000+. */
export function spendBucket(usd: number): SynthRange {
  const v = Math.floor(usd);
  if (v >= 1_000_000) return range(1_000_000, null);
  const step = v < 1000 ? 100 : v < 10_000 ? 500 : v < 100_000 ? 5000 : 50_000;
  const lo = v - (v % step);
  return range(lo, lo + step - 1);
}

/** Impression buckets: 0-999, 1000-4999, 5000-9999, 10000-14999 …, 100000-149999 …, 1000000+. */
export function impressionsBucket(n: number): SynthRange {
  const v = Math.floor(n);
  if (v >= 1_000_000) return range(1_000_000, null);
  if (v < 1000) return range(0, 999);
  if (v < 5000) return range(1000, 4999);
  const step = v < 100_000 ? 5000 : 50_000;
  const lo = v - (v % step);
  return range(lo, lo + step - 1);
}

const AUDIENCE_LOWERS = [1000, 5001, 10_001, 50_001, 100_001, 500_001, 1_000_001] as const;

/** Audience buckets: 1000-5000, 5001-10000, 10001-50000, …, 500001-1000000, 1000001+. */
export function audienceBucket(n: number): SynthRange {
  for (let i = AUDIENCE_LOWERS.length - 1; i >= 0; i--) {
    if (n >= AUDIENCE_LOWERS[i]! || i === 0) {
      const next = AUDIENCE_LOWERS[i + 1];
      return range(AUDIENCE_LOWERS[i]!, next === undefined ? null : next - 1);
    }
  }
  return range(1000, 5000);
}

// ---------------------------------------------------------------------------------------------
// Dates.

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2019, 0, 1);
const END_MS = Date.UTC(2024, 11, 31, 23, 59, 59);
const ELECTIONS_MS = [
  Date.UTC(2019, 10, 5),
  Date.UTC(2020, 10, 3),
  Date.UTC(2021, 10, 2),
  Date.UTC(2022, 10, 8),
  Date.UTC(2023, 10, 7),
  Date.UTC(2024, 10, 5),
];

/** "2021-03-22T14:05:11+0000". */
const P2: readonly string[] = Array.from({ length: 100 }, (_v, i) => String(i).padStart(2, "0"));
const FIRST_DAY = Math.floor(START_MS / DAY_MS);
/** "YYYY-MM-DDT" of every day from START_MS to END_MS (formatting dates is a hot path). */
const DAY_PREFIX: readonly string[] = Array.from(
  { length: Math.floor(END_MS / DAY_MS) - FIRST_DAY + 1 },
  (_v, i) => new Date((FIRST_DAY + i) * DAY_MS).toISOString().slice(0, 11),
);

/** "2021-03-22T14:05:11+0000" for a whole-second time in [START_MS, END_MS]. */
export function apiTime(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const day = Math.floor(secs / 86_400);
  let rem = secs - day * 86_400;
  const h = (rem / 3600) | 0;
  rem -= h * 3600;
  const m = (rem / 60) | 0;
  const prefix = DAY_PREFIX[day - FIRST_DAY];
  if (prefix === undefined) return `${new Date(secs * 1000).toISOString().slice(0, 19)}+0000`;
  return `${prefix}${P2[h]}:${P2[m]}:${P2[rem - m * 60]}+0000`;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

// ---------------------------------------------------------------------------------------------
// Advertisers and campaign templates.

interface Sentence {
  pat: Pattern;
  fills: number[];
  text: string;
  words: number;
}

interface Template {
  /** Bound slot values, indexed by slot code (< FIRST_FREE_SLOT). */
  bind: string[];
  sentences: Sentence[];
  body: string;
  title: string;
  description: string;
  startMs: number;
  spanMs: number;
  /** No ad of this campaign runs past this (election day for election campaigns). */
  hardEndMs: number;
}

const PLATFORM_SETS: readonly (readonly string[])[] = [
  ["facebook", "instagram"],
  ["facebook"],
  ["facebook", "instagram", "messenger"],
  ["facebook", "instagram", "audience_network", "messenger"],
  ["instagram"],
  ["facebook", "audience_network"],
];
const PLATFORM_CUM = cumulative([45, 30, 10, 9, 4, 2]);

interface Advertiser {
  index: number;
  count: number;
  topic: Topic;
  kind: Kind;
  pageId: string;
  name: string;
  byline: string;
  domain: string;
  home: number;
  homeRegion: number;
  place: string;
  surname: string;
  office: string;
  /** Per-state delivery weight (population share × home boosts × advertiser noise). */
  stateW: Float64Array;
  stateCum: Float64Array;
  /** Cumulative probabilities of ad-level targeting modes: home, region, custom, national. */
  modeCum: Float64Array;
  ageW: Float64Array;
  female: number;
  unknownGender: number;
  spendMu: number;
  platforms: number;
  bilingual: boolean;
  /** Sparse: filled by `templateOf`. */
  templates: (Template | undefined)[];
  tmplCum: Float64Array;
  activeStart: number;
  activeEnd: number;
  rng: Rng;
}

/** Default advertiser count for a number of ads: about one page per 12 ads. */
export function defaultAdvertiserCount(ads: number): number {
  return Math.max(1, Math.min(ads, Math.round(ads / 12)));
}

/** The number of advertisers a config yields (each gets at least one ad). */
export function advertiserCount(cfg: SynthConfig): number {
  validateConfig(cfg);
  if (cfg.ads === 0) return 0;
  return Math.min(cfg.ads, cfg.advertisers ?? defaultAdvertiserCount(cfg.ads));
}

function validateConfig(cfg: SynthConfig): void {
  if (!Number.isSafeInteger(cfg.ads) || cfg.ads < 0) {
    throw new RangeError(`synth: ads must be a non-negative integer, got ${cfg.ads}`);
  }
  if (!Number.isSafeInteger(cfg.seed)) {
    throw new RangeError(`synth: seed must be a safe integer, got ${cfg.seed}`);
  }
  if (
    cfg.advertisers !== undefined &&
    (!Number.isSafeInteger(cfg.advertisers) || cfg.advertisers < 1)
  ) {
    throw new RangeError(`synth: advertisers must be a positive integer, got ${cfg.advertisers}`);
  }
}

/**
 * Ad counts per advertiser: Zipf (s = 1) by a random rank with log-normal jitter, at least 1 each,
 * summing to `ads` exactly. A few pages get thousands of ads, most get 1–5.
 */
function allocateCounts(ads: number, k: number, rng: Rng): Int32Array {
  const w = new Float64Array(k);
  let total = 0;
  for (let r = 0; r < k; r++) {
    const x = Math.exp(0.35 * rng.gauss()) / (r + 1);
    w[r] = x;
    total += x;
  }
  const counts = new Int32Array(k);
  const rest = ads - k;
  let assigned = 0;
  for (let r = 0; r < k; r++) {
    const c = Math.floor((rest * w[r]!) / total);
    counts[r] = 1 + c;
    assigned += c;
  }
  for (let left = rest - assigned; left > 0; left--) counts[rng.int(k)]!++;
  // Shuffle so big and small advertisers are spread through the output.
  for (let i = k - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = counts[i]!;
    counts[i] = counts[j]!;
    counts[j] = t;
  }
  return counts;
}

function makePlace(rng: Rng): string {
  return rng.pick(PLACE_STEMS) + rng.pick(PLACE_SUFFIXES);
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]/g, "");
}

/** Word count of the sentence `renderSentence` rendered last (saves rescanning the text). */
let renderedWords = 0;

function renderSentence(pat: Pattern, fills: number[], bind: string[], topic: Topic): string {
  let s = pat.lits[0]!;
  let f = 0;
  let spaces = pat.litSpaces;
  for (let i = 0; i < pat.slots.length; i++) {
    const code = pat.slots[i]!;
    let v: string;
    if (code < FIRST_FREE_SLOT) {
      v = bind[code]!;
      spaces += countSpaces(v);
    } else {
      const k = code - FIRST_FREE_SLOT;
      const j = fills[f++]!;
      v = topic.lists[k]![j]!;
      spaces += topic.listSpaces[k]![j]!;
    }
    s += i === 0 && s === "" ? capitalize(v) : v;
    s += pat.lits[i + 1]!;
  }
  renderedWords = spaces + 1;
  return s;
}

function newSentence(pat: Pattern, bind: string[], topic: Topic, rng: Rng): Sentence {
  const fills: number[] = [];
  let f = 0;
  for (const code of pat.slots) {
    if (code >= FIRST_FREE_SLOT) {
      fills[f++] = rng.int(topic.lists[code - FIRST_FREE_SLOT]!.length);
    }
  }
  const text = renderSentence(pat, fills, bind, topic);
  return { pat, fills, text, words: renderedWords };
}

function joinSentences(ss: readonly Sentence[]): string {
  let s = ss[0]!.text;
  for (let i = 1; i < ss.length; i++) s += ` ${ss[i]!.text}`;
  return s;
}

function makeTemplate(adv: Advertiser, rng: Rng, activeStart: number, activeEnd: number): Template {
  const topic = adv.topic;
  const spec = topic.spec;
  const subject = rng.pick(adv.kind.subjects);
  const bind: string[] = [
    subject,
    rng.chance(0.7) ? adv.place : STATE_POPULATION_2020[adv.home]!.state,
    STATE_POPULATION_2020[adv.home]!.state,
    adv.name,
    rng.pick(spec.ctas),
    rng.pick(spec.whens),
    adv.surname,
    adv.office,
  ];
  // Body of 30–80 words: distinct patterns until the target length, one closer sometimes.
  const target = 30 + Math.floor(50 * rng.float() ** 1.3);
  const order = Array.from({ length: topic.patterns.length }, (_v, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const sentences: Sentence[] = [];
  let words = 0;
  for (const pi of order) {
    const s = newSentence(topic.patterns[pi]!, bind, topic, rng);
    if (words + s.words > 80 && words >= 30) continue;
    sentences.push(s);
    words += s.words;
    if (words >= target) break;
  }
  if (words < 76 && rng.chance(0.35)) {
    sentences.push(newSentence(rng.pick(topic.closers), bind, topic, rng));
  }
  const vars: Record<string, string> = {
    subject,
    place: bind[1]!,
    state: bind[2]!,
    org: adv.name,
    cta: bind[4]!,
    surname: adv.surname,
    office: adv.office,
    num: rng.pick(spec.num),
  };
  let startMs: number;
  let spanMs: number;
  let hardEndMs = END_MS;
  const election = spec.name === "politics" && rng.chance(0.65);
  if (election) {
    const anchor = activeStart + rng.float() * (activeEnd - activeStart);
    const eday = ELECTIONS_MS.find((e) => e >= anchor) ?? ELECTIONS_MS[ELECTIONS_MS.length - 1]!;
    const lead = (7 + 110 * rng.float() ** 2) * DAY_MS;
    startMs = Math.max(START_MS, eday - lead);
    hardEndMs = eday + DAY_MS;
    spanMs = Math.max(DAY_MS, eday - startMs - 2 * DAY_MS);
  } else {
    startMs = activeStart + rng.float() * Math.max(0, activeEnd - activeStart);
    spanMs = Math.exp(Math.log(21) + 0.9 * rng.gauss()) * DAY_MS;
    spanMs = Math.min(spanMs, 365 * DAY_MS);
  }
  return {
    bind,
    sentences,
    body: joinSentences(sentences),
    title: fill(rng.pick(spec.titles), vars),
    description: fill(rng.pick(spec.descriptions), vars),
    startMs,
    spanMs,
    hardEndMs,
  };
}

function makeAdvertiser(
  seed: number,
  index: number,
  count: number,
  usedNames: Set<string>,
): Advertiser {
  const rng = new Rng(seed, 0x5eed0000 + index);
  const topic = COMPILED[pickCum(TOPIC_CUM, rng.float())]!;
  const spec = topic.spec;
  const kind = rng.pick(spec.kinds);
  const home = pickCum(STATE_POP_CUM, rng.float());
  const homeRegion = STATE_REGION[home]!;
  const place = makePlace(rng);
  const first = rng.pick(FIRST_NAMES);
  const surname = rng.pick(SURNAMES);
  const office = rng.pick(OFFICES);
  const stateName = STATE_POPULATION_2020[home]!.state;
  const nameVars = {
    kind: kind.label,
    place,
    state: stateName,
    first,
    surname,
    office,
    tree: rng.pick(TREES),
    street: rng.pick(TREES),
  };
  // Page names are mostly unique, as on Facebook: a few tries, then a place-name qualifier.
  let name = fill(rng.pick(spec.pageNames), nameVars);
  for (let t = 0; t < 3 && usedNames.has(name); t++) {
    name = fill(rng.pick(spec.pageNames), nameVars);
  }
  if (usedNames.has(name)) name = `${name} of ${makePlace(rng)}`;
  usedNames.add(name);
  const byline = fill(rng.pick(spec.bylines), { org: name });
  const domain = `${slug(name).slice(0, 40)}.${spec.tld}`;

  // Delivery weights: population share, boosted at home and in the home Census region.
  const homeBoost = 3 + 25 * rng.float() ** 2;
  const regionBoost = 1.3 + 1.7 * rng.float();
  const stateW = new Float64Array(N_STATES);
  for (let s = 0; s < N_STATES; s++) {
    let w = STATE_POP[s]! * Math.exp(0.3 * rng.gauss());
    if (STATE_REGION[s] === homeRegion) w *= regionBoost;
    if (s === home) w *= homeBoost;
    stateW[s] = w;
  }
  const stateCum = cumulative(stateW);

  // Targeting modes by reach scope: home state, home region, custom list, national.
  const scope = pickCum(cumulative(spec.scope), rng.float());
  const modeCum = cumulative(
    scope === 0
      ? [0.5, 0.2, 0.18, 0.12]
      : scope === 1
        ? [0.15, 0.45, 0.2, 0.2]
        : [0.06, 0.06, 0.2, 0.68],
  );

  const ageW = new Float64Array(7);
  for (let a = 0; a < 7; a++) ageW[a] = topic.ageWeights[a]! * Math.exp(0.25 * rng.gauss());
  const female = clamp(spec.femaleShare + 0.06 * rng.gauss(), 0.15, 0.85);

  const adv: Advertiser = {
    index,
    count,
    topic,
    kind,
    pageId: String(100_000_000_000_000 + feistel(index, 22, hashInts(seed, 0xface))),
    name,
    byline,
    domain,
    home,
    homeRegion,
    place,
    surname,
    office,
    stateW,
    stateCum,
    modeCum,
    ageW,
    female,
    unknownGender: 0.004 + 0.025 * rng.float(),
    spendMu: Math.log(spec.spend) + 0.7 * rng.gauss() + 0.12 * Math.log(count),
    platforms: pickCum(PLATFORM_CUM, rng.float()),
    bilingual: rng.chance(0.04),
    templates: [],
    tmplCum: new Float64Array(0),
    activeStart: START_MS,
    activeEnd: END_MS,
    rng,
  };

  // Active period, then campaigns: about one per 12 ads, so variants of a template are many
  // but bodies rarely collide by chance.
  const activeSpan = Math.min(
    END_MS - START_MS,
    Math.exp(Math.log(300) + 1.1 * rng.gauss()) * DAY_MS,
  );
  const activeStart =
    START_MS + rng.float() * (END_MS - START_MS - Math.min(activeSpan, 30 * DAY_MS));
  const activeEnd = Math.min(END_MS - DAY_MS, activeStart + activeSpan);
  const nTemplates = Math.max(1, Math.min(count, Math.round(count / 12 + rng.float() * 2)));
  const tw: number[] = [];
  for (let t = 0; t < nTemplates; t++) tw.push(Math.exp(0.8 * rng.gauss()));
  adv.tmplCum = cumulative(tw);
  adv.activeStart = activeStart;
  adv.activeEnd = activeEnd;
  return adv;
}

/** Campaign templates are made on first use, from the advertiser's own random stream. */
function templateOf(adv: Advertiser, rng: Rng): Template {
  const i = pickCum(adv.tmplCum, rng.float());
  let t = adv.templates[i];
  if (t === undefined) {
    t = makeTemplate(adv, adv.rng, adv.activeStart, adv.activeEnd);
    adv.templates[i] = t;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Per-ad generation.

interface Scratch {
  w: Float64Array;
  counts: Int32Array;
  mark: Uint8Array;
  demo: Int32Array;
}

/** Words of light edits: a different fill for one free slot, or punctuation, or a closer. */
function lightEdit(tmpl: Template, topic: Topic, rng: Rng): Sentence[] {
  const ss = tmpl.sentences.slice();
  const roll = rng.float();
  const ops = roll < 0.35 ? 1 : roll < 0.75 ? 2 : 3;
  for (let o = 0; o < ops; o++) {
    const i = rng.int(ss.length);
    const s = ss[i]!;
    const r = rng.float();
    if (r < 0.5 && s.pat.free > 0) {
      // Another word for one free slot ("urgent" → "critical").
      const fills = s.fills.slice();
      let f = 0;
      let which = rng.int(s.pat.free);
      for (const code of s.pat.slots) {
        if (code < FIRST_FREE_SLOT) continue;
        if (which-- === 0) {
          const n = topic.lists[code - FIRST_FREE_SLOT]!.length;
          fills[f] = (fills[f]! + 1 + rng.int(n - 1)) % n;
          break;
        }
        f++;
      }
      const text = renderSentence(s.pat, fills, tmpl.bind, topic);
      ss[i] = { pat: s.pat, fills, text, words: s.words };
    } else if (r < 0.64) {
      // Another call to action or deadline, everywhere the campaign uses it.
      const code = rng.chance(0.5) ? 4 : 5;
      const bind = tmpl.bind.slice();
      bind[code] = rng.pick(code === 4 ? topic.spec.ctas : topic.spec.whens);
      for (let k = 0; k < ss.length; k++) {
        const t = ss[k]!;
        if (t.pat.slots.includes(code)) {
          ss[k] = {
            pat: t.pat,
            fills: t.fills,
            text: renderSentence(t.pat, t.fills, bind, topic),
            words: t.words,
          };
        }
      }
    } else if (r < 0.76) {
      const last = s.text[s.text.length - 1];
      const text =
        last === "."
          ? `${s.text.slice(0, -1)}!`
          : last === "!"
            ? `${s.text.slice(0, -1)}.`
            : `${s.text}!`;
      ss[i] = { pat: s.pat, fills: s.fills, text, words: s.words };
    } else if (r < 0.9 || ss.length < 3) {
      ss.splice(
        rng.int(ss.length + 1),
        0,
        newSentence(rng.pick(topic.closers), tmpl.bind, topic, rng),
      );
    } else if (totalWords(ss) - s.words >= 30) {
      ss.splice(i, 1);
    }
  }
  return ss;
}

function totalWords(ss: readonly Sentence[]): number {
  let n = 0;
  for (const s of ss) n += s.words;
  return n;
}

/** Adds sentences from unused patterns until the body has at least 30 words. */
function topUp(ss: Sentence[], tmpl: Template, topic: Topic, rng: Rng): Sentence[] {
  let n = totalWords(ss);
  for (let k = 0; n < 30 && k < topic.patterns.length; k++) {
    const pat = topic.patterns[(k + rng.int(topic.patterns.length)) % topic.patterns.length]!;
    if (ss.some((x) => x.pat === pat)) continue;
    const s = newSentence(pat, tmpl.bind, topic, rng);
    ss.push(s);
    n += s.words;
  }
  return ss;
}

/**
 * A rewrite: sentences re-rendered from other patterns (same campaign subject, place and call to
 * action) until at least ~16 words are new, and usually some kept sentences moved. The result
 * stays on topic and shares most vocabulary, but a word-level edit distance above 15.
 */
function rewrite(tmpl: Template, topic: Topic, rng: Rng): Sentence[] {
  const ss = tmpl.sentences.slice();
  const used: Pattern[] = [];
  for (const s of ss) used.push(s.pat);
  const need = 16 + rng.int(12);
  let changed = 0;
  for (let tries = 0; tries < ss.length * 2 && changed < need; tries++) {
    const i = rng.int(ss.length);
    let pat = rng.pick(topic.patterns);
    for (let k = 0; k < 4 && used.includes(pat); k++) pat = rng.pick(topic.patterns);
    used.push(pat);
    const old = ss[i]!;
    const s = newSentence(pat, tmpl.bind, topic, rng);
    if (s.text === old.text) continue;
    changed += Math.max(old.words, s.words);
    ss[i] = s;
  }
  if (ss.length >= 3 && (changed < need || rng.chance(0.6))) {
    // Move one sentence to another position.
    const from = rng.int(ss.length);
    const moved = ss.splice(from, 1)[0]!;
    let to = rng.int(ss.length + 1);
    if (to === from) to = from === 0 ? ss.length : 0;
    ss.splice(to, 0, moved);
  }
  return topUp(ss, tmpl, topic, rng);
}

function makeBody(adv: Advertiser, tmpl: Template, rng: Rng): string {
  const r = rng.float();
  let body: string;
  if (r < 0.025) body = tmpl.body;
  else if (r < 0.68) body = joinSentences(lightEdit(tmpl, adv.topic, rng));
  else body = joinSentences(rewrite(tmpl, adv.topic, rng));
  if (rng.chance(0.01)) {
    const path = rng.pick(adv.topic.spec.urlPaths);
    body += rng.chance(0.5)
      ? ` Learn more at https://www.${adv.domain}/${path}`
      : ` Visit www.${adv.domain}/${path} to ${tmpl.bind[4]}.`;
  }
  if (rng.chance(0.04)) body += rng.pick(EMOJI);
  return body;
}

/** Fills `sc.counts` with simulated reach per state; returns the sum. */
function regionCounts(adv: Advertiser, n: number, rng: Rng, sc: Scratch): number {
  const { w, counts, mark } = sc;
  mark.fill(0);
  const mode = pickCum(adv.modeCum, rng.float());
  if (mode === 0) {
    mark[adv.home] = 1;
    const extra = rng.chance(0.3) ? 1 + rng.int(3) : 0;
    const region = REGION_STATES[adv.homeRegion]!;
    for (let e = 0; e < extra; e++) mark[rng.pick(region)] = 1;
  } else if (mode === 1) {
    for (const s of REGION_STATES[adv.homeRegion]!) mark[s] = 1;
    if (rng.chance(0.3)) mark[pickCum(adv.stateCum, rng.float())] = 1;
  } else if (mode === 2) {
    mark[adv.home] = 1;
    const k = 2 + Math.floor(30 * rng.float() ** 2);
    for (let e = 0; e < k; e++) mark[pickCum(adv.stateCum, rng.float())] = 1;
  } else {
    mark.fill(1);
  }
  let total = 0;
  for (let s = 0; s < N_STATES; s++) {
    if (mark[s] === 1) {
      const x = adv.stateW[s]! * (0.7 + 0.6 * rng.float());
      w[s] = x;
      total += x;
    } else w[s] = 0;
  }
  let sum = 0;
  const scale = n / total;
  for (let s = 0; s < N_STATES; s++) {
    const c = w[s] === 0 ? 0 : rng.poisson(w[s]! * scale);
    counts[s] = c;
    sum += c;
  }
  if (sum === 0) {
    counts[adv.home] = mark[adv.home] === 1 ? 1 : 0;
    if (counts[adv.home] === 0) {
      for (let s = 0; s < N_STATES; s++) if (mark[s] === 1) counts[s] = 1;
    }
    for (let s = 0; s < N_STATES; s++) sum += counts[s]!;
  }
  return sum;
}

function deliveryByRegion(adv: Advertiser, n: number, rng: Rng, sc: Scratch): SynthRegion[] {
  let sum = regionCounts(adv, n, rng, sc);
  const counts = sc.counts;
  let extraName: string | null = null;
  let extraCount = 0;
  if (rng.chance(0.025)) {
    extraName = rng.pick(EXTRA_REGIONS);
    extraCount = 1 + rng.poisson(n * 0.0004);
    sum += extraCount;
  }
  let dup = -1;
  if (rng.chance(0.001)) {
    for (let s = 0; s < N_STATES; s++) if (counts[s]! >= 2) dup = s;
  }
  const out: SynthRegion[] = [];
  const reverse = rng.chance(0.4);
  for (let k = 0; k < N_STATES; k++) {
    const s = reverse ? N_STATES - 1 - k : k;
    const c = counts[s]!;
    if (c === 0) continue;
    if (s === dup) {
      const a = c >> 1;
      out.push({ percentage: formatShare(a / sum), region: API_STATE_NAMES[s]! });
      out.push({ percentage: formatShare((c - a) / sum), region: API_STATE_NAMES[s]! });
    } else {
      out.push({ percentage: formatShare(c / sum), region: API_STATE_NAMES[s]! });
    }
  }
  if (extraName !== null)
    out.push({ percentage: formatShare(extraCount / sum), region: extraName });
  return out;
}

const GENDER_NAMES = ["female", "male", "unknown"] as const;

function demographics(adv: Advertiser, n: number, rng: Rng, sc: Scratch): SynthDemographic[] {
  const demo = sc.demo;
  const teen = rng.chance(0.004) ? 0.02 + 0.05 * rng.float() : 0;
  const gw0 = adv.female * (1 - adv.unknownGender);
  const gw1 = (1 - adv.female) * (1 - adv.unknownGender);
  const gw2 = adv.unknownGender;
  let ageTotal = teen;
  for (let a = 1; a < 7; a++) ageTotal += adv.ageW[a]!;
  let sum = 0;
  for (let a = 0; a < 7; a++) {
    const aw = (a === 0 ? teen : adv.ageW[a]!) / ageTotal;
    for (let g = 0; g < 3; g++) {
      const gw = g === 0 ? gw0 : g === 1 ? gw1 : gw2;
      const lambda = n * aw * gw * (0.8 + 0.4 * rng.float());
      const c = lambda === 0 ? 0 : rng.poisson(lambda);
      demo[a * 3 + g] = c;
      sum += c;
    }
  }
  if (sum === 0) {
    demo[4 * 3 + (adv.female >= 0.5 ? 0 : 1)] = 1;
    sum = 1;
  }
  const out: SynthDemographic[] = [];
  const start = rng.int(21);
  for (let k = 0; k < 21; k++) {
    const cell = (start + k) % 21;
    const c = demo[cell]!;
    if (c === 0) continue;
    out.push({
      percentage: formatShare(c / sum),
      age: AGE_GROUPS[(cell / 3) | 0]!,
      gender: GENDER_NAMES[cell % 3]!,
    });
  }
  return out;
}

function makeAd(
  adv: Advertiser,
  adIndex: number,
  idKey: number,
  rng: Rng,
  sc: Scratch,
): SynthAdRecord {
  const tmpl = templateOf(adv, rng);
  const spec = adv.topic.spec;
  const id = idString(1_000_000_000_000_000 + feistel(adIndex, 26, idKey));

  let body = makeBody(adv, tmpl, rng);
  const bilingual = adv.bilingual && rng.chance(0.5);
  if (bilingual) body += ` ${rng.pick(SPANISH_LINES)}`;
  const bodies = [body];
  if (rng.chance(0.03)) bodies.push(joinSentences(lightEdit(tmpl, adv.topic, rng)));

  // Dates.
  let start = tmpl.startMs + rng.float() * tmpl.spanMs;
  start = Math.floor(clamp(start, START_MS, END_MS - 3_600_000) / 1000) * 1000;
  const created = Math.max(
    START_MS,
    start - Math.floor((rng.float() ** 3 * 3 * DAY_MS) / 1000) * 1000,
  );
  let stop: number | null = start + Math.exp(Math.log(5) + 1.1 * rng.gauss()) * DAY_MS + 3_600_000;
  if (stop > tmpl.hardEndMs) stop = tmpl.hardEndMs - rng.int(6) * 3_600_000;
  if (rng.chance(0.3))
    stop = Math.floor(stop / DAY_MS) * DAY_MS + (rng.chance(0.5) ? 4 : 5) * 3_600_000;
  stop = Math.floor(stop / 1000) * 1000;
  if (stop <= start) stop = start + 3_600_000;
  if (stop > END_MS || rng.chance(0.006)) stop = null;

  // Money and reach.
  let spend = Math.exp(adv.spendMu + 1.3 * rng.gauss());
  if (rng.chance(0.004)) spend *= Math.exp(2 + 2 * Math.abs(rng.gauss()));
  const impressions = spend * Math.exp(Math.log(20) + Math.log(10) * rng.float()) + rng.int(40);
  const n = Math.min(5_000_000, Math.max(12, impressions));

  const regions = deliveryByRegion(adv, n, rng, sc);
  let reachPop = 0;
  for (let s = 0; s < N_STATES; s++) if (sc.mark[s] === 1) reachPop += STATE_POP[s]!;
  // Audience: the targeted adult population narrowed by interests, but never far below reach.
  const narrowed = reachPop * 0.78 * Math.exp(Math.log(0.002) + Math.log(250) * rng.float());
  const audience = Math.max(narrowed, impressions / (1.3 + 3 * rng.float()));

  const platforms = rng.chance(0.85)
    ? PLATFORM_SETS[adv.platforms]!
    : PLATFORM_SETS[pickCum(PLATFORM_CUM, rng.float())]!;
  const captionRoll = rng.float();
  const caption =
    captionRoll < 0.45
      ? adv.domain
      : captionRoll < 0.75
        ? `www.${adv.domain}`
        : captionRoll < 0.85
          ? adv.domain.toUpperCase()
          : null;

  // Built in the API's field order; the optional fields are added in their place.
  const rec = {
    id,
    page_id: adv.pageId,
    page_name: adv.name,
    ad_creative_bodies: bodies,
    ad_creative_link_captions: caption === null ? [] : [caption],
    ad_creative_link_descriptions: rng.chance(0.7) ? [tmpl.description] : [],
    ad_creative_link_titles: rng.chance(0.75) ? [tmpl.title] : [],
    ad_creation_time: apiTime(created),
    ad_delivery_start_time: apiTime(start),
  } as SynthAdRecord;
  if (stop !== null) rec.ad_delivery_stop_time = apiTime(stop);
  rec.ad_snapshot_url = `https://www.facebook.com/ads/library/?id=${id}`;
  if (spec.name === "politics" || !rng.chance(0.02)) rec.bylines = adv.byline;
  rec.currency = "USD";
  rec.estimated_audience_size = audienceBucket(audience);
  rec.impressions = impressionsBucket(impressions);
  rec.spend = spendBucket(spend);
  rec.languages = bilingual ? ["en", "es"] : ["en"];
  rec.publisher_platforms = platforms.slice();
  rec.demographic_distribution = demographics(adv, n, rng, sc);
  rec.delivery_by_region = regions;
  rec.avakit_synthetic = true;
  return rec;
}

/** Advertisers are generated a window at a time and their ads interleaved within the window. */
const WINDOW_ADS = 8192;
const WINDOW_ADVERTISERS = 256;

/**
 * Yields `cfg.ads` synthetic `ads_archive` records. Memory is bounded by one window of
 * advertisers (their templates), never by the number of ads.
 */
export function* synthesizeAds(cfg: SynthConfig): Generator<SynthAdRecord> {
  const k = advertiserCount(cfg);
  if (k === 0) return;
  const seed = cfg.seed;
  const counts = allocateCounts(cfg.ads, k, new Rng(seed, 0xc0ffee));
  const rng = new Rng(seed, 1);
  const idKey = hashInts(seed, 0x1d5);
  const sc: Scratch = {
    w: new Float64Array(N_STATES),
    counts: new Int32Array(N_STATES),
    mark: new Uint8Array(N_STATES),
    demo: new Int32Array(21),
  };
  const usedNames = new Set<string>();
  let adIndex = 0;
  let a = 0;
  while (a < k) {
    let b = a;
    let total = 0;
    while (b < k && (b === a || (total + counts[b]! <= WINDOW_ADS && b - a < WINDOW_ADVERTISERS))) {
      total += counts[b]!;
      b++;
    }
    const window: Advertiser[] = [];
    for (let i = a; i < b; i++) window.push(makeAdvertiser(seed, i, counts[i]!, usedNames));
    const labels = new Int32Array(total);
    let p = 0;
    for (let i = 0; i < window.length; i++) {
      labels.fill(i, p, p + window[i]!.count);
      p += window[i]!.count;
    }
    for (let i = total - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = labels[i]!;
      labels[i] = labels[j]!;
      labels[j] = t;
    }
    for (let i = 0; i < total; i++) {
      yield makeAd(window[labels[i]!]!, adIndex++, idKey, rng, sc);
    }
    a = b;
  }
}
