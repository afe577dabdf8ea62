// A dataset root is a boundary: paths named by annotation files are resolved inside it, and
// anything escaping it is a DatasetError naming where it came from. The check is made twice:
// lexically (absolute paths, "..") and on the real path, symlinks resolved, so that an image or
// annotation file that is a symlink to a file outside the root is refused rather than followed.
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DatasetError } from '../errors.js';

function isInside(base: string, target: string): boolean {
  const rel = relative(base, target);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The real path of `path`, symlinks resolved; for a path that does not exist (yet), the real path
 * of its deepest existing ancestor with the rest appended.
 */
export function realPathOf(path: string, where: string, file?: string): string {
  const rest: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(current), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new DatasetError(`${where} ${current}: cannot resolve the path (${code ?? (error as Error).message})`, file, { cause: error });
      const parent = dirname(current);
      if (parent === current) return resolve(path);
      rest.push(basename(current));
      current = parent;
    }
  }
}

/** Throws unless `path`, symlinks resolved, lies inside `datasetRoot` (symlinks resolved too). */
export function checkRealPathInsideRoot(datasetRoot: string, path: string, where: string, file?: string): void {
  const realRoot = realPathOf(datasetRoot, where, file);
  const realTarget = realPathOf(path, where, file);
  if (!isInside(realRoot, realTarget)) {
    throw new DatasetError(`${where} ${path} is a symlink that leads outside the dataset root ${datasetRoot}`, file);
  }
}

/**
 * Resolves `relativePath` against `root` and returns the absolute path.
 * `where` names the origin in errors, e.g. `data/kvasir/anns/train.json, entry 17: mask path`.
 * `datasetRoot` (default `root`) is the boundary the real path must stay inside, and is named in errors.
 */
export function resolveInsideRoot(root: string, relativePath: string, where: string, file?: string, datasetRoot: string = root): string {
  if (relativePath.length === 0) throw new DatasetError(`${where} is empty`, file);
  if (relativePath.includes('\0')) throw new DatasetError(`${where} ${JSON.stringify(relativePath)} contains a NUL byte`, file);
  const base = resolve(root);
  const target = resolve(base, relativePath);
  const rel = relative(base, target);
  if (isAbsolute(relativePath) || rel === '' || !isInside(base, target)) {
    throw new DatasetError(`${where} ${JSON.stringify(relativePath)} escapes the dataset root ${datasetRoot}`, file);
  }
  const realRoot = realPathOf(datasetRoot, where, file);
  if (!isInside(realRoot, realPathOf(target, where, file))) {
    throw new DatasetError(`${where} ${JSON.stringify(relativePath)} leads outside the dataset root ${datasetRoot} through a symlink`, file);
  }
  return target;
}
