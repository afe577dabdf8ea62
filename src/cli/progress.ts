// A progress line for counted work (images, steps): done/total, rate, ETA and extra fields.
// Redrawn in place on a terminal; on a pipe or log, one line every `logEvery` ms at most.

export interface ProgressOptions {
  label: string;
  total: number;
  unit?: string;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  logEvery?: number;
}

export class ProgressBar {
  readonly #o: Required<ProgressOptions>;
  readonly #started = Date.now();
  #lastDraw = 0;
  #done = 0;
  #extra = '';

  constructor(options: ProgressOptions) {
    this.#o = { unit: 'it', stream: process.stderr, logEvery: 10_000, ...options };
  }

  /** Sets the count of finished items and optional fields such as `loss 0.31`. */
  update(done: number, extra = ''): void {
    this.#done = done;
    this.#extra = extra;
    const now = Date.now();
    const tty = Boolean(this.#o.stream.isTTY);
    if (now - this.#lastDraw >= (tty ? 100 : this.#o.logEvery)) {
      this.#lastDraw = now;
      this.#o.stream.write(tty ? `\r${this.line()}\x1b[K` : `${this.line()}\n`);
    }
  }

  done(): void {
    this.#o.stream.write(this.#o.stream.isTTY ? `\r${this.line()}\x1b[K\n` : `${this.line()}\n`);
  }

  line(): string {
    const { label, total, unit } = this.#o;
    const seconds = Math.max((Date.now() - this.#started) / 1000, 1e-3);
    const rate = this.#done / seconds;
    const width = 24;
    const filled = total > 0 ? Math.round((width * this.#done) / total) : 0;
    const eta = rate > 0 && this.#done < total ? ` ETA ${formatDuration((total - this.#done) / rate)}` : '';
    const extra = this.#extra ? `  ${this.#extra}` : '';
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${total} ${unit}  ${rate.toFixed(2)} ${unit}/s${eta}${extra}`;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
