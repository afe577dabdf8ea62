// Reading only regular files. A FIFO blocks open() and read() until a writer comes, a device such
// as /dev/zero never ends, and a directory fails with an errno that names no path; so every file
// vlsm reads as data (checkpoints, configs, images, annotations, databases) is checked with stat first, opened with O_NONBLOCK
// (a FIFO swapped in after the check then opens at once instead of hanging) and checked again on
// the open descriptor, and size-capped where the caller knows a sensible size.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** Builds the caller's error (CheckpointError, ConfigError, ...) from a message naming the path. */
export type FileErrorFactory = (message: string, cause?: unknown) => Error;

export interface RegularFileOptions {
  /** What the file is, for messages: 'checkpoint', 'config', ... */
  what: string;
  /** Refuse files larger than this many bytes (default: no cap). */
  maxBytes?: number;
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

function check(path: string, stats: Stats, options: RegularFileOptions, makeError: FileErrorFactory): number {
  if (!stats.isFile()) {
    throw makeError(`${path}: the ${options.what} is ${describeFileKind(stats)}, not a regular file; vlsm reads a ${options.what} only from a regular file`);
  }
  if (options.maxBytes !== undefined && stats.size > options.maxBytes) {
    throw makeError(`${path}: the ${options.what} is ${stats.size} bytes, more than the ${options.maxBytes} bytes a ${options.what} may have`);
  }
  return stats.size;
}

/** The size of `path` when it is a regular file within the cap; otherwise the caller's error naming it. */
export function regularFileSize(path: string, options: RegularFileOptions, makeError: FileErrorFactory): number {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (cause) {
    throw makeError(`${path}: cannot open the ${options.what} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause);
  }
  return check(path, stats, options, makeError);
}

/** Opens a regular file for reading without ever blocking; returns its descriptor and size. */
export function openRegularFile(path: string, options: RegularFileOptions, makeError: FileErrorFactory): { fd: number; size: number } {
  regularFileSize(path, options, makeError);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (cause) {
    throw makeError(`${path}: cannot open the ${options.what} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause);
  }
  try {
    return { fd, size: check(path, fstatSync(fd), options, makeError) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The whole content of a regular file, read without blocking and within the cap (synchronously). */
export function readRegularFileSync(path: string, options: RegularFileOptions, makeError: FileErrorFactory): Buffer {
  const { fd, size } = openRegularFile(path, options, makeError);
  try {
    const buffer = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buffer, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === size ? buffer : buffer.subarray(0, got);
  } catch (cause) {
    throw makeError(`${path}: cannot read the ${options.what} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause);
  } finally {
    closeSync(fd);
  }
}

export interface ReadRegularFileOptions {
  /** Largest accepted size in bytes; a larger file is refused before it is read. */
  readonly maxBytes: number;
  /** What the file is, for messages: "image file", "annotation file". */
  readonly what: string;
  /** Builds the error thrown for `path` (the caller's error class); `message` starts with the path. */
  readonly error: (message: string, cause?: unknown) => Error;
}

/** A size for messages: 'N bytes' below a MiB, else MiB with one decimal. */
export function formatSize(bytes: number): string {
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
