import { createReadStream, type ReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AvakitError } from "../core/errors.js";

/** An input file opened for streaming: its bytes (gunzipped when gzip), and the file itself. */
export interface OpenedInput {
  /** Uncompressed bytes, 1 MiB at a time. */
  stream: Readable;
  /** The file stream (its `bytesRead` says how far through the file reading is). */
  raw: ReadStream;
  /** Size of the file on disk. */
  size: number;
  gzip: boolean;
}

/**
 * Opens an input file; gzip is detected by its magic bytes, not its name. A file that cannot be
 * read (missing, a directory, no permission) is an AvakitError naming it.
 */
export async function openInput(path: string): Promise<OpenedInput> {
  let gzip: boolean;
  let size: number;
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(path, "r");
    size = (await fh.stat()).size;
    const head = Buffer.alloc(2);
    // Opening a directory succeeds on Linux and fails on read (EISDIR): same clear error.
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    gzip = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (err) {
    throw new AvakitError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      cause: err,
    });
  } finally {
    await fh?.close();
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!gzip) return { stream: raw, raw, size, gzip };
  const gz = createGunzip();
  raw.on("error", (e) => gz.destroy(e));
  return { stream: raw.pipe(gz), raw, size, gzip };
}
