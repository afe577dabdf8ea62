// A checkpoint pointer (`checkpoints/<name>.json`) is trusted only as far as vlsm could have
// written it: it names a direct child of checkpoints/ with the name pattern saveCheckpoint uses,
// a real folder (no symlink) whose files are regular files inside it. Anything else would let a
// planted pointer make a run load weights from elsewhere or delete a folder outside the run.
import { lstatSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CheckpointError } from '../errors.js';

/** The files every checkpoint folder holds. */
export const CHECKPOINT_FILES = ['weights.safetensors', 'optimizer.safetensors', 'state.json'] as const;

/** A pointer is a few dozen bytes; anything much larger is not one. */
const MAX_POINTER_BYTES = 64 * 1024;

const pointerSchema = z.object({
  folder: z.string(),
  epoch: z.number().int().nonnegative().optional(),
  step: z.number().int().nonnegative().optional(),
  written: z.string().optional(),
});

/** Checkpoint names are plain words ('best', 'last'), so `<name>.json` stays inside checkpoints/. */
export function checkCheckpointName(name: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new CheckpointError(`checkpoint name ${JSON.stringify(name)} must be a lower-case word such as 'best' or 'last'`, undefined, name);
}

/** The folder name saveCheckpoint gives checkpoint `name` at this epoch and step. */
export const checkpointFolderName = (name: string, epoch: number, step: number, time = Date.now()): string => `${name}-e${epoch}-s${step}-${time}`;

/** Whether `folder` has the form checkpointFolderName gives for `name`. */
export const isCheckpointFolderName = (name: string, folder: string): boolean => new RegExp(`^${name}-e\\d+-s\\d+-\\d+$`).test(folder);

const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
};

/** The pointer file's text: a regular file (not a link, FIFO or device) of pointer size. */
function readPointerText(pointer: string, name: string): string {
  const stats = lstatOrUndefined(pointer);
  if (!stats) throw new CheckpointError(`${pointer}: no such checkpoint; the run has not saved '${name}' yet`, pointer);
  if (!stats.isFile()) throw new CheckpointError(`${pointer}: the checkpoint pointer is not a regular file (${stats.isSymbolicLink() ? 'a symlink' : 'a folder or special file'}); vlsm writes it as a plain file`, pointer);
  if (stats.size > MAX_POINTER_BYTES) throw new CheckpointError(`${pointer}: ${stats.size} bytes is too large for a checkpoint pointer`, pointer);
  return readFileSync(pointer, 'utf8');
}

/**
 * The folder (a direct child of `dir`) that pointer `<dir>/<name>.json` names, after every check
 * above; a CheckpointError naming the pointer and the field otherwise.
 */
export function readCheckpointPointer(dir: string, name: string): string {
  checkCheckpointName(name);
  const pointer = join(dir, `${name}.json`);
  let json: unknown;
  try {
    json = JSON.parse(readPointerText(pointer, name));
  } catch (cause) {
    if (cause instanceof CheckpointError) throw cause;
    throw new CheckpointError(`${pointer}: corrupt checkpoint pointer (not valid JSON)`, pointer, undefined, { cause });
  }
  const parsed = pointerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(top level)';
    throw new CheckpointError(`${pointer}: corrupt checkpoint pointer: field '${field}': ${issue.message}`, pointer, field);
  }
  const { folder } = parsed.data;
  if (!isCheckpointFolderName(name, folder)) {
    throw new CheckpointError(`${pointer}: field 'folder' must name a folder of checkpoints/ such as '${checkpointFolderName(name, 3, 120, 1700000000000)}', got ${JSON.stringify(folder.slice(0, 200))}`, pointer, 'folder');
  }
  const path = join(dir, folder);
  const stats = lstatOrUndefined(path);
  if (!stats?.isDirectory()) {
    throw new CheckpointError(`${path}: the checkpoint folder that ${pointer} names is ${stats ? 'a link or file, not a folder' : 'missing'}`, path, 'folder');
  }
  if (realpathSync(path) !== join(realpathSync(dir), folder)) {
    throw new CheckpointError(`${path}: the checkpoint folder resolves outside ${dir}`, path, 'folder');
  }
  for (const file of CHECKPOINT_FILES) {
    const fileStats = lstatOrUndefined(join(path, file));
    if (!fileStats) throw new CheckpointError(`${path}: checkpoint is missing ${file}`, path, file);
    if (!fileStats.isFile()) throw new CheckpointError(`${join(path, file)}: not a regular file (a link, folder or special file); a checkpoint holds only the files vlsm wrote`, join(path, file), file);
  }
  return path;
}

/**
 * The folder an existing pointer names when vlsm may delete it (it passes every check of
 * readCheckpointPointer); undefined for a missing or untrustworthy pointer, whose target is left alone.
 */
export function ownedCheckpointFolder(dir: string, name: string): string | undefined {
  try {
    return readCheckpointPointer(dir, name);
  } catch {
    return undefined;
  }
}
