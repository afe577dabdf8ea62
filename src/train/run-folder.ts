// A run folder is the run's alone: every file a run reads or writes must resolve, symlinks
// included, inside it, so a planted link cannot make a run read or overwrite files elsewhere.
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.js';

/** `path` with every symlink resolved; a path that does not exist yet resolves through its nearest existing ancestor. */
export function realpathOrAncestor(path: string): string {
  const absolute = resolve(path);
  const missing: string[] = [];
  let existing = absolute;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    missing.unshift(basename(existing));
    existing = parent;
  }
  // existsSync follows links: a dangling link counts as missing and is resolved as a plain name.
  return join(realpathSync(existing), ...missing);
}

/** True when `inner` is `outer` or below it (both already resolved). */
export function isWithin(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * `runDir/...parts`, after checking that it resolves (symlinks included) inside the run folder;
 * `what` says in the error what the path is for.
 */
export function runPath(runDir: string, what: string, ...parts: string[]): string {
  const path = join(runDir, ...parts);
  const root = realpathOrAncestor(runDir);
  const real = realpathOrAncestor(path);
  if (!isWithin(root, real)) {
    throw new ConfigError(`${path}: the run's ${what} resolves to ${real}, outside the run folder ${root}; a run reads and writes only inside its folder (remove the link)`, path);
  }
  return path;
}
