import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeModelServer } from "../../test/fake-openai-server.js";
import { verbalizeRun } from "../cli/verbalize.js";
import { AvakitError } from "../core/errors.js";
import { mediaTextsFor } from "../store/media-texts.js";
import { adRow } from "../store/rows.js";
import { Store } from "../store/store.js";
import {
  imageDataUrl,
  locateMedia,
  sniffImageMime,
  VERBALIZE_PROMPT,
  verbalizedBody,
  verbalizeMedia,
  verbalizerId,
} from "./verbalize.js";

const FIX = new URL("../../test/fixtures/verbalize/", import.meta.url).pathname;
const PNG = readFileSync(join(FIX, "media/one.png"));
const JPG = readFileSync(join(FIX, "media/frame-1.jpg"));
const KEY = "sk-test-verbalize-0123456789abcdef";
const NO_RETRY = { maxAttempts: 1 };

const dir = mkdtempSync(join(tmpdir(), "avakit-verbalize-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let dbSeq = 0;

/** A fresh database holding ads with these media lists (ad ids "1", "2", ...). */
async function dbWithMedia(mediaLists: string[][]): Promise<{ store: Store; path: string }> {
  const path = join(dir, `t${++dbSeq}.duckdb`);
  const store = await Store.open(path);
  const rows = mediaLists.map((media, i) =>
    JSON.stringify(
      adRow(
        {
          adId: String(i + 1),
          pageId: "p",
          pageName: null,
          byline: null,
          body: `body ${i + 1}`,
          bodies: [`body ${i + 1}`],
          title: null,
          linkCaption: null,
          linkDescription: null,
          platforms: [],
          languages: [],
          currency: "USD",
          createdDate: null,
          startDate: "2020-01-01",
          endDate: null,
          spend: null,
          impressions: null,
          audienceSize: null,
          regions: [{ region: "Ohio", share: 1 }],
          demographics: [],
          snapshotUrl: null,
          media,
          synthetic: false,
        },
        { source: "f", line: i + 1, recordKey: `k${i}`, bodyKey: `b${i}`, runId: 1 },
      ),
    ),
  );
  await store.transaction(() =>
    store.appendBatch({ adRows: rows, signalRows: [], quarantineRows: [] }),
  );
  return { store, path };
}

type Part = { type: string; text?: string; image_url?: { url: string } };

function imageUrlOf(body: unknown): string {
  const msgs = (body as { messages: { content: Part[] }[] }).messages;
  const part = msgs[0]!.content.find((p) => p.type === "image_url");
  return part!.image_url!.url;
}

test("verbalizedBody: the body, a blank line, then one numbered line per image", () => {
  assert.equal(verbalizedBody("Buy now.", []), "Buy now.");
  assert.equal(
    verbalizedBody("Buy now.\n", ["A red car.\nText: SALE", "  ", "A logo. Text: none"]),
    "Buy now.\n\nImage 1: A red car. Text: SALE\nImage 2: A logo. Text: none",
  );
  assert.equal(verbalizedBody("", ["A cat."]), "Image 1: A cat.");
});

test("media are located and sniffed: URLs as they are, paths under the root, images by bytes", () => {
  assert.deepEqual(locateMedia("https://x.test/a.png", "/r"), {
    kind: "url",
    url: "https://x.test/a.png",
  });
  assert.deepEqual(locateMedia("img/a.png", "/r"), { kind: "file", path: "/r/img/a.png" });
  assert.deepEqual(locateMedia("/abs/a.png", "/r"), { kind: "file", path: "/abs/a.png" });
  assert.deepEqual(locateMedia("file:///abs/a%20b.png", "/r"), {
    kind: "file",
    path: "/abs/a b.png",
  });
  assert.throws(() => locateMedia("s3://bucket/a.png", "/r"), /s3:\/\/ URLs are not fetched/);
  assert.equal(sniffImageMime(PNG), "image/png");
  assert.equal(sniffImageMime(JPG), "image/jpeg");
  assert.equal(sniffImageMime(Buffer.from("GIF89a......")), "image/gif");
  assert.equal(sniffImageMime(Buffer.from("RIFF\0\0\0\0WEBPVP8 ")), "image/webp");
  assert.throws(() => sniffImageMime(Buffer.from("\0\0\0\x18ftypmp42")), /video .*extract frames/);
  assert.throws(() => sniffImageMime(Buffer.from("hello")), /not a PNG, JPEG, GIF or WebP/);
});

test("imageDataUrl: a data URL with the sniffed MIME type; too large, a folder, missing: errors", async () => {
  assert.equal(
    await imageDataUrl(join(FIX, "media/one.png")),
    `data:image/png;base64,${PNG.toString("base64")}`,
  );
  await assert.rejects(
    imageDataUrl(join(FIX, "media/one.png"), 10),
    /over the 0 MiB an image may have/,
  );
  await assert.rejects(imageDataUrl(join(FIX, "media")), /is not a file/);
  await assert.rejects(imageDataUrl(join(FIX, "nope.png")), /file not found/);
});

test("verbalize: data URLs sent, answers stored, a missing file reported, a rerun asks nothing", async (t) => {
  let n = 0;
  const server = await startFakeModelServer({ generateText: () => `description ${++n}` });
  t.after(() => server.close());
  const { store } = await dbWithMedia([
    ["media/one.png", "media/frame-1.jpg"],
    ["media/one.png", "https://img.test/remote.png"],
    ["media/missing.png"],
    [],
    ["media/missing.png"],
  ]);
  t.after(() => store.close());
  const opts = {
    model: "vision-1",
    baseUrl: server.openaiBaseUrl,
    apiKey: KEY,
    mediaRoot: FIX,
    concurrency: 1,
    retry: NO_RETRY,
  };
  const progress: number[] = [];
  const first = await verbalizeMedia(store, { ...opts, onProgress: (p) => progress.push(p.done) });
  const id = verbalizerId({ model: "vision-1", baseUrl: server.openaiBaseUrl });
  assert.equal(id, `openai:vision-1@${server.openaiBaseUrl}`);
  assert.equal(first.model, id);
  assert.equal(first.distinct, 4);
  assert.equal(first.alreadyDone, 0);
  assert.equal(first.attempted, 4);
  assert.equal(first.requested, 3);
  assert.equal(first.stored, 3);
  assert.equal(first.failed, 1);
  assert.equal(first.missing, 1);
  assert.equal(first.serverModel, "vision-1-fake-0001");
  assert.deepEqual(progress, [0, 1, 2, 3, 4]);
  assert.equal(first.failures.length, 1);
  const miss = first.failures[0]!;
  assert.equal(miss.media, "media/missing.png");
  assert.equal(miss.kind, "missing");
  assert.deepEqual(miss.adIds, ["3", "5"]);
  assert.match(miss.error, /file not found: .*media\/missing\.png/);

  // Media order: https://img.test/remote.png, media/frame-1.jpg, (media/missing.png), media/one.png.
  assert.equal(server.requests.length, 3);
  const urls = server.requests.map((r) => imageUrlOf(r.body));
  assert.deepEqual(urls, [
    "https://img.test/remote.png",
    `data:image/jpeg;base64,${JPG.toString("base64")}`,
    `data:image/png;base64,${PNG.toString("base64")}`,
  ]);
  for (const r of server.requests) {
    assert.equal(r.path, "/v1/chat/completions");
    assert.equal(r.authorization, `Bearer ${KEY}`);
    const body = r.body as { model: string; temperature: number; messages: { content: Part[] }[] };
    assert.equal(body.model, "vision-1");
    assert.equal(body.temperature, 0);
    assert.deepEqual(body.messages[0]!.content[0], { type: "text", text: VERBALIZE_PROMPT });
  }

  const texts = await mediaTextsFor(store, id);
  assert.deepEqual([...texts.entries()].sort(), [
    ["https://img.test/remote.png", "description 1"],
    ["media/frame-1.jpg", "description 2"],
    ["media/one.png", "description 3"],
  ]);
  // A spec without the server stands for the one server that has answers.
  assert.equal((await mediaTextsFor(store, "openai:vision-1")).size, 3);

  const again = await verbalizeMedia(store, opts);
  assert.equal(server.requests.length, 3, "a rerun sends no request");
  assert.equal(again.alreadyDone, 3);
  assert.equal(again.attempted, 1);
  assert.equal(again.requested, 0);
  assert.equal(again.stored, 0);
  assert.equal(again.missing, 1);
  const rows = await store.query<{ n: number }>("SELECT count(*)::INTEGER AS n FROM media_texts");
  assert.equal(rows[0]!.n, 3);

  // Another model is another verbalizer: everything is asked again, under its own id.
  const other = await verbalizeMedia(store, { ...opts, model: "vision-2" });
  assert.equal(other.stored, 3);
  assert.equal(server.requests.length, 6);
  // With answers from two servers, the spec alone is ambiguous.
  await store.run(
    "INSERT INTO media_texts VALUES ('openai:vision-1@http://other.test/v1', 'media/one.png', 'x', now())",
  );
  await assert.rejects(mediaTextsFor(store, "openai:vision-1"), /several servers: name one of/);
  assert.equal((await mediaTextsFor(store, id)).get("media/one.png"), "description 3");
});

test("a failed request is a per-item failure with the key redacted, and is retried next run", async (t) => {
  const server = await startFakeModelServer({
    faults: [
      { kind: "status", status: 401, message: "bad key", echoAuth: true },
      {
        kind: "status",
        status: 400,
        message: "Invalid content type. image_url is only supported by certain models.",
      },
    ],
  });
  t.after(() => server.close());
  const { store } = await dbWithMedia([["media/one.png"], ["media/frame-1.jpg"]]);
  t.after(() => store.close());
  const opts = {
    model: "vision-1",
    baseUrl: server.openaiBaseUrl,
    apiKey: KEY,
    mediaRoot: FIX,
    concurrency: 1,
    retry: NO_RETRY,
  };
  const res = await verbalizeMedia(store, opts);
  assert.equal(res.failed, 2);
  assert.equal(res.stored, 0);
  const [auth, vision] = res.failures;
  assert.equal(auth!.kind, "request");
  assert.match(auth!.error, /HTTP 401/);
  assert.match(auth!.error, /Bearer \[REDACTED\]/);
  assert.match(vision!.error, /vision-capable chat model/);
  for (const f of res.failures) assert.ok(!f.error.includes(KEY), f.error);
  assert.ok(!JSON.stringify(res).includes(KEY));

  const retry = await verbalizeMedia(store, opts);
  assert.equal(retry.stored, 2);
  assert.equal(retry.failed, 0);
});

test("api.openai.com without a key is refused before anything is read or sent", async (t) => {
  const { store } = await dbWithMedia([["media/one.png"]]);
  t.after(() => store.close());
  await assert.rejects(
    verbalizeMedia(store, { model: "gpt-4o-mini", env: {} }),
    (e: unknown) => e instanceof AvakitError && /needs a key: set OPENAI_API_KEY/.test(e.message),
  );
});

function capture() {
  let text = "";
  return {
    write: (s: string) => (text += s),
    get text() {
      return text;
    },
  };
}

test("CLI: no media is a message and exit 0; failures are listed with their ads and exit 1", async (t) => {
  const server = await startFakeModelServer();
  t.after(() => server.close());
  const savedKey = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = KEY;
  t.after(() => {
    if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = savedKey;
  });
  const args = (db: string, extra: Record<string, string | boolean> = {}) => ({
    values: {
      db,
      model: "openai:vision-1",
      "base-url": server.openaiBaseUrl,
      "media-root": FIX,
      quiet: true,
      ...extra,
    },
    positionals: [],
  });

  const empty = await dbWithMedia([[], []]);
  empty.store.close();
  const out0 = capture();
  assert.equal(await verbalizeRun(args(empty.path), out0, capture()), 0);
  assert.equal(out0.text, "no ad carries media: nothing to verbalize\n");

  const some = await dbWithMedia([["media/one.png"], ["gone.png"], ["gone.png"]]);
  some.store.close();
  const out = capture();
  const err = capture();
  assert.equal(await verbalizeRun(args(some.path), out, err), 1);
  assert.match(
    out.text,
    /2 distinct, 0 verbalized before, 2 attempted, 1 stored, 1 failed \(1 missing files\)/,
  );
  assert.match(out.text, /failed \(missing\): gone\.png \[ad 2, 3\]: file not found/);
  assert.match(err.text, /1 of 2 media items failed/);
  assert.ok(!out.text.includes(KEY) && !err.text.includes(KEY));
  assert.equal(
    await verbalizeRun(args(some.path, { "allow-failures": true }), capture(), capture()),
    0,
  );
  assert.equal(server.requests.length, 1);

  await assert.rejects(
    verbalizeRun(
      { ...args(some.path), values: { ...args(some.path).values, model: "ollama:llava" } },
      capture(),
      capture(),
    ),
    /use --model openai:MODEL/,
  );
});
