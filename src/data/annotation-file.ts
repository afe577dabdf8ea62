// The reference project's annotation files, `<root>/anns/{train,val,test}.json`: a JSON list of
// entries `{img_name, mask_name, prompts: {p0..pN}, …}`. Field names keep the file's spelling;
// unknown keys are kept (zod passthrough) so a rewrite loses nothing.
import { z } from 'zod';
import { DatasetError } from '../errors.js';
import { writeFileAtomic } from '../imaging/write-image.js';
import { describeJsonError } from '../json-error.js';
import { readRegularFile } from '../regular-file.js';

/** Largest annotation file read (the largest reference file is a few MiB). */
export const MAX_ANNOTATION_FILE_BYTES = 256 * 1024 * 1024;

export const promptValueSchema = z.union([z.string(), z.array(z.string())]);

export const promptsSchema = z.record(z.string().regex(/^p\d+$/, 'prompt keys are p0, p1, …'), promptValueSchema);
export type Prompts = z.infer<typeof promptsSchema>;

export const annotationEntrySchema = z
  .object({
    img_name: z.string().min(1),
    mask_name: z.string().min(1),
    prompts: promptsSchema.optional(),
    bbox: z.array(z.number()).length(4).optional(),
    metadata: z.record(z.unknown()).optional(),
  })
  .passthrough();
export type AnnotationEntry = z.infer<typeof annotationEntrySchema>;

function describeIssue(issue: z.ZodIssue): string {
  const [index, ...rest] = issue.path;
  const field = rest.length > 0 ? ` field ${rest.join('.')}` : '';
  const message = issue.code === 'invalid_union' ? 'expected a string or a list of strings' : issue.message;
  return `entry ${String(index)}${field}: ${message}`;
}

/** Parses annotation JSON text; `file` names it in errors. */
export function parseAnnotations(text: string, file: string): AnnotationEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // The parser's own message quotes the text: not shown, it could be any file's first bytes.
    throw new DatasetError(`${file}: malformed JSON (${describeJsonError(error, text)})`, file);
  }
  if (!Array.isArray(json)) throw new DatasetError(`${file}: expected a JSON list of entries, got ${json === null ? 'null' : typeof json}`, file);
  const parsed = z.array(annotationEntrySchema).safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map(describeIssue);
    const more = parsed.error.issues.length > 5 ? `; and ${parsed.error.issues.length - 5} more` : '';
    throw new DatasetError(`${file}: ${issues.join('; ')}${more}`, file);
  }
  // The input objects, not zod's copies: those would reorder keys, and a rewrite must not.
  return json as AnnotationEntry[];
}

/** Reads and validates one annotation file. */
export async function readAnnotationFile(file: string): Promise<AnnotationEntry[]> {
  const bytes = await readRegularFile(file, { maxBytes: MAX_ANNOTATION_FILE_BYTES, what: 'annotation file', error: (message, cause) => new DatasetError(message, file, { cause }) });
  return parseAnnotations(bytes.toString('utf8'), file);
}

/** Writes entries as a JSON list (4-space indent, like Python's json.dump(indent=4)), atomically. */
export async function writeAnnotationFile(file: string, entries: readonly AnnotationEntry[]): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(entries, null, 4)}\n`);
}

/** A skeleton entry in the reference schema (§6), without prompts and bbox. */
export function skeletonEntry(imgName: string, maskName: string, index: number, minimal: boolean): AnnotationEntry {
  if (minimal) return { img_name: imgName, mask_name: maskName };
  const base = imgName.slice(imgName.lastIndexOf('/') + 1);
  const segment = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
  return {
    cat: 0,
    segment_id: /^\d+$/.test(segment) ? Number(segment) : segment,
    img_name: imgName,
    mask_name: maskName,
    sentences: [{ idx: 0, sent_id: index, sent: '' }],
    sentences_num: 1,
  };
}
