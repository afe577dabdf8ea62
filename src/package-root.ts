// Where vlsm itself lives: the folder of its package.json, in a checkout and when installed. The
// native addon (build/), the bundled assets (assets/) and the web page (src/web) are found from it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VlsmError } from './errors.js';

let found: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  if (found) return found;
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      // A package.json of another name is a workspace or an app that bundles vlsm: keep walking up.
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'vlsm') return (found = { root: dir, version: typeof pkg.version === 'string' ? pkg.version : 'unknown' });
    }
    if (dirname(dir) === dir) {
      throw new VlsmError(`vlsm: no package.json named "vlsm" above ${here}, so its addon and bundled assets cannot be located; reinstall vlsm`);
    }
  }
}

/** The folder holding vlsm's package.json. */
export const packageRoot = (): string => find().root;

/** vlsm's version, from its package.json. */
export const packageVersion = (): string => find().version;
