// Reading a model's JSON config through a zod schema, with errors that name the file and field.
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readRegularFileSync } from '../regular-file.js';
import { checkConfigSizes } from './config-limits.js';
import { describeJsonError } from '../json-error.js';

/** Model configs are a few kilobytes; anything past this is not one. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** The text of a config file: a regular file (never a FIFO or device), within the size cap. */
export function readConfigText(path: string): string {
  const bytes = readRegularFileSync(path, { what: 'config', maxBytes: MAX_CONFIG_BYTES }, (message, cause) => new ConfigError(message, path, undefined, { cause }));
  return bytes.toString('utf8');
}

/** Validates `value` (a parsed config) with `schema`; `source` names the file in errors. */
export function parseConfig<S extends z.ZodTypeAny>(schema: S, value: unknown, source: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) {
    checkConfigSizes(result.data, source);
    return result.data;
  }
  const issues = result.error.issues.map((issue) => {
    const field = issue.path.join('.') || '(top level)';
    return `field '${field}': ${issue.message}`;
  });
  const first = result.error.issues[0]?.path.join('.');
  throw new ConfigError(`${source}: invalid config: ${issues.join('; ')}`, source, first);
}

/** Reads and validates a JSON config file. */
export function readConfigFile<S extends z.ZodTypeAny>(schema: S, path: string): z.infer<S> {
  const text = readConfigText(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${path}: not valid JSON (${describeJsonError(cause, text)})`, path, undefined, { cause });
  }
  return parseConfig(schema, json, path);
}
