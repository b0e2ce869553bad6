/** Progress on stderr for long work: count, rate and, when the total is known, ETA. */
export interface ProgressOptions {
  label: string;
  unit: string;
  total?: number;
  /** Minimum milliseconds between lines (default 1000). */
  intervalMs?: number;
  stream?: NodeJS.WritableStream;
  /** When false, nothing is printed (tests, --quiet). */
  enabled?: boolean;
}

export class Progress {
  private readonly started = performance.now();
  private last = 0;
  private count = 0;
  private extra = "";
  private fraction: number | undefined;

  constructor(private readonly opts: ProgressOptions) {}

  /**
   * Sets the running count (absolute) and an optional note, printing at most once per interval.
   * `fraction` (0..1, e.g. bytes read ÷ file size) gives an ETA when the total count is unknown.
   */
  update(count: number, extra = "", fraction?: number): void {
    this.count = count;
    this.extra = extra;
    this.fraction = fraction;
    const now = performance.now();
    if (now - this.last >= (this.opts.intervalMs ?? 1000)) {
      this.last = now;
      this.print(false);
    }
  }

  done(extra = this.extra): void {
    this.extra = extra;
    this.print(true);
  }

  line(final: boolean): string {
    const secs = (performance.now() - this.started) / 1000;
    const rate = secs > 0 ? this.count / secs : 0;
    let s = `${this.opts.label}: ${this.count.toLocaleString("en-US")} ${this.opts.unit}`;
    if (this.opts.total !== undefined) s += ` / ${this.opts.total.toLocaleString("en-US")}`;
    s += `, ${Math.round(rate).toLocaleString("en-US")} ${this.opts.unit}/s`;
    if (!final && this.opts.total !== undefined && rate > 0) {
      s += `, ETA ${formatSeconds((this.opts.total - this.count) / rate)}`;
    } else if (!final && this.fraction !== undefined && this.fraction > 0 && this.fraction < 1) {
      s += `, ${(100 * this.fraction).toFixed(0)}%, ETA ${formatSeconds((secs * (1 - this.fraction)) / this.fraction)}`;
    }
    if (final) s += `, ${formatSeconds(secs)}`;
    if (this.extra) s += `, ${this.extra}`;
    return s;
  }

  private print(final: boolean): void {
    if (this.opts.enabled === false) return;
    (this.opts.stream ?? process.stderr).write(`${this.line(final)}\n`);
  }
}

export function formatSeconds(secs: number): string {
  if (!Number.isFinite(secs)) return "?";
  if (secs < 60) return `${secs.toFixed(1)}s`;
  const m = Math.floor(secs / 60);
  const s = Math.round(secs % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
