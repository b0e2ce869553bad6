import assert from "node:assert/strict";
import { test } from "node:test";
import type { RegionShare } from "../core/types.js";
import {
  type NormalizedAd,
  type NormalizeResult,
  normalizeAge,
  normalizeGender,
  normalizeRecord,
  parseDate,
  parseRange,
  parseRegions,
  parseShare,
  stripToken,
} from "./normalize.js";

type Rec = Record<string, unknown>;

/** A complete, valid record in the current API shape. */
function record(over: Rec = {}): Rec {
  return {
    id: "1001",
    page_id: "2002",
    page_name: "Test Page",
    ad_creative_bodies: ["Vote on Tuesday"],
    ad_creative_link_titles: ["Polls open at 7"],
    ad_creative_link_captions: ["Example Org"],
    ad_creative_link_descriptions: ["Find your polling place"],
    ad_delivery_start_time: "2019-10-30T22:24:19+0000",
    ad_delivery_stop_time: "2019-11-05T10:00:00+0000",
    ad_creation_time: "2019-10-29",
    bylines: "Test PAC",
    currency: "usd",
    spend: { lower_bound: "100", upper_bound: "199" },
    impressions: { lower_bound: "1000", upper_bound: "1999" },
    estimated_audience_size: { lower_bound: "10000", upper_bound: "50000" },
    publisher_platforms: ["facebook", "instagram"],
    languages: ["en"],
    demographic_distribution: [
      { percentage: "0.6", age: "25-34", gender: "female" },
      { percentage: "0.4", age: "65+", gender: "male" },
    ],
    delivery_by_region: [
      { percentage: "0.7", region: "Texas" },
      { percentage: "0.3", region: "Ohio" },
    ],
    ad_snapshot_url: "https://www.facebook.com/ads/archive/render_ad/?id=1001",
    ...over,
  };
}

function without(r: Rec, ...keys: string[]): Rec {
  const out = { ...r };
  for (const k of keys) delete out[k];
  return out;
}

function ok(res: NormalizeResult): NormalizedAd {
  if (!res.ok) assert.fail(`expected a kept ad, got ${res.rule}: ${res.detail}`);
  return res.ad;
}

function dropped(res: NormalizeResult): Extract<NormalizeResult, { ok: false }> {
  if (res.ok) assert.fail(`expected a dropped record, got ad ${res.ad.adId}`);
  return res;
}

function shareOf(regions: readonly RegionShare[], name: string): number | undefined {
  return regions.find((r) => r.region === name)?.share;
}

test("a current-shape record normalises field by field", () => {
  const ad = ok(normalizeRecord(record()));
  assert.deepEqual(ad, {
    adId: "1001",
    pageId: "2002",
    pageName: "Test Page",
    byline: "Test PAC",
    body: "Vote on Tuesday",
    bodies: ["Vote on Tuesday"],
    title: "Polls open at 7",
    linkCaption: "Example Org",
    linkDescription: "Find your polling place",
    platforms: ["facebook", "instagram"],
    languages: ["en"],
    currency: "USD",
    createdDate: "2019-10-29",
    startDate: "2019-10-30",
    endDate: "2019-11-05",
    spend: { lower: 100, upper: 199 },
    impressions: { lower: 1000, upper: 1999 },
    audienceSize: { lower: 10000, upper: 50000 },
    regions: [
      { region: "Texas", share: 0.7 },
      { region: "Ohio", share: 0.3 },
    ],
    demographics: [
      { age: "25-34", gender: "female", share: 0.6 },
      { age: "65+", gender: "male", share: 0.4 },
    ],
    snapshotUrl: "https://www.facebook.com/ads/archive/render_ad/?id=1001",
    media: [],
    synthetic: false,
  });
});

test("legacy field names give the same ad as the current ones", () => {
  const current = ok(normalizeRecord(record()));
  const legacy = record({
    ad_creative_body: "Vote on Tuesday",
    ad_creative_link_title: "Polls open at 7",
    ad_creative_link_caption: "Example Org",
    ad_creative_link_description: "Find your polling place",
    funding_entity: "Test PAC",
    region_distribution: [
      { percentage: "0.7", region: "Texas" },
      { percentage: "0.3", region: "Ohio" },
    ],
    potential_reach: { lower_bound: "10000", upper_bound: "50000" },
  });
  const stripped = without(
    legacy,
    "ad_creative_bodies",
    "ad_creative_link_titles",
    "ad_creative_link_captions",
    "ad_creative_link_descriptions",
    "bylines",
    "delivery_by_region",
    "estimated_audience_size",
  );
  assert.deepEqual(ok(normalizeRecord(stripped)), current);
});

test("the current field wins when both names are present", () => {
  const ad = ok(
    normalizeRecord(
      record({
        ad_creative_body: "old body",
        funding_entity: "Old Funder",
        region_distribution: [{ percentage: "1", region: "Maine" }],
        potential_reach: { lower_bound: "1", upper_bound: "2" },
      }),
    ),
  );
  assert.equal(ad.body, "Vote on Tuesday");
  assert.equal(ad.byline, "Test PAC");
  assert.deepEqual(
    ad.regions.map((r) => r.region),
    ["Texas", "Ohio"],
  );
  assert.deepEqual(ad.audienceSize, { lower: 10000, upper: 50000 });
});

test("every non-empty creative body is kept, cleaned, in order; the first is the body", () => {
  const ad = ok(
    normalizeRecord(
      record({ ad_creative_bodies: ["  ", "Read https://a.com/x.", "", "Second\nvariant "] }),
    ),
  );
  assert.equal(ad.body, "Read [URL].");
  assert.deepEqual(ad.bodies, ["Read [URL].", "Second\nvariant"]);
});

test("URLs in titles, captions and descriptions are replaced too", () => {
  const ad = ok(
    normalizeRecord(
      record({
        ad_creative_link_titles: ["", "Go to www.vote.org"],
        ad_creative_link_captions: ["https://example.org/x"],
        ad_creative_link_descriptions: ["bit.ly/abc!"],
      }),
    ),
  );
  assert.equal(ad.title, "Go to [URL]");
  assert.equal(ad.linkCaption, "[URL]");
  assert.equal(ad.linkDescription, "[URL]!");
});

test("a missing id is taken from ad_snapshot_url's id=", () => {
  const url =
    "https://www.facebook.com/ads/archive/render_ad/?id=2447656412147213&access_token=EAAB";
  const ad = ok(normalizeRecord(without(record({ ad_snapshot_url: url }), "id")));
  assert.equal(ad.adId, "2447656412147213");
  const blank = ok(normalizeRecord(record({ id: "", ad_snapshot_url: url })));
  assert.equal(blank.adId, "2447656412147213");
  const second = ok(
    normalizeRecord(
      without(record({ ad_snapshot_url: "https://x.test/render_ad/?access_token=T&id=77" }), "id"),
    ),
  );
  assert.equal(second.adId, "77");
});

test("the stored snapshot URL never keeps access_token, wherever it is", () => {
  const base = "https://www.facebook.com/ads/archive/render_ad/";
  const cases: [string, string][] = [
    [`${base}?id=1&access_token=EAABsecret123`, `${base}?id=1`],
    [`${base}?access_token=EAABsecret123&id=1`, `${base}?id=1`],
    [`${base}?id=1&access_token=EAABsecret123&x=2`, `${base}?id=1&x=2`],
    [`${base}?access_token=EAABsecret123`, base],
    [`${base}?id=1&ACCESS_TOKEN=EAABsecret123#frag`, `${base}?id=1#frag`],
    [`${base}?access_token=A1&access_token=B2&id=1`, `${base}?id=1`],
    [`${base}?id=1&access%5Ftoken=EAABsecret123`, `${base}?id=1`],
    [`${base}?id=1&access_token`, `${base}?id=1`],
    [`${base}?id=1&my_access_token_hint=1`, `${base}?id=1&my_access_token_hint=1`],
    [`${base}?id=1`, `${base}?id=1`],
    [base, base],
  ];
  for (const [input, want] of cases) assert.equal(stripToken(input), want, input);
  for (const [input, want] of cases) {
    const ad = ok(normalizeRecord(record({ ad_snapshot_url: input })));
    assert.equal(ad.snapshotUrl, want);
    assert.doesNotMatch(ad.snapshotUrl ?? "", /access(_|%5F)token=/i);
  }
});

test("percentages: numeric strings, scientific notation and numbers", () => {
  assert.equal(parseShare("0.070588", "p"), 0.070588);
  assert.equal(parseShare("2.6E-5", "p"), 0.000026);
  assert.equal(parseShare("5.3e-5", "p"), 0.000053);
  assert.equal(parseShare(0.25, "p"), 0.25);
  assert.equal(parseShare("1", "p"), 1);
  assert.equal(parseShare("0", "p"), 0);
  for (const bad of ["abc", "", " ", null, undefined, "-0.1", -1, "NaN", "Infinity", true, {}]) {
    assert.throws(() => parseShare(bad, "x.percentage"), /x\.percentage: expected/);
  }
  const ad = ok(
    normalizeRecord(
      record({
        delivery_by_region: [
          { percentage: "2.6E-5", region: "Alaska" },
          { percentage: 0.999974, region: "Texas" },
        ],
      }),
    ),
  );
  assert.equal(shareOf(ad.regions, "Alaska"), 0.000026);
  assert.equal(shareOf(ad.regions, "Texas"), 0.999974);
});

test("ranges: strings or numbers, open-ended top range has upper null", () => {
  assert.deepEqual(parseRange({ lower_bound: "1000", upper_bound: "1499" }, "spend"), {
    lower: 1000,
    upper: 1499,
  });
  assert.deepEqual(parseRange({ lower_bound: 0, upper_bound: 99 }, "spend"), {
    lower: 0,
    upper: 99,
  });
  assert.deepEqual(parseRange({ lower_bound: "1000000" }, "impressions"), {
    lower: 1000000,
    upper: null,
  });
  assert.deepEqual(parseRange({ lower_bound: "1000000", upper_bound: "" }, "impressions"), {
    lower: 1000000,
    upper: null,
  });
  assert.equal(parseRange(undefined, "spend"), null);
  assert.equal(parseRange(null, "spend"), null);
  assert.throws(
    () => parseRange({ lower_bound: "10", upper_bound: "5" }, "spend"),
    /^Error: spend/,
  );
  assert.throws(
    () => parseRange({ lower_bound: "1.5", upper_bound: "5" }, "spend"),
    /spend\.lower_bound: expected a whole number/,
  );
  const ad = ok(
    normalizeRecord(
      record({
        impressions: { lower_bound: "1000000" },
        spend: { lower_bound: "100000" },
        estimated_audience_size: { lower_bound: "1000001" },
      }),
    ),
  );
  assert.deepEqual(ad.impressions, { lower: 1000000, upper: null });
  assert.deepEqual(ad.spend, { lower: 100000, upper: null });
  assert.deepEqual(ad.audienceSize, { lower: 1000001, upper: null });
  const none = ok(normalizeRecord(without(record(), "spend", "impressions")));
  assert.equal(none.spend, null);
  assert.equal(none.impressions, null);
});

test("both timestamp forms give the calendar date as written", () => {
  assert.equal(parseDate("2019-10-30T22:24:19+0000", "d"), "2019-10-30");
  assert.equal(parseDate("2019-10-30T23:59:59-0700", "d"), "2019-10-30");
  assert.equal(parseDate("2022-05-01", "d"), "2022-05-01");
  assert.equal(parseDate("2020-02-29", "d"), "2020-02-29");
  assert.equal(parseDate("2022-05-01T10:00:00Z", "d"), "2022-05-01");
  assert.equal(parseDate("2022-05-01T10:00:00.123+05:30", "d"), "2022-05-01");
  assert.equal(parseDate(undefined, "d"), null);
  assert.equal(parseDate(null, "d"), null);
  assert.equal(parseDate("", "d"), null);
  const legacy = ok(
    normalizeRecord(
      record({ ad_delivery_start_time: "2022-05-01", ad_delivery_stop_time: "2022-06-01" }),
    ),
  );
  assert.equal(legacy.startDate, "2022-05-01");
  assert.equal(legacy.endDate, "2022-06-01");
});

test("an invalid date is invalid_record naming the field", () => {
  const cases: [string, unknown][] = [
    ["ad_delivery_start_time", "2021-02-30"],
    ["ad_delivery_start_time", "2019-02-29T00:00:00+0000"],
    ["ad_delivery_stop_time", "2021-13-01"],
    ["ad_delivery_stop_time", "30/10/2019"],
    ["ad_creation_time", "yesterday"],
    ["ad_delivery_start_time", 1572474259],
  ];
  for (const [field, value] of cases) {
    const res = dropped(normalizeRecord(record({ [field]: value })));
    assert.equal(res.rule, "invalid_record", `${field}=${value}`);
    assert.ok(res.detail.startsWith(`${field}: expected`), res.detail);
    assert.match(res.detail, new RegExp(JSON.stringify(value).replace(/[+/]/g, "\\$&")));
    assert.equal(res.adId, "1001");
    assert.equal(res.pageId, "2002");
  }
});

test("a missing stop time is fine: endDate null", () => {
  const ad = ok(normalizeRecord(without(record(), "ad_delivery_stop_time")));
  assert.equal(ad.endDate, null);
  assert.equal(ok(normalizeRecord(record({ ad_delivery_stop_time: null }))).endDate, null);
});

test("genders in any case; age buckets 13-17 to 65+ and unknown", () => {
  for (const g of ["male", "Male", "MALE", " male "]) assert.equal(normalizeGender(g), "male");
  for (const g of ["female", "Female", "FEMALE"]) assert.equal(normalizeGender(g), "female");
  for (const g of ["unknown", "Unknown", "All", ""]) assert.equal(normalizeGender(g), "unknown");
  for (const a of ["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]) {
    assert.equal(normalizeAge(a), a);
  }
  assert.equal(normalizeAge(" 18 - 24 "), "18-24");
  assert.equal(normalizeAge("Unknown"), "unknown");
  assert.equal(normalizeAge("unknown"), "unknown");
  assert.equal(normalizeAge("12-13"), "unknown");
  const ad = ok(
    normalizeRecord(
      record({
        demographic_distribution: [
          { percentage: "0.1", age: "13-17", gender: "Female" },
          { percentage: "0.2", age: "13-17", gender: "female" },
          { percentage: "0.3", age: "65+", gender: "MALE" },
          { percentage: "0.15", age: "Unknown", gender: "Unknown" },
          { percentage: "0.25", age: "45-54", gender: "male" },
        ],
      }),
    ),
  );
  assert.equal(ad.demographics.length, 4);
  const f1317 = ad.demographics.find((d) => d.age === "13-17" && d.gender === "female");
  assert.ok(f1317);
  assert.ok(Math.abs(f1317.share - 0.3) < 1e-12);
  assert.deepEqual(ad.demographics.slice(1), [
    { age: "65+", gender: "male", share: 0.3 },
    { age: "unknown", gender: "unknown", share: 0.15 },
    { age: "45-54", gender: "male", share: 0.25 },
  ]);
});

test("DC under one canonical name; Washington alone stays the state", () => {
  const regions = parseRegions(
    [
      { percentage: "0.1", region: "Washington, District of Columbia" },
      { percentage: "0.2", region: "District of Columbia" },
      { percentage: "0.3", region: "Washington" },
      { percentage: "0.4", region: "washington,  district of columbia" },
    ],
    "delivery_by_region",
  );
  assert.equal(regions.length, 2);
  assert.deepEqual(
    regions.map((r) => r.region),
    ["District of Columbia", "Washington"],
  );
  assert.ok(Math.abs(shareOf(regions, "District of Columbia")! - 0.7) < 1e-12);
  assert.equal(shareOf(regions, "Washington"), 0.3);
});

test("Puerto Rico municipalities, territories and Unknown are kept as regions", () => {
  const ad = ok(
    normalizeRecord(
      record({
        delivery_by_region: [
          { percentage: "0.5", region: "Texas" },
          { percentage: "0.1", region: "San Juan" },
          { percentage: "0.1", region: "Mayagüez" },
          { percentage: "0.1", region: "Guam" },
          { percentage: "0.1", region: "Eastern District" },
          { percentage: "0.1", region: "Unknown" },
        ],
      }),
    ),
  );
  assert.deepEqual(ad.regions, [
    { region: "Texas", share: 0.5 },
    { region: "San Juan", share: 0.1 },
    { region: "Mayagüez", share: 0.1 },
    { region: "Guam", share: 0.1 },
    { region: "Eastern District", share: 0.1 },
    { region: "Unknown", share: 0.1 },
  ]);
});

test("duplicate region entries are merged by summing, in first-seen order", () => {
  const regions = parseRegions(
    [
      { percentage: "0.001433", region: "Florida" },
      { percentage: "0.5", region: "Ohio" },
      { percentage: "0.000425", region: "Florida" },
      { percentage: "0.1", region: "ohio" },
    ],
    "delivery_by_region",
  );
  assert.deepEqual(
    regions.map((r) => r.region),
    ["Florida", "Ohio"],
  );
  assert.ok(Math.abs(shareOf(regions, "Florida")! - 0.001858) < 1e-12);
  assert.ok(Math.abs(shareOf(regions, "Ohio")! - 0.6) < 1e-12);
});

test("wrong types are invalid_record with a detail naming the path", () => {
  const cases: [Rec, string][] = [
    [{ spend: 500 }, "spend: expected {lower_bound, upper_bound}, got 500"],
    [{ spend: { lower_bound: "abc", upper_bound: "99" } }, "spend.lower_bound: expected"],
    [{ impressions: { lower_bound: "0", upper_bound: "x" } }, "impressions.upper_bound: expected"],
    [
      {
        delivery_by_region: [
          { percentage: "0.5", region: "Texas" },
          { percentage: "abc", region: "Ohio" },
        ],
      },
      'delivery_by_region[1].percentage: expected a non-negative number or numeric string, got "abc"',
    ],
    [{ delivery_by_region: [{ percentage: "0.5", region: 7 }] }, "delivery_by_region[0].region"],
    [{ delivery_by_region: "Texas" }, "delivery_by_region: expected a list"],
    [
      { demographic_distribution: [{ percentage: "abc", age: "65+", gender: "male" }] },
      "demographic_distribution[0].percentage: expected",
    ],
    [
      { demographic_distribution: [{ percentage: "0.5", age: ["65+"], gender: "male" }] },
      "demographic_distribution[0].age: expected a string",
    ],
    [{ ad_creative_bodies: [1, 2] }, "ad_creative_bodies[0]: expected a string, got 1"],
    [{ ad_creative_bodies: ["ok", { text: "x" }] }, "ad_creative_bodies[1]: expected a string"],
    [{ ad_creative_bodies: { 0: "x" } }, "ad_creative_bodies: expected a list of strings"],
    [{ page_id: { id: "1" } }, "page_id: expected a string"],
    [{ id: ["1"] }, "id: expected a string"],
    [{ publisher_platforms: "facebook,instagram", languages: [3] }, "languages[0]"],
    [{ ad_snapshot_url: ["https://x.test/?id=1"] }, "ad_snapshot_url: expected a string"],
  ];
  for (const [over, want] of cases) {
    const res = dropped(normalizeRecord(record(over)));
    assert.equal(res.rule, "invalid_record", JSON.stringify(over));
    assert.ok(res.detail.includes(want), `${res.detail} should include ${want}`);
  }
  // The legacy field name is reported under its path too.
  const legacy = dropped(
    normalizeRecord(
      without(
        record({ region_distribution: [{ percentage: "x", region: "Ohio" }] }),
        "delivery_by_region",
      ),
    ),
  );
  assert.equal(legacy.rule, "invalid_record");
  assert.match(legacy.detail, /^region_distribution\[0\]\.percentage: expected/);
});

test("a value that is not an object is invalid_record", () => {
  for (const v of [null, 42, "text", [record()]]) {
    const res = dropped(normalizeRecord(v));
    assert.equal(res.rule, "invalid_record");
    assert.match(res.detail, /expected an ads_archive object/);
    assert.equal(res.adId, null);
  }
});

test("§3.1 rules: missing id, page, body, dates, location", () => {
  const cases: [Rec, string][] = [
    [without(record(), "id", "ad_snapshot_url"), "missing_id"],
    [without(record({ ad_snapshot_url: "https://x.test/render_ad/?x=1" }), "id"), "missing_id"],
    [without(record(), "page_id"), "missing_page"],
    [record({ page_id: "" }), "missing_page"],
    [record({ page_id: "   " }), "missing_page"],
    [record({ page_id: null }), "missing_page"],
    [without(record(), "ad_creative_bodies"), "empty_body"],
    [record({ ad_creative_bodies: [] }), "empty_body"],
    [record({ ad_creative_bodies: [""] }), "empty_body"],
    [record({ ad_creative_bodies: ["   ", "\n\t "] }), "empty_body"],
    [record({ ad_creative_bodies: null }), "empty_body"],
    [without(record(), "ad_delivery_start_time"), "missing_dates"],
    [record({ ad_delivery_start_time: "" }), "missing_dates"],
    [without(record(), "delivery_by_region"), "missing_location"],
    [record({ delivery_by_region: [] }), "missing_location"],
    [record({ delivery_by_region: [{ percentage: "0", region: "Texas" }] }), "missing_location"],
  ];
  for (const [rec, rule] of cases) {
    const res = dropped(normalizeRecord(rec));
    assert.equal(res.rule, rule, JSON.stringify(rec).slice(0, 200));
  }
  // Rules name the ad and page where known, for the quarantine table.
  const noBody = dropped(normalizeRecord(record({ ad_creative_bodies: [" "] })));
  assert.equal(noBody.adId, "1001");
  assert.equal(noBody.pageId, "2002");
  const noLoc = dropped(normalizeRecord(without(record(), "delivery_by_region")));
  assert.match(noLoc.detail, /delivery_by_region/);
});

test("rules apply in order: a record missing everything is missing_id", () => {
  const res = dropped(
    normalizeRecord({ ad_creative_bodies: [], delivery_by_region: [], page_name: "x" }),
  );
  assert.equal(res.rule, "missing_id");
  const noPageNoBody = dropped(normalizeRecord(record({ page_id: null, ad_creative_bodies: [] })));
  assert.equal(noPageNoBody.rule, "missing_page");
});

test("numeric ids and page ids become strings; names are trimmed", () => {
  const ad = ok(normalizeRecord(record({ id: 1001, page_id: 2002, page_name: "  Page  " })));
  assert.equal(ad.adId, "1001");
  assert.equal(ad.pageId, "2002");
  assert.equal(ad.pageName, "Page");
});

test("synthetic records and media are carried through", () => {
  const ad = ok(normalizeRecord(record({ avakit_synthetic: true, media: ["img/1.jpg"] })));
  assert.equal(ad.synthetic, true);
  assert.deepEqual(ad.media, ["img/1.jpg"]);
});
