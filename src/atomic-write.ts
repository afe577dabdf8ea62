// Writing a file so that a reader (or a crash) never sees half of it: write a temporary sibling,
// then rename it over the target. Parent folders are created; the temporary file goes on failure.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const tempPath = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPath(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new Error(`writing ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPath(path);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`writing ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Writes `path` piece by piece (large files never held whole): `produce` receives `put`, which
 * appends bytes to a temporary sibling; the file is synced, closed and renamed over `path` at the
 * end. On failure the temporary file goes and the error is rethrown as is (callers name the file
 * in their own terms). The parent folder must exist.
 */
export function writeStreamAtomic(path: string, produce: (put: (bytes: Uint8Array) => void) => void): void {
  const temp = tempPath(path);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'w');
    const out = fd;
    produce((bytes) => {
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(out, bytes, done, bytes.byteLength - done);
    });
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
}
