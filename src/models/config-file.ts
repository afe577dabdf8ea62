// Reading a model's JSON config through a zod schema, with errors that name the file and field.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/** Validates `value` (a parsed config) with `schema`; `source` names the file in errors. */
export function parseConfig<S extends z.ZodTypeAny>(schema: S, value: unknown, source: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const field = issue.path.join('.') || '(top level)';
    return `field '${field}': ${issue.message}`;
  });
  const first = result.error.issues[0]?.path.join('.');
  throw new ConfigError(`${source}: invalid config: ${issues.join('; ')}`, source, first);
}

/** Reads and validates a JSON config file. */
export function readConfigFile<S extends z.ZodTypeAny>(schema: S, path: string): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`${path}: cannot read the config (${(cause as Error).message})`, path, undefined, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${path}: not valid JSON (${(cause as Error).message})`, path, undefined, { cause });
  }
  return parseConfig(schema, json, path);
}
