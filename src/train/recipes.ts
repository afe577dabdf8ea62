// Training recipes: named presets per model family, from docs/training.md §2.1 and §7.
//
// - `paper`: what Section 3.4 and Appendix C state.
// - `published`: what produced the published numbers, where docs/training.md can tell (CRIS: the
//   fork's recipe). For the CLIPSeg family the code that made the paper's numbers (VL-Seg) is not
//   available, so `published` is the released launcher recipe, the best evidence (§7 item 5).
// - `released`: the released code's configs as its launchers run them (medvlsm HEAD).
// Every field can be overridden from a config file or `--set`; the resolved recipe is stored
// with the run.
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { PRECISIONS, type Precision } from '../models/precision.js';
import { RESAMPLES } from '../models/resample.js';
import { isUnsafeKey } from './unsafe-keys.js';

export const schedulerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }).strict(),
  z.object({
    type: z.literal('plateau'),
    monitor: z.enum(['val_loss', 'val_dice']).default('val_loss'),
    factor: z.number().positive().lt(1).default(0.1),
    patience: z.number().int().nonnegative().default(5),
    threshold: z.number().nonnegative().default(1e-4),
    cooldown: z.number().int().nonnegative().default(0),
    min_lr: z.number().nonnegative().default(0),
  }).strict(),
  z.object({ type: z.literal('step'), step_size: z.number().int().positive(), gamma: z.number().positive().default(0.1) }).strict(),
  z.object({ type: z.literal('cosine'), t_max: z.number().int().positive().optional(), eta_min: z.number().nonnegative().default(0) }).strict(),
]);

export const recipeSchema = z
  .object({
    optimizer: z.enum(['adam', 'adamw', 'sgd']),
    lr: z.number().positive(),
    /** Learning rates by parameter-name prefix (CRIS: the backbone learns slower); the rest use `lr`. */
    lr_groups: z.record(z.string(), z.number().positive()).default({}),
    weight_decay: z.number().nonnegative(),
    momentum: z.number().min(0).max(1).default(0.9),
    batch_size: z.number().int().positive(),
    scheduler: schedulerSchema,
    /** Max gradient norm; 0 turns clipping off. */
    grad_clip: z.number().nonnegative(),
    min_epochs: z.number().int().nonnegative(),
    max_epochs: z.number().int().positive(),
    early_stopping: z
      .object({
        monitor: z.enum(['val_dice', 'val_loss']).default('val_dice'),
        patience: z.number().int().positive(),
        min_delta: z.number().nonnegative().default(0),
      })
      .strict()
      .nullable(),
    loss: z.object({ dice: z.number().nonnegative(), bce: z.number().nonnegative() }).strict(),
    /** Model input [height, width]; null keeps the checkpoint's own preprocessing size. */
    input_size: z.tuple([z.number().int().positive(), z.number().int().positive()]).nullable(),
    threshold: z.number().min(0).max(1),
    /** How predictions return to the original size for evaluation (models/resample.ts; docs/training.md §7 item 8). */
    eval_resample: z.enum(RESAMPLES),
    /** Module paths whose parameters do not train (their features can be cached). */
    frozen: z.array(z.string()).default([]),
    seed: z.number().int().nonnegative(),
    /** Prompt type `random` draws p0 too (fork; published pooled-all CRIS) or only p1..pN (HEAD). §7 item 12. */
    random_includes_p0: z.boolean().default(false),
    /** Template of a list prompt at validation: a seeded draw per item (HEAD) or the first (fork). */
    val_templates: z.enum(['random', 'first']).default('random'),
    /**
     * Template(s) of a list prompt at test: a seeded draw per item (HEAD), the first, or all of them
     * (fork: each is scored; the last one's mask is the reported prediction). §7 item 13.
     */
    test_templates: z.enum(['random', 'first', 'all']).default('random'),
    /**
     * The precision the reference trained in (docs/training.md §2.1: HEAD's Lightning 16-mixed, the
     * CRIS fork's CUDA autocast + GradScaler are 'fp16'). A recipe's fp16 applies on CUDA; on the
     * CPU, which has no float16 kernels, the run trains in fp32 and says so. A run config's
     * `precision:` or `--precision` is obeyed or refused, never replaced.
     */
    precision: z.enum(PRECISIONS as [Precision, ...Precision[]]).default('fp32'),
  })
  .strict();

export type Recipe = z.infer<typeof recipeSchema>;
export type RecipeVariant = 'paper' | 'published' | 'released';
export const recipeVariants: readonly RecipeVariant[] = ['paper', 'published', 'released'];

const base = {
  lr_groups: {},
  momentum: 0.9,
  // medvlsm HEAD's prompt conventions (docs/training.md §2.3); the CRIS fork presets override them.
  random_includes_p0: false,
  val_templates: 'random',
  test_templates: 'random',
  // HEAD trains every family with Lightning's 16-mixed (docs/training.md §2.1); `paper` variants,
  // for which the paper states no precision, set fp32.
  precision: 'fp16',
} as const;

// The CLIPSeg family (CLIPSeg, BiomedCLIPSeg, BiomedCLIPSeg-D): decoder-only in every variant,
// since the reference runs the towers under no_grad (docs/training.md §1.2).
const clipsegLike = (frozen: string[], inputSize: [number, number]): Record<RecipeVariant, Recipe> => {
  const released: Recipe = {
    ...base,
    optimizer: 'adamw', lr: 2e-3, weight_decay: 1e-3, batch_size: 128,
    scheduler: { type: 'plateau', monitor: 'val_loss', factor: 0.1, patience: 5, threshold: 1e-4, cooldown: 0, min_lr: 0 },
    grad_clip: 0.5, min_epochs: 10, max_epochs: 1000,
    early_stopping: { monitor: 'val_dice', patience: 20, min_delta: 1e-4 },
    loss: { dice: 1, bce: 0 }, input_size: inputSize, threshold: 0.5, eval_resample: 'nearest-mask', frozen, seed: 42,
  };
  return {
    paper: {
      ...released, optimizer: 'adam', lr: 1e-3, weight_decay: 0, batch_size: 16, scheduler: { type: 'constant' }, grad_clip: 0, precision: 'fp32',
      early_stopping: { monitor: 'val_dice', patience: 50, min_delta: 0 }, loss: { dice: 1, bce: 0.2 },
    },
    published: released,
    released,
  };
};

const crisRecipes = (): Record<RecipeVariant, Recipe> => {
  const paper: Recipe = {
    ...base,
    optimizer: 'adam', lr: 1e-5, lr_groups: { 'backbone.': 1e-6 }, weight_decay: 0, batch_size: 16,
    scheduler: { type: 'constant' }, grad_clip: 0, min_epochs: 0, max_epochs: 150,
    early_stopping: { monitor: 'val_dice', patience: 10, min_delta: 0 },
    loss: { dice: 0, bce: 1 }, input_size: [416, 416], threshold: 0.35, eval_resample: 'bicubic-probabilities', frozen: [], seed: 0,
    // The fork's prompt conventions (docs/training.md §2.3, §7 items 12 and 13).
    random_includes_p0: true, val_templates: 'first', test_templates: 'all',
    // The fork trains under CUDA autocast with a GradScaler (docs/training.md §2.1).
    precision: 'fp16',
  };
  return {
    paper,
    published: paper,
    released: {
      ...paper, optimizer: 'adamw', lr: 2e-5, lr_groups: {}, weight_decay: 1e-3, batch_size: 32,
      scheduler: { type: 'plateau', monitor: 'val_loss', factor: 0.1, patience: 5, threshold: 1e-4, cooldown: 0, min_lr: 0 },
      grad_clip: 0.5, min_epochs: 10, max_epochs: 1000, early_stopping: { monitor: 'val_dice', patience: 20, min_delta: 1e-4 },
      loss: { dice: 1, bce: 0 }, eval_resample: 'nearest-mask', seed: 42,
      random_includes_p0: false, val_templates: 'random', test_templates: 'random',
    },
  };
};

const cnnRecipes = (): Record<RecipeVariant, Recipe> => {
  const released: Recipe = {
    ...base,
    optimizer: 'adam', lr: 1e-3, weight_decay: 0, batch_size: 16, scheduler: { type: 'constant' }, grad_clip: 0.5,
    min_epochs: 10, max_epochs: 1000, early_stopping: { monitor: 'val_dice', patience: 20, min_delta: 1e-4 },
    loss: { dice: 1, bce: 0 }, input_size: [256, 256], threshold: 0.5, eval_resample: 'nearest-mask', frozen: [], seed: 42,
  };
  return { paper: { ...released, grad_clip: 0, precision: 'fp32' }, published: released, released };
};

const presets: Record<string, Record<RecipeVariant, Recipe>> = {
  clipseg: clipsegLike(['clip'], [352, 352]),
  biomedclipseg: clipsegLike(['biomedclip'], [224, 224]),
  'biomedclipseg-d': clipsegLike(['biomedclip'], [224, 224]),
  cris: crisRecipes(),
  unet: cnnRecipes(),
  unetplusplus: cnnRecipes(),
  deeplabv3plus: cnnRecipes(),
};

export const recipeFamilies = Object.keys(presets);

/** The preset for a family and variant, with `overrides` applied and validated. */
export function resolveRecipe(family: string, variant: RecipeVariant = 'published', overrides: Record<string, unknown> = {}, source = 'recipe overrides'): Recipe {
  const byVariant = presets[family];
  if (!byVariant) throw new ConfigError(`no training recipe for model family '${family}'; recipes exist for ${recipeFamilies.join(', ')}`, source, 'model');
  const preset = byVariant[variant];
  if (!preset) throw new ConfigError(`unknown recipe variant '${variant}'; choose ${recipeVariants.join(', ')}`, source, 'recipe');
  const merged = deepMerge(structuredClone(preset) as Record<string, unknown>, overrides);
  const parsed = recipeSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      const names = issue.keys.map((k) => (at ? `${at}.${k}` : k));
      throw new ConfigError(`${source}: unknown recipe field ${names.map((n) => `'${n}'`).join(', ')}; known: ${Object.keys(recipeSchema.shape).join(', ')}`, source, names[0]);
    }
    throw new ConfigError(`${source}: recipe field '${at}': ${issue.message}`, source, at);
  }
  return parsed.data;
}

/**
 * A recipe saved before some field existed, with that field's default where it has one (e.g. the
 * prompt conventions, which default to medvlsm HEAD's). Fields without a default stay as saved.
 */
export function withRecipeDefaults(saved: Recipe): Recipe {
  const filled: Record<string, unknown> = { ...saved };
  for (const [key, field] of Object.entries(recipeSchema.shape)) {
    if (filled[key] !== undefined) continue;
    const parsed = (field as z.ZodTypeAny).safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) filled[key] = parsed.data;
  }
  return filled as Recipe;
}

/** Objects merge key by key (a scheduler `type` change replaces it whole); other values replace. */
function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    if (isUnsafeKey(key)) throw new ConfigError(`recipe overrides: field '${key}' is not allowed (it would change the object's prototype)`, undefined, key);
    const current = target[key];
    const bothObjects = isPlainObject(current) && isPlainObject(value);
    if (bothObjects && !(key === 'scheduler' && value.type !== undefined && value.type !== current.type)) {
      target[key] = deepMerge({ ...current }, value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
