// JSON kept in a results-database column (a run's config, an epoch's extra fields), read back:
// a damaged value is reported with its table, row and column, never with its text, and the
// store (which knows the file) adds the database's path.
import { z } from 'zod';

/** A column value that is not what vlsm writes; the results store wraps it with the file. */
export class StoredJsonError extends Error {}

/** `text` parsed and checked against `schema`; `where` names the value ("run 3, runs.config"). */
export function parseStoredJson<T>(text: string, where: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new StoredJsonError(`${where}: damaged JSON (${text.length} characters; ${(cause as Error).message.replace(/,? ".*$/s, '')}); the row cannot be read`, { cause });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const at = issue.path.length > 0 ? ` at '${issue.path.join('.')}'` : '';
  throw new StoredJsonError(`${where}: unexpected JSON${at}: ${issue.message}`);
}

/** An epoch's extra fields: an object (or SQL NULL, handled by the caller). */
export const extraFieldsSchema: z.ZodType<Record<string, unknown>> = z.record(z.string(), z.unknown());
/** A run's config: whatever the run stored, as long as it is JSON. */
export const runConfigJsonSchema: z.ZodType<unknown> = z.unknown();
/** A list of names (datasets trained or tested on, frozen parts). */
export const nameListSchema: z.ZodType<string[]> = z.array(z.string());
/** An attribute perturbed in a mode. */
export const perturbationSchema: z.ZodType<{ attribute: string; mode: string }> = z.object({ attribute: z.string(), mode: z.string() });
