import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { STATE_POPULATION_2020 } from "../signals/census-2020.js";
import {
  advertiserCount,
  apiTime,
  audienceBucket,
  formatShare,
  impressionsBucket,
  Rng,
  type SynthAdRecord,
  spendBucket,
  synthesizeAds,
} from "./generate.js";
import { SynthJsonlEncoder, writeSynthFile } from "./write.js";

const N = 20_000;
const ads: SynthAdRecord[] = [...synthesizeAds({ ads: N, seed: 42 })];

const KEY_ORDER = [
  "id",
  "page_id",
  "page_name",
  "ad_creative_bodies",
  "ad_creative_link_captions",
  "ad_creative_link_descriptions",
  "ad_creative_link_titles",
  "ad_creation_time",
  "ad_delivery_start_time",
  "ad_delivery_stop_time",
  "ad_snapshot_url",
  "bylines",
  "currency",
  "estimated_audience_size",
  "impressions",
  "spend",
  "languages",
  "publisher_platforms",
  "demographic_distribution",
  "delivery_by_region",
  "avakit_synthetic",
];
const API_STATES = new Set(
  STATE_POPULATION_2020.map((s) =>
    s.state === "District of Columbia" ? "Washington, District of Columbia" : s.state,
  ),
);
const EXTRA_REGIONS = new Set(["Unknown", "Puerto Rico", "Guam", "US Virgin Islands", "San Juan"]);
const AGES = new Set(["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]);
const GENDERS = new Set(["female", "male", "unknown"]);
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/;
const SHARE_RE = /^(?:0|1|0\.\d{0,5}[1-9]|[1-9]\.\dE-\d+)$/;
const FIRST = Date.parse("2019-01-01T00:00:00Z");
const LAST = Date.parse("2024-12-31T23:59:59Z");

const parseTime = (t: string): number => Date.parse(t.replace("+0000", "Z"));
const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");

function editDistance(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a.map((w) => w.toLowerCase()));
  const sb = new Set(b.map((w) => w.toLowerCase()));
  let inter = 0;
  for (const w of sa) if (sb.has(w)) inter++;
  return inter / (sa.size + sb.size - inter);
}

function byPage(records: readonly SynthAdRecord[]): Map<string, SynthAdRecord[]> {
  const m = new Map<string, SynthAdRecord[]>();
  for (const r of records) {
    const list = m.get(r.page_id);
    if (list) list.push(r);
    else m.set(r.page_id, [r]);
  }
  return m;
}

describe("synthesizeAds", () => {
  it("is deterministic: same config, same records; another seed, other records", () => {
    const a = [...synthesizeAds({ ads: 2000, seed: 7 })].map((r) => JSON.stringify(r));
    const b = [...synthesizeAds({ ads: 2000, seed: 7 })].map((r) => JSON.stringify(r));
    assert.deepEqual(a, b);
    const c = [...synthesizeAds({ ads: 2000, seed: 8 })].map((r) => JSON.stringify(r));
    assert.equal(c.length, 2000);
    assert.ok(c.filter((x, i) => x !== a[i]).length > 1990);
    const d = [...synthesizeAds({ ads: 2000, seed: 7, advertisers: 50 })];
    assert.equal(new Set(d.map((r) => r.page_id)).size, 50);
    assert.notDeepEqual(
      d.map((r) => JSON.stringify(r)),
      a,
    );
  });

  it("yields exactly the number of ads asked for, with the advertiser count it reports", () => {
    assert.equal(ads.length, N);
    assert.equal(new Set(ads.map((r) => r.page_id)).size, advertiserCount({ ads: N, seed: 42 }));
    assert.equal([...synthesizeAds({ ads: 0, seed: 1 })].length, 0);
    assert.equal([...synthesizeAds({ ads: 3, seed: 1, advertisers: 10 })].length, 3);
    assert.equal(advertiserCount({ ads: 3, seed: 1, advertisers: 10 }), 3);
    assert.throws(() => [...synthesizeAds({ ads: -1, seed: 1 })], RangeError);
    assert.throws(() => [...synthesizeAds({ ads: 10, seed: 1.5 })], RangeError);
    assert.throws(() => [...synthesizeAds({ ads: 10, seed: 1, advertisers: 0 })], RangeError);
  });

  it("labels every record synthetic", () => {
    for (const r of ads) assert.equal(r.avakit_synthetic, true);
  });

  it("writes fields with the names, order and string formats of the Graph API", () => {
    let noStop = 0;
    for (const r of ads) {
      const keys = Object.keys(r);
      assert.deepEqual(
        keys,
        KEY_ORDER.filter((k) => k in r),
      );
      assert.match(r.id, /^[1-9]\d{15}$/);
      assert.match(r.page_id, /^[1-9]\d{10,15}$/);
      assert.equal(r.ad_snapshot_url, `https://www.facebook.com/ads/library/?id=${r.id}`);
      assert.ok(r.page_name.length > 3);
      assert.equal(r.currency, "USD");
      assert.equal(r.ad_creative_bodies.length >= 1, true);
      for (const b of r.ad_creative_bodies) assert.ok(words(b).length >= 15, b);
      for (const k of [
        "ad_creative_link_captions",
        "ad_creative_link_descriptions",
        "ad_creative_link_titles",
        "languages",
        "publisher_platforms",
      ] as const) {
        assert.ok(Array.isArray(r[k]));
        for (const x of r[k]) assert.equal(typeof x, "string");
      }
      assert.ok(r.publisher_platforms.length >= 1);
      for (const t of [r.ad_creation_time, r.ad_delivery_start_time]) assert.match(t, TIME_RE);
      const start = parseTime(r.ad_delivery_start_time);
      assert.ok(start >= FIRST && start <= LAST);
      assert.ok(parseTime(r.ad_creation_time) <= start);
      assert.ok(parseTime(r.ad_creation_time) >= FIRST);
      if (r.ad_delivery_stop_time === undefined) noStop++;
      else {
        assert.match(r.ad_delivery_stop_time, TIME_RE);
        const stop = parseTime(r.ad_delivery_stop_time);
        assert.ok(
          stop > start && stop <= LAST,
          `${r.ad_delivery_start_time} ${r.ad_delivery_stop_time}`,
        );
      }
      for (const range of [r.spend, r.impressions, r.estimated_audience_size]) {
        assert.match(range.lower_bound, /^\d+$/);
        if (range.upper_bound !== undefined) {
          assert.match(range.upper_bound, /^\d+$/);
          assert.ok(Number(range.upper_bound) > Number(range.lower_bound));
        }
      }
      for (const d of r.demographic_distribution) {
        assert.deepEqual(Object.keys(d), ["percentage", "age", "gender"]);
        assert.match(d.percentage, SHARE_RE);
        assert.ok(AGES.has(d.age), d.age);
        assert.ok(GENDERS.has(d.gender), d.gender);
      }
      for (const d of r.delivery_by_region) {
        assert.deepEqual(Object.keys(d), ["percentage", "region"]);
        assert.match(d.percentage, SHARE_RE);
        assert.ok(API_STATES.has(d.region) || EXTRA_REGIONS.has(d.region), d.region);
      }
    }
    assert.ok(noStop > 0 && noStop < N * 0.05, `ads without a stop time: ${noStop}`);
  });

  it("has the API's rarer forms too: open-ended buckets, tiny shares in E notation, extras", () => {
    const regions = ads.flatMap((r) => r.delivery_by_region);
    const demos = ads.flatMap((r) => r.demographic_distribution);
    assert.ok(regions.some((d) => d.region === "Washington, District of Columbia"));
    assert.ok(!regions.some((d) => d.region === "District of Columbia"));
    assert.ok([...EXTRA_REGIONS].filter((x) => regions.some((d) => d.region === x)).length >= 3);
    assert.ok([...regions, ...demos].some((d) => /E-\d+$/.test(d.percentage)));
    assert.ok(demos.some((d) => d.gender === "unknown"));
    assert.ok(demos.some((d) => d.age === "13-17"));
    assert.ok(ads.some((r) => r.impressions.upper_bound === undefined));
    assert.ok(ads.some((r) => r.estimated_audience_size.upper_bound === undefined));
    assert.ok(ads.some((r) => r.ad_creative_bodies.length > 1));
    assert.ok(ads.some((r) => r.bylines === undefined));
    assert.ok(ads.some((r) => r.ad_creative_link_titles.length === 0));
    const dupRegion = ads.some(
      (r) => new Set(r.delivery_by_region.map((d) => d.region)).size < r.delivery_by_region.length,
    );
    assert.ok(dupRegion, "a record with a duplicated region entry");
    const big = [...synthesizeAds({ ads: 3000, seed: 5, advertisers: 3 })];
    assert.ok(
      big.some((r) => r.spend.upper_bound === undefined || Number(r.spend.lower_bound) >= 10_000),
    );
  });

  it("has percentages that sum to about 1", () => {
    for (const r of ads) {
      const region = r.delivery_by_region.reduce((a, d) => a + Number(d.percentage), 0);
      const demo = r.demographic_distribution.reduce((a, d) => a + Number(d.percentage), 0);
      assert.ok(Math.abs(region - 1) < 1e-3, `${r.id} regions sum to ${region}`);
      assert.ok(Math.abs(demo - 1) < 1e-3, `${r.id} demographics sum to ${demo}`);
    }
  });

  it("has unique ad ids and one name per page", () => {
    assert.equal(new Set(ads.map((r) => r.id)).size, N);
    const names = new Map<string, string>();
    for (const r of ads) {
      const prev = names.get(r.page_id);
      if (prev !== undefined) assert.equal(prev, r.page_name);
      names.set(r.page_id, r.page_name);
    }
    const distinctNames = new Set(names.values()).size;
    assert.equal(distinctNames, names.size, "page names are unique");
  });

  it("gives advertisers heavy-tailed ad counts", () => {
    const counts = [...byPage(ads).values()].map((l) => l.length).sort((a, b) => a - b);
    const median = counts[counts.length >> 1]!;
    const max = counts[counts.length - 1]!;
    assert.ok(max >= 50 * median, `max ${max} vs median ${median}`);
    assert.ok(counts.filter((c) => c <= 5).length > counts.length / 2);
    assert.ok(max >= 500);
  });

  it("varies bodies within an advertiser: near copies, rewrites over 15 words, few exact copies", () => {
    let rewrites = 0;
    let nearCopies = 0;
    for (const list of byPage(ads).values()) {
      if (list.length < 2) continue;
      for (let i = 0; i + 1 < Math.min(list.length, 40); i++) {
        const a = words(list[i]!.ad_creative_bodies[0]!);
        const b = words(list[i + 1]!.ad_creative_bodies[0]!);
        const d = editDistance(a, b);
        if (d > 15 && jaccard(a, b) >= 0.6) rewrites++;
        if (d > 0 && d <= 5) nearCopies++;
      }
    }
    assert.ok(rewrites >= 50, `same-page pairs > 15 words apart sharing vocabulary: ${rewrites}`);
    assert.ok(nearCopies >= 50, `same-page pairs within 5 words: ${nearCopies}`);
    const seen = new Set<string>();
    let dup = 0;
    let urls = 0;
    for (const r of ads) {
      const body = r.ad_creative_bodies[0]!;
      if (seen.has(body)) dup++;
      seen.add(body);
      if (/https:\/\/|www\.\S+\//.test(body)) urls++;
    }
    assert.ok(dup > N * 0.005 && dup < N * 0.12, `exact duplicate bodies: ${dup}`);
    assert.ok(urls > N * 0.004 && urls < N * 0.03, `bodies with a URL: ${urls}`);
  });

  it("delivers more than population share to each advertiser's home state", () => {
    const pop = new Map(STATE_POPULATION_2020.map((s) => [s.state, s.population] as const));
    const total = [...pop.values()].reduce((a, b) => a + b, 0);
    let pages = 0;
    let lifted = 0;
    const stateCounts: number[] = [];
    for (const list of byPage(ads).values()) {
      for (const r of list) stateCounts.push(r.delivery_by_region.length);
      if (list.length < 30) continue;
      const share = new Map<string, number>();
      for (const r of list) {
        for (const d of r.delivery_by_region) {
          const name = d.region.replace("Washington, District of Columbia", "District of Columbia");
          share.set(name, (share.get(name) ?? 0) + Number(d.percentage) / list.length);
        }
      }
      pages++;
      const top = [...share].filter(([s]) => pop.has(s)).sort((a, b) => b[1] - a[1])[0]!;
      if (top[1] > 1.5 * (pop.get(top[0])! / total)) lifted++;
    }
    assert.ok(pages >= 20);
    assert.ok(lifted >= pages * 0.8, `${lifted} of ${pages} pages favour one state`);
    assert.ok(stateCounts.some((n) => n === 1));
    assert.ok(stateCounts.some((n) => n === 51));
    assert.ok(stateCounts.some((n) => n > 10 && n < 40));
  });

  it("ties demographics to the topic", () => {
    const share65 = (pred: (name: string) => boolean): number => {
      let s = 0;
      let n = 0;
      for (const r of ads) {
        if (!pred(r.page_name)) continue;
        n++;
        for (const d of r.demographic_distribution) if (d.age === "65+") s += Number(d.percentage);
      }
      assert.ok(n > 20);
      return s / n;
    };
    const retirement = share65((n) => /Medicare|Retirement|Senior Living|Estate Planning/.test(n));
    const education = share65((n) =>
      /College|Coding Academy|Nursing School|Charter Academy/.test(n),
    );
    assert.ok(retirement > 0.35, `65+ share of retirement pages: ${retirement}`);
    assert.ok(education < 0.1, `65+ share of education pages: ${education}`);
  });

  it("correlates impressions with spend at 20–200 impressions per dollar", () => {
    let checked = 0;
    for (const r of ads) {
      if (r.spend.upper_bound === undefined || r.impressions.upper_bound === undefined) continue;
      const spend = (Number(r.spend.lower_bound) + Number(r.spend.upper_bound)) / 2;
      const imps = (Number(r.impressions.lower_bound) + Number(r.impressions.upper_bound)) / 2;
      if (spend < 1000) continue;
      checked++;
      const perDollar = imps / spend;
      assert.ok(perDollar > 10 && perDollar < 260, `${perDollar} impressions per dollar`);
    }
    assert.ok(checked > 100);
  });
});

describe("formats", () => {
  it("writes shares as the API does", () => {
    assert.equal(formatShare(0.0625), "0.0625");
    assert.equal(formatShare(0.25), "0.25");
    assert.equal(formatShare(1), "1");
    assert.equal(formatShare(1 / 85), "0.011765");
    assert.equal(formatShare(0.123456789), "0.123457");
    assert.equal(formatShare(0.000698), "0.000698");
    assert.equal(formatShare(2.6e-5), "2.6E-5");
    assert.equal(formatShare(5.3e-5), "5.3E-5");
    assert.equal(formatShare(2e-6), "2.0E-6");
    assert.equal(formatShare(9.99e-5), "0.0001");
    assert.equal(formatShare(9.9e-5), "9.9E-5");
  });

  it("buckets spend, impressions and audience like Meta", () => {
    assert.deepEqual(spendBucket(0), { lower_bound: "0", upper_bound: "99" });
    assert.deepEqual(spendBucket(99.9), { lower_bound: "0", upper_bound: "99" });
    assert.deepEqual(spendBucket(250), { lower_bound: "200", upper_bound: "299" });
    assert.deepEqual(spendBucket(1234), { lower_bound: "1000", upper_bound: "1499" });
    assert.deepEqual(spendBucket(1500), { lower_bound: "1500", upper_bound: "1999" });
    assert.deepEqual(spendBucket(12_000), { lower_bound: "10000", upper_bound: "14999" });
    assert.deepEqual(spendBucket(2_000_000), { lower_bound: "1000000" });
    assert.deepEqual(impressionsBucket(10), { lower_bound: "0", upper_bound: "999" });
    assert.deepEqual(impressionsBucket(3000), { lower_bound: "1000", upper_bound: "4999" });
    assert.deepEqual(impressionsBucket(7000), { lower_bound: "5000", upper_bound: "9999" });
    assert.deepEqual(impressionsBucket(12_345), { lower_bound: "10000", upper_bound: "14999" });
    assert.deepEqual(impressionsBucket(5_000_000), { lower_bound: "1000000" });
    assert.deepEqual(audienceBucket(10), { lower_bound: "1000", upper_bound: "5000" });
    assert.deepEqual(audienceBucket(7000), { lower_bound: "5001", upper_bound: "10000" });
    assert.deepEqual(audienceBucket(2e6), { lower_bound: "1000001" });
  });

  it("formats times like the API", () => {
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor((FIRST + rng.float() * (LAST - FIRST)) / 1000) * 1000;
      assert.equal(apiTime(ms), `${new Date(ms).toISOString().slice(0, 19)}+0000`);
    }
  });

  it("has a deterministic PRNG with sane moments", () => {
    const a = new Rng(99);
    const b = new Rng(99);
    for (let i = 0; i < 100; i++) assert.equal(a.u32(), b.u32());
    const r = new Rng(1);
    let sum = 0;
    let sq = 0;
    let pois = 0;
    for (let i = 0; i < 20_000; i++) {
      const f = r.float();
      assert.ok(f >= 0 && f < 1);
      const g = r.gauss();
      sum += g;
      sq += g * g;
      pois += r.poisson(3.5);
    }
    assert.ok(Math.abs(sum / 20_000) < 0.03);
    assert.ok(Math.abs(sq / 20_000 - 1) < 0.05);
    assert.ok(Math.abs(pois / 20_000 - 3.5) < 0.1);
  });
});

describe("writing", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "avakit-synth-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("encodes records to exactly JSON.stringify lines, non-ASCII and huge records included", () => {
    const sample = ads.slice(0, 3000);
    const odd: SynthAdRecord = {
      ...sample[0]!,
      page_name: 'Café "Ñandú" \\ 👏 \u2028',
      ad_creative_bodies: ["x".repeat(200_000), "¡Hola! 🇺🇸\n\ttab"],
      delivery_by_region: [{ percentage: "1", region: "San Germán" }],
    };
    const enc = new SynthJsonlEncoder();
    const all = [...sample, odd, ...sample.slice(0, 10)];
    for (const r of all) enc.add(r);
    const text = Buffer.concat(enc.take()).toString("utf8");
    assert.equal(text, all.map((r) => `${JSON.stringify(r)}\n`).join(""));
    assert.deepEqual(enc.take(), []);
  });

  it("streams JSONL to a file and reports what it wrote", async () => {
    const path = join(dir, "ads.jsonl");
    const seen: number[] = [];
    const res = await writeSynthFile({ ads: 5000, seed: 9 }, path, (n) => seen.push(n));
    const text = readFileSync(path, "utf8");
    const expected = [...synthesizeAds({ ads: 5000, seed: 9 })];
    assert.equal(text, expected.map((r) => `${JSON.stringify(r)}\n`).join(""));
    const lines = text.trimEnd().split("\n");
    assert.equal(lines.length, 5000);
    for (const l of lines) assert.equal(JSON.parse(l).avakit_synthetic, true);
    assert.equal(res.ads, 5000);
    assert.equal(res.advertisers, new Set(expected.map((r) => r.page_id)).size);
    assert.equal(res.bytes, Buffer.byteLength(text));
    assert.equal(seen.at(-1), 5000);
    assert.ok(seen.length >= 2, "progress is reported along the way");
  });

  it("gzips when the path ends in .gz, with the same content", async () => {
    const plain = join(dir, "b.jsonl");
    const gz = join(dir, "b.jsonl.gz");
    await writeSynthFile({ ads: 1500, seed: 4, advertisers: 40 }, plain);
    const res = await writeSynthFile({ ads: 1500, seed: 4, advertisers: 40 }, gz);
    const raw = readFileSync(gz);
    assert.equal(raw[0], 0x1f);
    assert.equal(raw[1], 0x8b);
    assert.equal(res.bytes, raw.length);
    assert.equal(res.advertisers, 40);
    assert.equal(gunzipSync(raw).toString("utf8"), readFileSync(plain, "utf8"));
  });

  it("rejects bad configs before creating the file", async () => {
    await assert.rejects(writeSynthFile({ ads: -5, seed: 1 }, join(dir, "bad.jsonl")), RangeError);
  });
});
