// Paths named by annotation files are resolved inside their dataset root; anything escaping it
// (absolute paths, "..", symlink-free lexical escapes) is a DatasetError naming where it came from.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DatasetError } from '../errors.js';

/**
 * Resolves `relativePath` against `root` and returns the absolute path.
 * `where` names the origin in errors, e.g. `data/kvasir/anns/train.json, entry 17: mask path`.
 */
export function resolveInsideRoot(root: string, relativePath: string, where: string, file?: string, shownRoot: string = root): string {
  if (relativePath.length === 0) throw new DatasetError(`${where} is empty`, file);
  if (relativePath.includes('\0')) throw new DatasetError(`${where} ${JSON.stringify(relativePath)} contains a NUL byte`, file);
  const base = resolve(root);
  const target = resolve(base, relativePath);
  const rel = relative(base, target);
  if (isAbsolute(relativePath) || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new DatasetError(`${where} ${JSON.stringify(relativePath)} escapes the dataset root ${shownRoot}`, file);
  }
  return target;
}
