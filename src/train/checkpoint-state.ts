// The schema of a checkpoint's state.json. A resumed run trusts these numbers to decide where
// to continue (an epoch that is not a number would end the loop at once and report "finished"),
// so every field is checked before training, and an error names the file and the field.
import { z } from 'zod';
import { CheckpointError } from '../errors.js';
import { describeJsonError } from '../json-error.js';

const count = z.number().int().nonnegative();
/** JSON writes NaN and ±Infinity as null. */
const metric = z.number().nullable();

export const trainerStateSchema = z.object({
  epoch: count,
  nextBatch: count,
  globalStep: count,
  bestMetric: metric,
  bestEpoch: count.nullable(),
  badEpochs: count,
  stopped: z.boolean(),
  history: z.array(z.object({ epoch: count, trainLoss: metric, valLoss: metric, valDice: metric, lr: metric, seconds: metric })),
  gradScaler: z.object({
    scale: z.number().positive(),
    growth_factor: z.number().gt(1),
    backoff_factor: z.number().gt(0).lt(1),
    growth_interval: z.number().int().positive(),
    _growth_tracker: count,
  }).optional(),
});

const stateValue = z.union([z.number(), z.null(), z.object({ tensor: z.string() }).strict()]);

export const savedStateSchema = z.object({
  trainer: trainerStateSchema,
  optimizer: z.object({
    /** Per parameter index: each field a number, null, or the key of a tensor in optimizer.safetensors. */
    state: z.record(z.string().regex(/^\d+$/, 'a parameter index'), z.record(z.string(), stateValue)),
    param_groups: z.array(z.object({ params: z.array(count) }).passthrough()),
  }),
  scheduler: z.unknown(),
  config: z.unknown(),
});

export type SavedState = z.infer<typeof savedStateSchema>;

/** state.json's text, checked; `file` names it in errors. */
export function parseSavedState(text: string, file: string): SavedState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointError(`${file}: corrupt training state (not valid JSON: ${describeJsonError(cause, text)})`, file, undefined, { cause });
  }
  const parsed = savedStateSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || '(top level)';
  throw new CheckpointError(`${file}: corrupt training state: field '${field}': ${issue.message}`, file, field);
}
