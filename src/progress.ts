// Progress lines for long work: counted items (images, batches) here, downloaded bytes in
// hub/progress.ts, both drawn by one StatusLine. On a terminal the line is redrawn in place at most
// 10 times a second; on a pipe or log a new line is written every `logEvery` ms at most (never, with
// Infinity), so logs stay readable.

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** One status line on a stream: throttled redraws, then a final line. */
export class StatusLine {
  #lastDraw = 0;

  constructor(
    readonly stream: ProgressStream,
    readonly logEvery: number,
  ) {}

  get isTTY(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /** Draws `text()` if the last draw is old enough; `text` is only called when drawing. */
  draw(text: () => string): void {
    const now = Date.now();
    if (now - this.#lastDraw < (this.isTTY ? REDRAW_MS : this.logEvery)) return;
    this.#lastDraw = now;
    this.stream.write(this.isTTY ? `\r${text()}\x1b[K` : `${text()}\n`);
  }

  /** Writes the last line; on a terminal it replaces the one drawn in place. */
  finish(text: string): void {
    this.stream.write(this.isTTY ? `\r${text}\x1b[K\n` : `${text}\n`);
  }
}

/** `[######......]` for a fraction in [0, 1]. */
export function bar(fraction: number, empty = '.', width = BAR_WIDTH): string {
  const filled = Math.round(width * Math.min(Math.max(fraction, 0), 1));
  return `[${'#'.repeat(filled)}${empty.repeat(width - filled)}]`;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit?: string;
  stream?: ProgressStream;
  logEvery?: number;
}

/** A progress line for counted work: done/total, rate, ETA and extra fields such as `loss 0.31`. */
export class ProgressBar {
  readonly #o: Required<Omit<ProgressOptions, 'stream' | 'logEvery'>>;
  readonly #line: StatusLine;
  readonly #started = Date.now();
  #done = 0;
  #extra = '';

  constructor(options: ProgressOptions) {
    this.#o = { unit: 'it', ...options };
    this.#line = new StatusLine(options.stream ?? process.stderr, options.logEvery ?? 10_000);
  }

  /** Sets the count of finished items and optional fields such as `loss 0.31`. */
  update(done: number, extra = ''): void {
    this.#done = done;
    this.#extra = extra;
    this.#line.draw(() => this.line());
  }

  done(): void {
    this.#line.finish(this.line());
  }

  line(): string {
    const { label, total, unit } = this.#o;
    const seconds = Math.max((Date.now() - this.#started) / 1000, 1e-3);
    const rate = this.#done / seconds;
    const eta = rate > 0 && this.#done < total ? ` ETA ${formatDuration((total - this.#done) / rate)}` : '';
    const extra = this.#extra ? `  ${this.#extra}` : '';
    return `${label} ${bar(total > 0 ? this.#done / total : 0)} ${this.#done}/${total} ${unit}  ${rate.toFixed(2)} ${unit}/s${eta}${extra}`;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
