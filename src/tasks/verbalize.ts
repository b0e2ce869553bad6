import { readFile, stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkBaseUrl, postJson, type RetryOptions } from "../backends/http.js";
import { OPENAI_DEFAULT_BASE_URL, parseChatText } from "../backends/openai.js";
import { type PoolProgress, runPool } from "../backends/pool.js";
import { isObj, ResponseShapeError } from "../backends/response-shape.js";
import { AvakitError, errorMessage } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { insertMediaTexts, mediaCounts, pendingMedia } from "../store/media-texts.js";
import type { Store } from "../store/store.js";

/**
 * Media verbalization (§3.1): "Media elements (images or videos) are verbalized ... and
 * concatenated with the ad text. For multi-frame ads, verbalized contents are combined into a
 * single text body." Every distinct item of `ads.media` is shown once to a vision-capable
 * OpenAI-compatible chat model with VERBALIZE_PROMPT at temperature 0, and the answer is stored
 * in `media_texts` under the verbalizer's id; `verbalizedBody` appends the answers to the body.
 *
 * Design notes.
 * - The request is sent through the backends' HTTP layer (postJson: retries, backoff, key
 *   redaction) rather than a `Backend`, because the Backend contract's chat messages carry text
 *   only, and an image needs content parts.
 * - The backend disk cache is not used: its log stores each full request, here a base64 image
 *   of up to 20 MiB, and `media_texts` already is a cache keyed by exactly what changes the
 *   answer: (verbalizer id, media). A rerun asks only for the media missing there, so nothing is
 *   asked twice; failed items are not stored and are asked again next time.
 * - Videos are not sent: the chat API takes images. A video is verbalized frame by frame, the
 *   way the paper treats multi-frame ads: extract frames (e.g. ffmpeg) and list the frame images
 *   as the ad's media; verbalizedBody then joins them in order.
 */

/**
 * The fixed instruction shown with every image (Bhattacharyya et al., 2023 verbalize a frame as
 * a caption plus its on-screen text; this asks for both, in one paragraph). Changing it changes
 * every stored answer's meaning: give the new prompt a new verbalizer id (another model name or
 * base URL) rather than mixing answers of two prompts under one id.
 */
export const VERBALIZE_PROMPT =
  "This image is from an online advertisement. Describe it for someone who cannot see it, then transcribe the text in it.\n" +
  "1. Description: in 2 to 4 sentences, say what the image shows: people (apparent age, gender, expression, clothing), objects, products, logos, setting, colors, and the style (photo, illustration, screenshot, poster, chart).\n" +
  '2. Text: copy every piece of text visible in the image exactly as written, in reading order, in its original language, separated by " | ". Write "none" if there is no text.\n' +
  "Answer in a single paragraph of the form: Description: ... Text: ...\nDo not guess who the advertiser is and do not add opinions, only what is visible.";

/** sha256 of VERBALIZE_PROMPT: printed with each run, so a stored answer can be traced to it. */
export const VERBALIZE_PROMPT_SHA256 = sha256(VERBALIZE_PROMPT);

/** What the OpenAI chat API takes as images (OpenAI: PNG, JPEG, WEBP, non-animated GIF). */
export const IMAGE_MIME_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

/** OpenAI's limit on one image. */
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;
export const DEFAULT_VERBALIZE_CONCURRENCY = 4;
export const DEFAULT_VERBALIZE_MAX_TOKENS = 1024;

export interface VerbalizeOptions {
  /** The model name at the server (what follows `openai:`), e.g. "gpt-4o-mini". */
  model: string;
  /** An OpenAI-compatible base URL (default https://api.openai.com/v1). */
  baseUrl?: string;
  /** Default: OPENAI_API_KEY from `env`. Sent only as `Authorization: Bearer`, never printed. */
  apiKey?: string;
  /** Where OPENAI_API_KEY is read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Relative local media paths are resolved against this folder (default: the current one). */
  mediaRoot?: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** At most this many media items this run (those not yet verbalized, in media order). */
  limit?: number;
  /** max_tokens of each answer (default 1024). */
  maxTokens?: number;
  /** Local files larger than this are an error for that item (default 20 MiB). */
  maxImageBytes?: number;
  /** Timeouts and retries of each request (the backends' defaults otherwise). */
  retry?: RetryOptions;
  /** Called once the work is known (`total` items to ask) and after each item settles. */
  onProgress?: (p: PoolProgress) => void;
  signal?: AbortSignal;
}

/** Why an item got no text this run: its file is missing, it is no image, or the request failed. */
export type VerbalizeFailureKind = "missing" | "unsupported" | "request";

export interface VerbalizeFailure {
  media: string;
  /** The ads that list it, sorted. */
  adIds: string[];
  kind: VerbalizeFailureKind;
  error: string;
}

export interface VerbalizeCounts {
  /** The verbalizer id rows are stored under (`openai:MODEL@BASE_URL`). */
  model: string;
  promptSha256: string;
  /** Distinct media items the ads list. */
  distinct: number;
  /** Of those, verbalized by this model before this run (not asked again). */
  alreadyDone: number;
  /** Items this run worked on (all pending ones, or --limit of them). */
  attempted: number;
  /** Requests that got an answer or failed for good (local-file failures send none). */
  requested: number;
  /** Answers stored in media_texts. */
  stored: number;
  failed: number;
  /** Of `failed`: local files that do not exist. */
  missing: number;
  failures: VerbalizeFailure[];
  /** The model name the server reported (first answer that said), e.g. a dated snapshot. */
  serverModel: string | null;
}

/** The id a verbalizer's answers are stored under: backend spec and base URL, never a key. */
export function verbalizerId(opts: { model: string; baseUrl?: string }): string {
  const { display } = checkBaseUrl(opts.baseUrl ?? OPENAI_DEFAULT_BASE_URL);
  return `openai:${opts.model}@${display}`;
}

/**
 * An ad's body with its media verbalized, as the instructions show it: the body, a blank line,
 * then one line per media item in the ad's order, `Image 1: ...`, `Image 2: ...` (numbered even
 * when there is only one, so that one-frame and multi-frame ads read alike). Whitespace inside a
 * text (the model's line breaks) becomes single spaces, so each item stays one line; empty texts
 * are left out and the numbering closes up. No texts: the body unchanged.
 */
export function verbalizedBody(body: string, mediaTexts: readonly string[]): string {
  const lines = mediaTexts
    .map((t) => t.replace(/\s+/g, " ").trim())
    .filter((t) => t !== "")
    .map((t, i) => `Image ${i + 1}: ${t}`);
  if (lines.length === 0) return body;
  const head = body.trimEnd();
  return head === "" ? lines.join("\n") : `${head}\n\n${lines.join("\n")}`;
}

/** Where an `ads.media` entry points: a URL sent as is, or a local file. */
export type MediaLocation = { kind: "url"; url: string } | { kind: "file"; path: string };

/**
 * http(s) and data: URLs are sent as they are; file: URLs and paths are local files, relative
 * paths resolved against `mediaRoot`. Another scheme (s3://, gs://) is an error: fetch it first.
 */
export function locateMedia(media: string, mediaRoot: string): MediaLocation {
  if (/^https?:\/\//i.test(media) || /^data:/i.test(media)) return { kind: "url", url: media };
  if (/^file:/i.test(media)) {
    try {
      return { kind: "file", path: fileURLToPath(media) };
    } catch (err) {
      throw new MediaError("unsupported", `not a usable file URL: ${errorMessage(err)}`);
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(media);
  if (scheme) {
    throw new MediaError(
      "unsupported",
      `${scheme[1]}:// URLs are not fetched: download the file and list its path, or an http(s) URL`,
    );
  }
  return { kind: "file", path: isAbsolute(media) ? media : resolve(mediaRoot, media) };
}

/** The MIME type of image bytes by their magic numbers, or why they are not an image to send. */
export function sniffImageMime(bytes: Uint8Array): (typeof IMAGE_MIME_TYPES)[number] {
  const b = (i: number) => bytes[i] ?? -1;
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (b(0) === 0x89 && ascii(1, 4) === "PNG") return "image/png";
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return "image/jpeg";
  if (ascii(0, 4) === "GIF8") return "image/gif";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  if (
    ascii(4, 8) === "ftyp" ||
    (b(0) === 0x1a && b(1) === 0x45 && b(2) === 0xdf && b(3) === 0xa3)
  ) {
    throw new MediaError(
      "unsupported",
      "a video (or HEIF) file: the chat API takes images; extract frames (e.g. ffmpeg) and list the frame images as the ad's media",
    );
  }
  throw new MediaError("unsupported", "not a PNG, JPEG, GIF or WebP image");
}

class MediaError extends AvakitError {
  constructor(
    readonly kind: VerbalizeFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** A local image as a base64 data URL with its MIME type. */
export async function imageDataUrl(
  path: string,
  maxBytes = DEFAULT_MAX_IMAGE_BYTES,
): Promise<string> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new MediaError("unsupported", `${path} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof MediaError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new MediaError("missing", `file not found: ${path}`);
    }
    throw new MediaError("missing", `cannot read ${path}: ${code ?? errorMessage(err)}`);
  }
  if (size > maxBytes) {
    throw new MediaError(
      "unsupported",
      `${path} is ${(size / 2 ** 20).toFixed(1)} MiB, over the ${(maxBytes / 2 ** 20).toFixed(0)} MiB an image may have`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new MediaError(
      "missing",
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`,
    );
  }
  let mime: string;
  try {
    mime = sniffImageMime(bytes);
  } catch (err) {
    throw new MediaError("unsupported", `${path}: ${errorMessage(err)}`);
  }
  return `data:${mime};base64,${bytes.toString("base64")}`;
}

/** The chat request for one image (what the server receives). */
export function verbalizeRequest(model: string, imageUrl: string, maxTokens: number): object {
  return {
    model,
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: VERBALIZE_PROMPT },
          { type: "image_url", image_url: { url: imageUrl } },
        ],
      },
    ],
    temperature: 0,
    max_tokens: maxTokens,
  };
}

type ItemOutcome =
  | { ok: true; text: string; serverModel: string | null }
  | { ok: false; kind: VerbalizeFailureKind; error: string };

/**
 * Verbalizes every distinct media item of the stored ads that this verbalizer has not yet
 * verbalized, storing the answers in `media_texts` as they arrive (a crash loses only the
 * answers in flight). A missing file, a non-image or a failed request is a per-item failure with
 * the ads that list the item; it is not stored, so a rerun tries it again.
 */
export async function verbalizeMedia(
  store: Store,
  opts: VerbalizeOptions,
): Promise<VerbalizeCounts> {
  if (!opts.model) throw new AvakitError("verbalize: give a model name (openai:MODEL)");
  const { endpoint, display } = checkBaseUrl(opts.baseUrl ?? OPENAI_DEFAULT_BASE_URL);
  const id = verbalizerId(opts);
  const rawKey = opts.apiKey ?? (opts.env ?? process.env).OPENAI_API_KEY;
  const apiKey = rawKey && rawKey.trim() !== "" ? rawKey.trim() : undefined;
  if (apiKey === undefined && isOpenAIHost(endpoint)) {
    throw new AvakitError(
      "the OpenAI API needs a key: set OPENAI_API_KEY (or point --base-url at a local OpenAI-compatible server)",
    );
  }
  const concurrency = opts.concurrency ?? DEFAULT_VERBALIZE_CONCURRENCY;
  const maxTokens = opts.maxTokens ?? DEFAULT_VERBALIZE_MAX_TOKENS;
  const mediaRoot = resolve(opts.mediaRoot ?? ".");

  const { distinct, done } = await mediaCounts(store, id);
  const items = await pendingMedia(store, id, opts.limit);
  const counts: VerbalizeCounts = {
    model: id,
    promptSha256: VERBALIZE_PROMPT_SHA256,
    distinct,
    alreadyDone: done,
    attempted: items.length,
    requested: 0,
    stored: 0,
    failed: 0,
    missing: 0,
    failures: [],
    serverModel: null,
  };
  if (items.length === 0) return counts;
  opts.onProgress?.({ done: 0, failed: 0, total: items.length });

  // Answers are written in batches by one writer: whatever arrived while the last insert ran.
  const stop = new AbortController();
  const signal = stop.signal;
  if (opts.signal?.aborted) stop.abort();
  opts.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  let pending: { media: string; text: string }[] = [];
  let scheduled = false;
  let writes = Promise.resolve();
  let writeError: unknown = null;
  const enqueue = (row: { media: string; text: string }) => {
    pending.push(row);
    if (scheduled) return;
    scheduled = true;
    writes = writes.then(async () => {
      scheduled = false;
      const batch = pending;
      pending = [];
      if (writeError !== null) return;
      try {
        await insertMediaTexts(store, id, batch);
        counts.stored += batch.length;
      } catch (err) {
        writeError = err;
        stop.abort();
      }
    });
  };

  const headers: Record<string, string> = {};
  if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
  const ask = async (imageUrl: string): Promise<{ text: string; serverModel: string | null }> => {
    const { json } = await postJson(
      {
        url: `${endpoint}/chat/completions`,
        body: verbalizeRequest(opts.model, imageUrl, maxTokens),
        headers,
        ...(apiKey !== undefined ? { secret: apiKey } : {}),
        server: `openai server ${display}`,
        model: opts.model,
        signal,
        hint: (_status, message) =>
          /image|vision|multimodal|content.*(array|type)/i.test(message)
            ? "verbalize needs a vision-capable chat model (one that accepts image_url content parts)"
            : undefined,
      },
      opts.retry ?? {},
    );
    let text: string;
    try {
      text = parseChatText(json).trim();
    } catch (err) {
      if (!(err instanceof ResponseShapeError)) throw err;
      throw new AvakitError(
        `openai server ${display} (model "${opts.model}") returned no text: ${err.message}`,
      );
    }
    if (text === "") {
      throw new AvakitError(
        `openai server ${display} (model "${opts.model}") returned an empty description`,
      );
    }
    const serverModel = isObj(json) && typeof json.model === "string" ? json.model : null;
    return { text, serverModel };
  };

  // Tasks return their failures (with a kind) instead of throwing, so the pool's own failure
  // count stays 0; progress reports this one.
  let failedSoFar = 0;
  const task = async (item: (typeof items)[number]): Promise<ItemOutcome> => {
    let url: string;
    try {
      const loc = locateMedia(item.media, mediaRoot);
      url = loc.kind === "url" ? loc.url : await imageDataUrl(loc.path, opts.maxImageBytes);
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      failedSoFar++;
      return { ok: false, kind: err.kind, error: err.message };
    }
    counts.requested++;
    try {
      const answer = await ask(url);
      enqueue({ media: item.media, text: answer.text });
      return { ok: true, ...answer };
    } catch (err) {
      failedSoFar++;
      return { ok: false, kind: "request", error: errorMessage(err) };
    }
  };
  const onProgress = opts.onProgress;
  const results = await runPool(items, task, {
    concurrency,
    signal,
    ...(onProgress
      ? { onProgress: (p: PoolProgress) => onProgress({ ...p, failed: p.failed + failedSoFar }) }
      : {}),
  });
  await writes;
  if (writeError !== null) {
    throw new AvakitError(
      `cannot store the verbalizations in ${store.path}: ${errorMessage(writeError)}`,
      { cause: writeError },
    );
  }
  results.forEach((r, i) => {
    const item = items[i]!;
    const outcome: ItemOutcome = r.ok ? r.value : { ok: false, kind: "request", error: r.error };
    if (outcome.ok) {
      counts.serverModel ??= outcome.serverModel;
      return;
    }
    counts.failed++;
    if (outcome.kind === "missing") counts.missing++;
    counts.failures.push({
      media: item.media,
      adIds: item.adIds,
      kind: outcome.kind,
      error: outcome.error,
    });
  });
  return counts;
}

function isOpenAIHost(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === "api.openai.com";
  } catch {
    return false;
  }
}
