// Reading tokenizer files from a checkpoint folder: every failure names the file.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { describeJsonError } from '../json-error.js';

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CheckpointError(`cannot read the ${what} ${path}: ${(cause as Error).message}`, path, undefined, { cause });
  }
}

export function readJsonObject(path: string, what: string): Record<string, unknown> {
  const text = readText(path, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointError(`${path}: the ${what} is not valid JSON (${describeJsonError(cause, text)})`, path, undefined, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CheckpointError(`${path}: the ${what} must be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`, path);
  }
  return value as Record<string, unknown>;
}

/**
 * The name of a special token as tokenizer_config.json or special_tokens_map.json spell it: a string
 * or an AddedToken object `{content: "..."}` (transformers writes both). Undefined when absent or null.
 */
export function specialTokenName(config: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = config?.[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

/** Throws unless `dir` is an existing folder: a mistyped path must not fall back to defaults. */
export function requireFolder(op: string, dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CheckpointError(`${op}: ${dir} is not a folder; pass the checkpoint folder that holds the tokenizer files`, dir);
  }
}

/** tokenizer_config.json then special_tokens_map.json of a folder, those that exist, merged (config wins). */
export function readTokenizerConfig(dir: string): { config: Record<string, unknown>; files: string[] } {
  const files: string[] = [];
  let config: Record<string, unknown> = {};
  for (const name of ['special_tokens_map.json', 'tokenizer_config.json']) {
    const path = join(dir, name);
    if (existsSync(path)) {
      config = { ...config, ...readJsonObject(path, name) };
      files.push(path);
    }
  }
  return { config, files };
}
