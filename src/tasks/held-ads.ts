/**
 * A page's ads held for pair mining, in columns. Pair mining needs every ad of a page at once,
 * and a huge advertiser (71,739 ads in the 1,000,000-ad synthetic set) held as `TaskAd` objects
 * took about 2.3 KB of live heap each (51-state interest and ranking arrays, ranges, shares) plus
 * the garbage V8 lets a large heap keep. Here an ad costs its strings plus about 0.6 KB of typed
 * arrays; `get` builds the `TaskAd` again, equal to the one pushed, for the few pairs examined.
 * Pure.
 */
import { AGE_GROUPS, type AgeGroup, GENDERS, type Gender, type Range } from "../core/types.js";
import { stateIndex, US_STATES } from "../signals/geography.js";
import type { ConstantFacet } from "./pairs.js";
import type { TaskAd } from "./types.js";

const STATES = US_STATES.length;
/** Numbers per ad: three ranges (lower, upper; NaN for null). */
const RANGE_NUMS = 6;
const SHARES = AGE_GROUPS.length + GENDERS.length;
/** Top states per ad at most (computeSignals keeps 3). */
const TOP = 3;

/** A Float64Array or Uint8Array with room for `n` elements (doubling), keeping its contents. */
function room<T extends Float64Array | Uint8Array | Int8Array>(a: T, n: number): T {
  if (n <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(n, a.length * 2, 64));
  b.set(a);
  return b;
}

function stateAt(name: string, adId: string): number {
  const k = stateIndex(name);
  if (k < 0) throw new RangeError(`ad ${adId}: "${name}" is not one of the 51 US states`);
  return k;
}

export class HeldAds {
  length = 0;
  private readonly adIds: string[] = [];
  private readonly pageIds: string[] = [];
  private readonly marketers: string[] = [];
  private readonly titles: (string | null)[] = [];
  private readonly bodies: string[] = [];
  private readonly platforms: string[][] = [];
  private readonly starts: string[] = [];
  private readonly ends: (string | null)[] = [];
  private readonly markets: string[] = [];
  private readonly currencies: (string | null)[] = [];
  private readonly keywords: string[][] = [];
  private ranges = new Float64Array(0);
  private interest = new Float64Array(0);
  private shares = new Float64Array(0);
  /** Per ad: the ranking's 51 state indexes, then its top-state count and indexes. */
  private ranking = new Uint8Array(0);
  /** Per ad: best age group and best gender indexes, -1 for null. */
  private best = new Int8Array(0);
  /** One array per distinct platform list, shared by the ads that have it (copied by `get`). */
  private readonly platformLists = new Map<string, string[]>();

  push(ad: TaskAd): void {
    const i = this.length;
    if (ad.stateInterest.length !== STATES || ad.stateRanking.length !== STATES)
      throw new RangeError(`ad ${ad.adId}: expected the 51 states' interest and ranking`);
    if (ad.ageShares.length !== AGE_GROUPS.length || ad.genderShares.length !== GENDERS.length)
      throw new RangeError(`ad ${ad.adId}: expected ${SHARES} age and gender shares`);
    if (ad.topStates.length > TOP)
      throw new RangeError(`ad ${ad.adId}: more than ${TOP} top states`);
    // Everything checked before anything is stored: a refused ad leaves the columns aligned.
    const stride = STATES + 1 + TOP;
    const states = new Uint8Array(stride);
    ad.stateRanking.forEach((s, k) => {
      states[k] = stateAt(s, ad.adId);
    });
    states[STATES] = ad.topStates.length;
    ad.topStates.forEach((s, k) => {
      states[STATES + 1 + k] = stateAt(s, ad.adId);
    });
    this.adIds.push(ad.adId);
    // An advertiser's ads mostly repeat these: share the previous ad's string when equal.
    this.pageIds.push(
      i > 0 && this.pageIds[i - 1] === ad.pageId ? this.pageIds[i - 1]! : ad.pageId,
    );
    this.marketers.push(
      i > 0 && this.marketers[i - 1] === ad.marketer ? this.marketers[i - 1]! : ad.marketer,
    );
    this.titles.push(ad.title);
    this.bodies.push(ad.body);
    const key = ad.platforms.join("\u0000");
    let list = this.platformLists.get(key);
    if (list === undefined) {
      list = [...ad.platforms];
      this.platformLists.set(key, list);
    }
    this.platforms.push(list);
    this.starts.push(ad.startDate);
    this.ends.push(ad.endDate);
    this.markets.push(ad.market);
    this.currencies.push(ad.currency);
    this.keywords.push([...ad.keywords]);

    this.ranges = room(this.ranges, (i + 1) * RANGE_NUMS);
    for (const [k, r] of [ad.audienceSize, ad.spend, ad.impressions].entries()) {
      this.ranges[i * RANGE_NUMS + 2 * k] = r === null ? Number.NaN : r.lower;
      this.ranges[i * RANGE_NUMS + 2 * k + 1] =
        r === null || r.upper === null ? Number.NaN : r.upper;
    }
    this.interest = room(this.interest, (i + 1) * STATES);
    this.interest.set(ad.stateInterest, i * STATES);
    this.shares = room(this.shares, (i + 1) * SHARES);
    this.shares.set(ad.ageShares, i * SHARES);
    this.shares.set(ad.genderShares, i * SHARES + AGE_GROUPS.length);
    this.ranking = room(this.ranking, (i + 1) * stride);
    this.ranking.set(states, i * stride);
    this.best = room(this.best, (i + 1) * 2);
    this.best[i * 2] = ad.bestAgeGroup === null ? -1 : AGE_GROUPS.indexOf(ad.bestAgeGroup);
    this.best[i * 2 + 1] = ad.bestGender === null ? -1 : GENDERS.indexOf(ad.bestGender);
    this.length++;
  }

  adId(i: number): string {
    return this.adIds[i]!;
  }

  body(i: number): string {
    return this.bodies[i]!;
  }

  /** The value `facetValue` (pairs.ts) gives the ad `get(i)` would return. */
  facet(i: number, f: ConstantFacet): string | null {
    switch (f) {
      case "region": {
        const at = i * (STATES + 1 + TOP) + STATES;
        return this.ranking[at]! > 0 ? US_STATES[this.ranking[at + 1]!]! : null;
      }
      case "age": {
        const k = this.best[i * 2]!;
        return k < 0 ? null : AGE_GROUPS[k]!;
      }
      case "gender": {
        const k = this.best[i * 2 + 1]!;
        return k < 0 ? null : GENDERS[k]!;
      }
      case "budget": {
        const lower = this.ranges[i * RANGE_NUMS + 2]!;
        if (Number.isNaN(lower)) return null;
        const upper = this.ranges[i * RANGE_NUMS + 3]!;
        return `${lower}-${Number.isNaN(upper) ? "" : upper}`;
      }
    }
  }

  private range(i: number, k: number): Range | null {
    const lower = this.ranges[i * RANGE_NUMS + 2 * k]!;
    if (Number.isNaN(lower)) return null;
    const upper = this.ranges[i * RANGE_NUMS + 2 * k + 1]!;
    return { lower, upper: Number.isNaN(upper) ? null : upper };
  }

  /** The ad as pushed (a new object each call). */
  get(i: number): TaskAd {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`no held ad ${i}`);
    const stride = STATES + 1 + TOP;
    const at = i * stride;
    const names = (from: number, n: number) =>
      Array.from(this.ranking.subarray(from, from + n), (k) => US_STATES[k]!);
    const age = this.best[i * 2]!;
    const gender = this.best[i * 2 + 1]!;
    return {
      adId: this.adIds[i]!,
      pageId: this.pageIds[i]!,
      marketer: this.marketers[i]!,
      title: this.titles[i]!,
      body: this.bodies[i]!,
      platforms: [...this.platforms[i]!],
      startDate: this.starts[i]!,
      endDate: this.ends[i]!,
      market: this.markets[i]!,
      currency: this.currencies[i]!,
      audienceSize: this.range(i, 0),
      spend: this.range(i, 1),
      impressions: this.range(i, 2),
      stateInterest: Array.from(this.interest.subarray(i * STATES, (i + 1) * STATES)),
      stateRanking: names(at, STATES),
      topStates: names(at + STATES + 1, this.ranking[at + STATES]!),
      ageShares: Array.from(this.shares.subarray(i * SHARES, i * SHARES + AGE_GROUPS.length)),
      genderShares: Array.from(
        this.shares.subarray(i * SHARES + AGE_GROUPS.length, (i + 1) * SHARES),
      ),
      bestAgeGroup: age < 0 ? null : (AGE_GROUPS[age] as AgeGroup),
      bestGender: gender < 0 ? null : (GENDERS[gender] as Gender),
      keywords: [...this.keywords[i]!],
    };
  }
}
