// Reading a file that a user or a dataset names: only a regular file is read, and never more than
// a cap. A FIFO would block the read forever, /dev/zero would fill memory until a crash, and a
// directory gives an opaque EISDIR; each is refused with its path before any byte is read. The
// open is non-blocking so a file swapped for a FIFO after the check still cannot block, and the
// kind is checked again on the open descriptor.
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

export interface ReadRegularFileOptions {
  /** Largest accepted size in bytes; a larger file is refused before it is read. */
  readonly maxBytes: number;
  /** What the file is, for messages: "image file", "annotation file". */
  readonly what: string;
  /** Builds the error thrown for `path` (the caller's error class); `message` starts with the path. */
  readonly error: (message: string, cause?: unknown) => Error;
}

/** "a FIFO", "a directory", …: what a path is when it is not a regular file. */
export function describeFileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} bytes`;
}

/** Throws unless `stats` is a regular file of at most `maxBytes`. */
function checkStats(path: string, stats: Stats, options: ReadRegularFileOptions): void {
  if (!stats.isFile()) throw options.error(`${path}: cannot read ${options.what}: it is ${describeFileKind(stats)}, not a regular file`);
  if (stats.size > options.maxBytes) {
    throw options.error(`${path}: ${options.what} is ${formatSize(stats.size)}, over the limit of ${formatSize(options.maxBytes)}`);
  }
}

/** Reads a whole regular file of at most `maxBytes`; anything else throws `options.error`. */
export async function readRegularFile(path: string, options: ReadRegularFileOptions): Promise<Buffer> {
  const fail = (error: unknown): never => {
    throw options.error(`${path}: cannot read ${options.what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, error);
  };
  checkStats(path, await stat(path).catch(fail), options);
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(fail);
  try {
    const stats = await handle.stat().catch(fail);
    checkStats(path, stats, options);
    // Read to the end, not just `size` bytes (the file may be growing), but never past the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(stats.size - total, 64 * 1024), options.maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null).catch(fail);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > options.maxBytes) throw options.error(`${path}: ${options.what} grew past the limit of ${formatSize(options.maxBytes)} while it was read`);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}
