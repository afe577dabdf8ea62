// A planned run's identity: a sha256 over its resolved config in canonical JSON (sorted keys), with
// the model's weights and the datasets' annotation files (membership and prompts) as digests, so a
// finished run is recognised on any machine and a changed one is not.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SuiteModel } from './types.js';

/** JSON with object keys sorted at every level; undefined fields left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const sha256Hex = (text: string | Uint8Array): string => createHash('sha256').update(text).digest('hex');

const folderDigests = new Map<string, { stamp: string; digest: string }>();

/** A digest of every regular file in a folder (names and bytes, in name order), cached by size and mtime. */
function folderDigest(folder: string): string {
  const files = readdirSync(folder).filter((f) => lstatSync(join(folder, f)).isFile()).sort();
  const stamp = files.map((f) => { const s = statSync(join(folder, f)); return `${f}:${s.size}:${s.mtimeMs}`; }).join('|');
  const cached = folderDigests.get(folder);
  if (cached?.stamp === stamp) return cached.digest;
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(`${f}\u0000`);
    hash.update(readFileSync(join(folder, f)));
  }
  const digest = hash.digest('hex');
  folderDigests.set(folder, { stamp, digest });
  return digest;
}

const isFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/**
 * What the hash knows of a model: its folder's file digest, a Hub id (a name with one slash that
 * is no local folder), or the scratch architecture. `missing` is set for a folder not found here.
 */
export function modelIdentity(model: SuiteModel): { identity: string; missing?: string } {
  if (typeof model === 'string') {
    if (isFolder(model)) return { identity: `folder:${folderDigest(model)}` };
    if (/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(model)) return { identity: `hub:${model}` };
    return { identity: `path:${model}`, missing: model };
  }
  if ('path' in model) return isFolder(model.path) ? { identity: `folder:${folderDigest(model.path)}` } : { identity: `path:${model.path}`, missing: model.path };
  return { identity: `scratch:${canonicalJson(model)}` };
}

/** A digest of a dataset's annotation files (anns/{train,val,test}.json), or undefined when it is not here. */
export function datasetIdentity(root: string): string | undefined {
  const anns = join(root, 'anns');
  if (!isFolder(anns)) return undefined;
  const hash = createHash('sha256');
  for (const split of ['train', 'val', 'test']) {
    const file = join(anns, `${split}.json`);
    if (!existsSync(file)) continue;
    hash.update(`${split}\u0000`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}
