// A one-line download progress bar on a terminal stream (stderr by default), drawn by vlsm's
// StatusLine. Elsewhere (CI logs, pipes) only the start and the end are written.
import { bar, StatusLine, type ProgressStream } from '../progress.js';

export type { ProgressStream };

export interface Progress {
  /** `received` counts every byte of the file so far, resumed bytes included. */
  update(received: number): void;
  done(): void;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export class ProgressBar implements Progress {
  private received: number;
  private readonly started = Date.now();
  private readonly status: StatusLine;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    stream: ProgressStream = process.stderr,
    private readonly resumedFrom = 0,
  ) {
    this.received = resumedFrom;
    this.status = new StatusLine(stream, Infinity);
    const resumed = resumedFrom > 0 ? `, resuming at ${formatBytes(resumedFrom)}` : '';
    if (!this.status.isTTY) stream.write(`Downloading ${label} (${total === undefined ? 'size unknown' : formatBytes(total)}${resumed})\n`);
  }

  update(received: number): void {
    this.received = received;
    this.status.draw(() => this.line());
  }

  done(): void {
    this.status.finish(this.status.isTTY ? this.line() : `Downloaded ${this.label}: ${formatBytes(this.received)}`);
  }

  private line(): string {
    const seconds = Math.max((Date.now() - this.started) / 1000, 1e-3);
    const rate = `${formatBytes(Math.round((this.received - this.resumedFrom) / seconds))}/s`;
    if (this.total === undefined || this.total === 0) return `${this.label} ${formatBytes(this.received)} ${rate}`;
    const fraction = Math.min(this.received / this.total, 1);
    return `${this.label} ${String(Math.floor(fraction * 100)).padStart(3)}% ${bar(fraction, '-')} ${formatBytes(this.received)}/${formatBytes(this.total)} ${rate}`;
  }
}
