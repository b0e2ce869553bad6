/**
 * A huge page's body vectors, held in a temporary file while its ads arrive and its pairs are
 * mined. Pair mining needs every vector of a page, and in memory the 71,739-ad advertiser of the
 * 1,000,000-ad synthetic set took 147 MB (512 float32 each): the build's memory grew with its
 * largest page. Here it takes a 1 MiB write buffer and an 8 MiB read cache. Mining reads a
 * vector when the SIMD kernel copies it in or an exact cosine needs it; once the page's pair
 * sample is full (as for such a page), only the few pairs whose priority can still enter it are
 * read at all.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import type { PageVectors } from "./pairs.js";

const WRITE_BUFFER_BYTES = 1 << 20;
/**
 * Rows kept in a direct-mapped read cache (8 MiB at 512 dims): while the tiles of a block are
 * compared, the exact cosines of the pairs near or above the threshold read the same rows again.
 */
const CACHE_ROWS = 4096;

export class HeldVectors implements PageVectors {
  length = 0;
  private fd: number | null;
  private readonly pending: Float32Array;
  private pendingRows = 0;
  private readonly scratch: Float32Array;
  private readonly cache: Float32Array;
  /** The row each cache slot holds, -1 for none. */
  private readonly tags: Int32Array;

  /** `path` is created (truncated) now and removed by `close`. */
  constructor(
    readonly path: string,
    readonly dim: number,
    private readonly cacheRows = CACHE_ROWS,
  ) {
    if (!(Number.isInteger(dim) && dim > 0)) throw new RangeError(`bad vector dimension ${dim}`);
    this.fd = openSync(path, "w+");
    this.pending = new Float32Array(Math.max(dim, Math.floor(WRITE_BUFFER_BYTES / 4 / dim) * dim));
    this.scratch = new Float32Array(dim);
    this.cache = new Float32Array(cacheRows * dim);
    this.tags = new Int32Array(cacheRows).fill(-1);
  }

  push(v: Float32Array): void {
    if (v.length !== this.dim)
      throw new RangeError(`vector of length ${v.length}, expected ${this.dim}`);
    if ((this.pendingRows + 1) * this.dim > this.pending.length) this.flush();
    this.pending.set(v, this.pendingRows * this.dim);
    this.pendingRows++;
    this.length++;
  }

  private flush(): void {
    const bytes = new Uint8Array(this.pending.buffer, 0, this.pendingRows * this.dim * 4);
    for (let at = 0; at < bytes.length; ) at += writeSync(this.openFd(), bytes, at);
    this.pendingRows = 0;
  }

  private openFd(): number {
    if (this.fd === null) throw new Error(`held vectors ${this.path} are closed`);
    return this.fd;
  }

  row(i: number, into: Float32Array = this.scratch): Float32Array {
    const fd = this.openFd();
    if (!(i >= 0 && i < this.length)) throw new RangeError(`no held vector ${i}`);
    if (into.length !== this.dim) throw new RangeError(`row buffer of length ${into.length}`);
    const firstPending = this.length - this.pendingRows;
    if (i >= firstPending) {
      into.set(
        this.pending.subarray((i - firstPending) * this.dim, (i - firstPending + 1) * this.dim),
      );
      return into;
    }
    const slot = i % this.cacheRows;
    const cached = this.cache.subarray(slot * this.dim, (slot + 1) * this.dim);
    if (this.tags[slot] !== i) {
      this.tags[slot] = -1;
      const bytes = new Uint8Array(cached.buffer, cached.byteOffset, this.dim * 4);
      const at = i * this.dim * 4;
      for (let got = 0; got < bytes.length; ) {
        const n = readSync(fd, bytes, got, bytes.length - got, at + got);
        if (n === 0) throw new Error(`held vectors ${this.path}: file ends before vector ${i}`);
        got += n;
      }
      this.tags[slot] = i;
    }
    into.set(cached);
    return into;
  }

  /** Closes and removes the file (safe to call twice). */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    rmSync(this.path, { force: true });
  }
}
