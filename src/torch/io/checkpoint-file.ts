// The checkpoint file itself: only a regular file is read (never a FIFO, device or directory), and
// any error that is not already vlsm's becomes a CheckpointError naming the file, so a damaged or
// hostile checkpoint never surfaces as a bare JavaScript error.
import { CheckpointError } from '../../errors.js';
import { openRegularFile, regularFileSize } from '../../regular-file.js';

const fileError = (path: string) => (message: string, cause?: unknown): CheckpointError => new CheckpointError(message, path, undefined, { cause });

/** Opens a checkpoint without blocking; a CheckpointError naming it when it is not a regular file. */
export function openCheckpointFile(path: string, what = 'checkpoint'): { fd: number; size: number } {
  return openRegularFile(path, { what }, fileError(path));
}

/** The size of a checkpoint that is a regular file; a CheckpointError naming it otherwise. */
export function checkpointFileSize(path: string): number {
  return regularFileSize(path, { what: 'checkpoint' }, fileError(path));
}

/** `error` as a CheckpointError: those pass through, anything else is wrapped naming the file. */
export function asCheckpointError(path: string, error: unknown): CheckpointError {
  if (error instanceof CheckpointError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const message = error instanceof RangeError && /call stack/i.test(text) ? 'it is nested too deeply to read' : text;
  return new CheckpointError(`${path}: cannot read the checkpoint: ${message}`, path, undefined, { cause: error });
}

/** Runs a checkpoint reader, turning anything unexpected into a CheckpointError naming `path`. */
export async function readingCheckpoint<T>(path: string, read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw asCheckpointError(path, error);
  }
}

/** Synchronous readingCheckpoint. */
export function readingCheckpointSync<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw asCheckpointError(path, error);
  }
}
