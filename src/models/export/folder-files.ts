// Files an export writes beside the weights: JSON, text, and copies of the source folder's
// tokenizer and library files.
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';

export const writeJson = (dir: string, name: string, value: unknown): string => {
  writeFileAtomic(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  return name;
};

export const writeText = (dir: string, name: string, text: string): string => {
  writeFileAtomic(join(dir, name), text);
  return name;
};

/** Copies each of `names` that `from` holds as a file (a Hub snapshot link counts) into `to`; returns those copied. */
export function copyPresent(from: string | undefined, to: string, names: readonly string[]): string[] {
  if (from === undefined) return [];
  const copied: string[] = [];
  for (const name of names) {
    const source = join(from, name);
    if (!existsSync(source) || !statSync(source).isFile()) continue;
    copyFileSync(source, join(to, name));
    copied.push(name);
  }
  return copied;
}
