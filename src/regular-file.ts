// Reading only regular files. A FIFO blocks open() and read() until a writer comes, a device such
// as /dev/zero never ends, and a directory fails with an errno that names no path; so every file
// vlsm reads as data (checkpoints, configs) is checked with stat first, opened with O_NONBLOCK
// (a FIFO swapped in after the check then opens at once instead of hanging) and checked again on
// the open descriptor, and size-capped where the caller knows a sensible size.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/** Builds the caller's error (CheckpointError, ConfigError, ...) from a message naming the path. */
export type FileErrorFactory = (message: string, cause?: unknown) => Error;

export interface RegularFileOptions {
  /** What the file is, for messages: 'checkpoint', 'config', ... */
  what: string;
  /** Refuse files larger than this many bytes (default: no cap). */
  maxBytes?: number;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function check(path: string, stats: Stats, options: RegularFileOptions, makeError: FileErrorFactory): number {
  if (!stats.isFile()) {
    throw makeError(`${path}: the ${options.what} is ${kindOf(stats)}, not a regular file; vlsm reads a ${options.what} only from a regular file`);
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

/** The whole content of a regular file, read without blocking and within the cap. */
export function readRegularFile(path: string, options: RegularFileOptions, makeError: FileErrorFactory): Buffer {
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
