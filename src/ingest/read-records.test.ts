import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { AvakitError } from "../core/errors.js";
import { readJsonArray, readRecords, readText, type SourceRecord } from "./read-records.js";

const dir = mkdtempSync(join(tmpdir(), "avakit-read-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function file(content: string | Buffer, name = `f${++seq}.txt`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function readAll(path: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of readRecords(path)) out.push(r);
  return out;
}

async function collect(it: AsyncIterable<SourceRecord>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** The text cut into chunks of the given sizes (cycled), as a stream would deliver it. */
async function* chunked(text: string, sizes: number[]): AsyncGenerator<string> {
  let i = 0;
  let k = 0;
  while (i < text.length) {
    const n = sizes[k++ % sizes.length]!;
    yield text.slice(i, i + n);
    i += n;
  }
}

/** What a test compares: where a record is, and its value or that it failed to parse. */
function summary(recs: SourceRecord[]): [number, unknown][] {
  return recs.map((r) => [r.line, r.parseError !== undefined ? "ERROR" : r.value]);
}

const rec = (id: number, extra: Record<string, unknown> = {}) => ({
  id: String(id),
  page_id: "p1",
  ad_creative_bodies: [`body ${id}`],
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// JSONL

test("JSONL: CRLF, blank lines, a bad line in the middle with its line number, later lines read", async () => {
  const text = [
    JSON.stringify(rec(1)),
    "",
    JSON.stringify(rec(2)),
    '{"id": "3", "page_id": ',
    "   ",
    JSON.stringify(rec(4)),
    "",
  ].join("\r\n");
  const recs = await readAll(file(text));
  assert.deepEqual(summary(recs), [
    [1, rec(1)],
    [3, rec(2)],
    [4, "ERROR"],
    [6, rec(4)],
  ]);
  for (const r of recs) assert.equal(r.source, join(dir, `f${seq}.txt`));
  assert.equal(recs[2]!.text, '{"id": "3", "page_id": ');
  assert.ok(recs[2]!.parseError!.length > 0);
  // The text of a good line is the line itself, without the \r.
  assert.equal(recs[0]!.text, JSON.stringify(rec(1)));
  assert.ok(recs.every((r) => !r.text.includes("\r")));
});

test("JSONL: the last line needs no newline; text is the exact line", async () => {
  const l1 = '{"id": "1",   "page_id": "p"}';
  const recs = await readAll(file(`${l1}\n{"id":"2"}`));
  assert.deepEqual(summary(recs), [
    [1, { id: "1", page_id: "p" }],
    [2, { id: "2" }],
  ]);
  assert.equal(recs[0]!.text, l1);
});

test("JSONL whose first line is bad: reported, and every later line still read", async () => {
  const text = ["{not json", JSON.stringify(rec(2)), JSON.stringify(rec(3)), "oops"].join("\n");
  const recs = await readAll(file(text));
  assert.deepEqual(summary(recs), [
    [1, "ERROR"],
    [2, rec(2)],
    [3, rec(3)],
    [4, "ERROR"],
  ]);
  assert.equal(recs[0]!.text, "{not json");
});

test("a UTF-8 byte order mark does not make the first record malformed", async () => {
  const recs = await readAll(file(`\uFEFF${JSON.stringify(rec(1))}\n${JSON.stringify(rec(2))}\n`));
  assert.deepEqual(summary(recs), [
    [1, rec(1)],
    [2, rec(2)],
  ]);
  const arr = await readAll(file(`\uFEFF[${JSON.stringify(rec(1))}]`));
  assert.deepEqual(summary(arr), [[1, rec(1)]]);
});

test("JSONL of saved API pages: each page's data, with the page's line", async () => {
  const page1 = { data: [rec(1), rec(2)], paging: { cursors: { after: "A" }, next: "https://x" } };
  const page2 = { data: [rec(3)], paging: { cursors: { before: "A" } } };
  const empty = { data: [] };
  const text = `${JSON.stringify(page1)}\n${JSON.stringify(empty)}\n${JSON.stringify(page2)}\n`;
  const recs = await readAll(file(text));
  assert.deepEqual(summary(recs), [
    [1, rec(1)],
    [1, rec(2)],
    [3, rec(3)],
  ]);
  // Each record's text is that record alone (its key and quarantine text), not the page.
  assert.equal(recs[1]!.text, JSON.stringify(rec(2)));
});

test("JSONL whose lines are arrays of records (jq -c '.data')", async () => {
  const text = `${JSON.stringify([rec(1), rec(2)])}\n${JSON.stringify([rec(3)])}\n`;
  const recs = await readAll(file(text));
  assert.deepEqual(summary(recs), [
    [1, rec(1)],
    [1, rec(2)],
    [2, rec(3)],
  ]);
});

// ---------------------------------------------------------------------------------------------
// One JSON document

test("a saved API page pretty-printed over many lines", async () => {
  const page = { data: [rec(1), rec(2), rec(3)], paging: { cursors: { after: "x" } } };
  const recs = await readAll(file(JSON.stringify(page, null, 2)));
  assert.deepEqual(summary(recs), [
    [1, rec(1)],
    [1, rec(2)],
    [1, rec(3)],
  ]);
  assert.deepEqual(
    recs.map((r) => r.text),
    [rec(1), rec(2), rec(3)].map((r) => JSON.stringify(r)),
  );
});

test("a single record, one line or pretty-printed (with CRLF)", async () => {
  const one = await readAll(file(JSON.stringify(rec(7))));
  assert.deepEqual(summary(one), [[1, rec(7)]]);
  const pretty = JSON.stringify(
    rec(8, { spend: { lower_bound: "0", upper_bound: "99" } }),
    null,
    2,
  );
  const recs = await readAll(file(`\r\n\r\n${pretty.replaceAll("\n", "\r\n")}\r\n`));
  assert.deepEqual(summary(recs), [
    [3, rec(8, { spend: { lower_bound: "0", upper_bound: "99" } })],
  ]);
});

test("a broken (truncated) pretty-printed document is one malformed record, not one per line", async () => {
  const page = { data: [rec(1), rec(2)], paging: {} };
  const text = JSON.stringify(page, null, 2);
  const recs = await readAll(file(text.slice(0, text.length - 40)));
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.line, 1);
  assert.ok(recs[0]!.parseError);
});

test("an empty file, a blank file and an empty array have no records", async () => {
  assert.deepEqual(await readAll(file("")), []);
  assert.deepEqual(await readAll(file(" \r\n\n\t\n")), []);
  assert.deepEqual(await readAll(file("[]")), []);
  assert.deepEqual(await readAll(file("\n[\n  ]\n")), []);
  assert.deepEqual(await readAll(file(gzipSync(""))), []);
});

// ---------------------------------------------------------------------------------------------
// JSON array

test("a pretty-printed JSON array: each element with the line it starts on", async () => {
  const elems = [
    rec(1),
    rec(2, { delivery_by_region: [{ percentage: "1", region: "Ohio" }] }),
    rec(3),
  ];
  const text = JSON.stringify(elems, null, 2);
  const starts = text
    .split("\n")
    .map((l, i) => [l, i + 1] as const)
    .filter(([l]) => l === "  {")
    .map(([, n]) => n);
  assert.equal(starts.length, 3);
  const recs = await readAll(file(text));
  assert.deepEqual(
    summary(recs),
    elems.map((e, i) => [starts[i]!, e]),
  );
  assert.deepEqual(
    recs.map((r) => r.line),
    [2, 9, 22],
  );
});

const TRICKY = [
  {
    id: "t1",
    ad_creative_bodies: ["a ] b", "c , d", 'say "hi"', "back\\slash\\", "{[}]", "]"],
    nested: [[1, [2, [3]]], { a: [] }, { "k]": "v," }],
  },
  { id: "t2", ad_creative_bodies: ['"', "\\", '\\"', "\\\\", "\u2028 \n \r \t", "emoji 👏"] },
  "just a string, with ] and [",
  42,
  null,
  [],
];

test("array elements with nested arrays and strings containing ], comma, quote escapes", async () => {
  const text = `[\n${TRICKY.map((e) => JSON.stringify(e)).join(",\n")}\n]\n`;
  const recs = await readAll(file(text));
  assert.deepEqual(
    summary(recs),
    TRICKY.map((e, i) => [i + 2, e]),
  );
  // Pretty-printed too.
  const pretty = await readAll(file(JSON.stringify(TRICKY, null, 2)));
  assert.deepEqual(
    pretty.map((r) => r.value),
    TRICKY,
  );
});

test("a malformed element in the middle is reported with its line; the rest still read", async () => {
  const text = [
    "[",
    `  ${JSON.stringify(rec(1))},`,
    '  {"id": "2", "page_id": oops, "x": [1, 2]},',
    "  }},",
    `  ${JSON.stringify(rec(4))}`,
    "]",
  ].join("\n");
  const recs = await readAll(file(text));
  assert.deepEqual(summary(recs), [
    [2, rec(1)],
    [3, "ERROR"],
    [4, "ERROR"],
    [5, rec(4)],
  ]);
  assert.equal(recs[1]!.text, '{"id": "2", "page_id": oops, "x": [1, 2]}');
});

test("a truncated array at EOF: complete elements read, the cut one reported", async () => {
  const full = `[\n${[rec(1), rec(2), rec(3)].map((e) => JSON.stringify(e)).join(",\n")}\n]`;
  const cut = full.slice(0, full.indexOf('"body 3') + 4);
  const recs = await readAll(file(cut));
  assert.deepEqual(summary(recs), [
    [2, rec(1)],
    [3, rec(2)],
    [4, "ERROR"],
  ]);
  assert.match(recs[2]!.parseError!, /unexpected end of file/);
  // Cut right after a comma: nothing is lost, the truncation is still reported.
  const afterComma = await readAll(file(full.slice(0, full.indexOf(",\n") + 2)));
  assert.deepEqual(summary(afterComma), [
    [2, rec(1)],
    [3, "ERROR"],
  ]);
  // Only the opening bracket.
  assert.deepEqual(summary(await readAll(file("[\n"))), [[2, "ERROR"]]);
});

test("arrays one after another are all read; text outside an array is reported", async () => {
  const text = `[${JSON.stringify(rec(1))}]\n[${JSON.stringify(rec(2))},\n${JSON.stringify(rec(3))}]\ngarbage here\n[]`;
  const recs = await readAll(file(text));
  assert.deepEqual(summary(recs), [
    [1, rec(1)],
    [2, rec(2)],
    [3, rec(3)],
    [4, "ERROR"],
  ]);
  assert.equal(recs[3]!.text, "garbage here");
});

// ---------------------------------------------------------------------------------------------
// gzip

test("gzip of each format is detected by its magic bytes, whatever the extension", async () => {
  const jsonl = `${JSON.stringify(rec(1))}\r\n\r\nbad\r\n${JSON.stringify(rec(2))}\r\n`;
  const array = JSON.stringify([rec(1), rec(2)], null, 2);
  const page = JSON.stringify({ data: [rec(1), rec(2)], paging: {} }, null, 2);
  const pages = `${JSON.stringify({ data: [rec(1)] })}\n${JSON.stringify({ data: [rec(2)] })}\n`;
  const single = JSON.stringify(rec(1), null, 2);
  const cases: [string, [number, unknown][]][] = [
    [
      jsonl,
      [
        [1, rec(1)],
        [3, "ERROR"],
        [4, rec(2)],
      ],
    ],
    [
      array,
      [
        [2, rec(1)],
        [9, rec(2)],
      ],
    ],
    [
      page,
      [
        [1, rec(1)],
        [1, rec(2)],
      ],
    ],
    [
      pages,
      [
        [1, rec(1)],
        [2, rec(2)],
      ],
    ],
    [single, [[1, rec(1)]]],
  ];
  for (const [text, want] of cases) {
    const plain = await readAll(file(text, `plain${++seq}.gz`));
    assert.deepEqual(summary(plain), want);
    const gz = await readAll(file(gzipSync(text), `packed${++seq}.json`));
    assert.deepEqual(summary(gz), want);
  }
});

test("a gzip file truncated in the middle: records before the cut, then an error naming it", async () => {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(JSON.stringify(rec(i, { pad: `${i}`.repeat(20) })));
  const gz = gzipSync(`${lines.join("\n")}\n`);
  const path = file(gz.subarray(0, Math.floor(gz.length / 2)), "cut.jsonl.gz");
  const got: SourceRecord[] = [];
  await assert.rejects(
    (async () => {
      for await (const r of readRecords(path)) got.push(r);
    })(),
    (e: unknown) => e instanceof AvakitError && e.message.includes(path),
  );
  assert.ok(got.length > 0 && got.length < 3000, `${got.length} records before the cut`);
  // Every record yielded before the error is complete and in order: no partial line.
  got.forEach((r, i) => {
    assert.equal(r.parseError, undefined);
    assert.equal(r.line, i + 1);
    assert.deepEqual(r.value, rec(i, { pad: `${i}`.repeat(20) }));
  });
});

// ---------------------------------------------------------------------------------------------
// Unreadable input

test("a missing file is an AvakitError naming the path", async () => {
  const missing = join(dir, "no-such-file.jsonl");
  await assert.rejects(
    readAll(missing),
    (e: unknown) =>
      e instanceof AvakitError && e.message.includes(missing) && /ENOENT/.test(e.message),
  );
});

test("a directory is an AvakitError naming the path", async () => {
  const sub = join(dir, "a-directory");
  mkdirSync(sub);
  await assert.rejects(
    readAll(sub),
    (e: unknown) => e instanceof AvakitError && e.message.includes(sub),
  );
});

// ---------------------------------------------------------------------------------------------
// Streaming: large input, chunk boundaries

/** Records with bodies of varied sizes and characters that matter to the scanner. */
function bigRecords(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const body = `${i} "quoted" ], {x}, back\\slash ${"é👏,[]".repeat(i % 97)} ${"x".repeat((i * 7919) % 3000)}`;
    out.push(rec(i, { ad_creative_bodies: [body, "]"], nested: [[i], { k: [`${i},`] }] }));
  }
  return out;
}

test("a JSON array > 1 MiB whose elements straddle the 1 MiB read chunks", async () => {
  const recs = bigRecords(1500);
  const text = `[\n${recs.map((r) => JSON.stringify(r, null, 1)).join(",\n")}\n]\n`;
  const path = file(text, "big-array.json");
  assert.ok(statSync(path).size > 2 * 1024 * 1024, "file spans several chunks");
  // Where each element starts, counted independently of the scanner.
  const expectedLines: number[] = [];
  let line = 2;
  for (const r of recs) {
    expectedLines.push(line);
    line += JSON.stringify(r, null, 1).split("\n").length;
  }
  const got = await readAll(path);
  assert.equal(got.length, recs.length);
  got.forEach((g, i) => {
    assert.equal(g.parseError, undefined, `element ${i}`);
    assert.equal(g.line, expectedLines[i], `line of element ${i}`);
    assert.deepEqual(g.value, recs[i]);
  });
  const gz = await readAll(file(gzipSync(text), "big-array.bin"));
  assert.deepEqual(summary(gz), summary(got));
});

test("JSONL > 1 MiB, plain and gzip, lines straddling the read chunks", async () => {
  const recs = bigRecords(1500);
  const text = `${recs.map((r) => JSON.stringify(r)).join("\r\n")}\r\n`;
  const path = file(text, "big.jsonl");
  assert.ok(statSync(path).size > 2 * 1024 * 1024);
  const got = await readAll(path);
  assert.deepEqual(
    summary(got),
    recs.map((r, i) => [i + 1, r]),
  );
  const gz = await readAll(file(gzipSync(text), "big.jsonl.gz"));
  assert.deepEqual(summary(gz), summary(got));
});

test("the array scanner gives the same records whatever the chunk sizes", async () => {
  const elems = [...TRICKY, ...bigRecords(12)];
  const texts = [
    `[\n${elems.map((e) => JSON.stringify(e)).join(",\n")}\n]`,
    JSON.stringify(elems, null, 2).replaceAll("\n", "\r\n"),
    // with a malformed element and a truncated end
    `[${JSON.stringify(rec(1))},\n{"bad": ]],\n${JSON.stringify(rec(3))},\n{"cut": "a\\"b`,
  ];
  for (const text of texts) {
    const whole = await collect(readJsonArray(chunked(text, [text.length]), "s"));
    assert.ok(whole.length >= 4);
    for (const sizes of [[1], [2], [3], [7, 1, 13], [64], [1, 1, 1, 500]]) {
      const got = await collect(readJsonArray(chunked(text, sizes), "s"));
      assert.deepEqual(summary(got), summary(whole), `chunk sizes ${sizes.join(",")}`);
      assert.deepEqual(
        got.map((r) => r.text),
        whole.map((r) => r.text),
      );
    }
  }
});

test("format detection gives the same records whatever the chunk sizes", async () => {
  const jsonl = `\n\n${JSON.stringify(rec(1))}\r\nbad line\r\n\r\n${JSON.stringify({ data: [rec(2), rec(3)] })}\n${JSON.stringify(rec(4))}`;
  const page = `\uFEFF  ${JSON.stringify({ data: [rec(1), rec(2)], paging: {} }, null, 2)}`;
  const array = `   \n ${JSON.stringify([rec(1), rec(2)], null, 2)}`;
  const wants: [string, [number, unknown][]][] = [
    [
      jsonl,
      [
        [3, rec(1)],
        [4, "ERROR"],
        [6, rec(2)],
        [6, rec(3)],
        [7, rec(4)],
      ],
    ],
    [
      page,
      [
        [1, rec(1)],
        [1, rec(2)],
      ],
    ],
    [
      array,
      [
        [3, rec(1)],
        [10, rec(2)],
      ],
    ],
  ];
  for (const [text, want] of wants) {
    for (const sizes of [[text.length], [1], [2], [5, 1], [17]]) {
      const got = await collect(readText(chunked(text, sizes), "s"));
      assert.deepEqual(summary(got), want, `chunk sizes ${sizes.join(",")}`);
    }
  }
});
