// A one-line download progress bar on a terminal stream (stderr by default).
// On a terminal the line is redrawn at most 10 times a second; elsewhere (CI logs, pipes) only the
// start and the end are written, so logs stay readable.

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

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
  private lastDraw = 0;
  private received: number;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly stream: ProgressStream = process.stderr,
    private readonly resumedFrom = 0,
  ) {
    this.received = resumedFrom;
    const resumed = resumedFrom > 0 ? `, resuming at ${formatBytes(resumedFrom)}` : '';
    if (!stream.isTTY) stream.write(`Downloading ${label} (${total === undefined ? 'size unknown' : formatBytes(total)}${resumed})\n`);
  }

  update(received: number): void {
    this.received = received;
    const now = Date.now();
    if (this.stream.isTTY && now - this.lastDraw >= 100) {
      this.lastDraw = now;
      this.stream.write(`\r${this.line()}`);
    }
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write(`\r${this.line()}\n`);
    else this.stream.write(`Downloaded ${this.label}: ${formatBytes(this.received)}\n`);
  }

  private line(): string {
    const seconds = Math.max((Date.now() - this.started) / 1000, 1e-3);
    const rate = `${formatBytes(Math.round((this.received - this.resumedFrom) / seconds))}/s`;
    if (this.total === undefined || this.total === 0) return `${this.label} ${formatBytes(this.received)} ${rate}`;
    const fraction = Math.min(this.received / this.total, 1);
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    return `${this.label} ${String(Math.floor(fraction * 100)).padStart(3)}% [${bar}] ${formatBytes(this.received)}/${formatBytes(this.total)} ${rate}`;
  }
}
