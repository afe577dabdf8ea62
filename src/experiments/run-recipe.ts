// A run's recipe, resolved in one place: the preset of the model's family for the config's variant,
// with the config's `train` overrides; for a run folder, the recipe saved beside its checkpoints
// (config.json, { config, recipe }), read back by schema with every error naming the file and field.
import { lstatSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeJsonError } from '../json-error.js';
import { recipeSchema, resolveRecipe, withRecipeDefaults, type Recipe } from '../train/recipes.js';
import { runPath } from '../train/run-folder.js';
import { parseRunConfig, type RunConfig } from './run-config.js';

/** The recipe a run of `config` trains with, for a model of `family`. */
export function runRecipe(config: RunConfig, family: string): Recipe {
  return resolveRecipe(family, config.recipe, config.train, 'run config');
}

/** The file that holds a run folder's config and recipe, written when the run starts (inside the run). */
export const savedRunFile = (runDir: string): string => runPath(runDir, 'config', 'config.json');

/** Far above any real run config; stops a huge or endless file from being read. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

const savedSchema = z.object({ config: z.record(z.string(), z.unknown()), recipe: z.record(z.string(), z.unknown()) });

/**
 * The config and recipe a run folder saved. Fields added to recipes since get their defaults, so
 * older runs read as they trained.
 */
export function savedRun(runDir: string): { config: RunConfig; recipe: Recipe; file: string } {
  const file = savedRunFile(runDir);
  let json: unknown;
  let text = '';
  try {
    const stats = lstatSync(file);
    if (!stats.isFile()) throw new ConfigError(`${file}: not a regular file`, file);
    if (stats.size > MAX_CONFIG_BYTES) throw new ConfigError(`${file}: ${stats.size} bytes is too large for a run config`, file);
    text = readFileSync(file, 'utf8');
    json = JSON.parse(text);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    const why = cause instanceof SyntaxError ? `not valid JSON (${describeJsonError(cause, text)})` : (cause as Error).message;
    throw new ConfigError(`${file}: cannot read the run's config: ${why}`, file, undefined, { cause });
  }
  const saved = savedSchema.safeParse(json);
  if (!saved.success) {
    const issue = saved.error.issues[0]!;
    const field = issue.path.join('.') || '(top level)';
    throw new ConfigError(`${file}: not a vlsm finetune run config: field '${field}': ${issue.message} (it holds { config, recipe })`, file, field);
  }
  const config = parseRunConfig(saved.data.config, file);
  // Runs saved before a recipe field existed get its default (HEAD's prompt conventions).
  const recipe = recipeSchema.safeParse(withRecipeDefaults(saved.data.recipe as Recipe));
  if (!recipe.success) {
    const issue = recipe.error.issues[0]!;
    const field = ['recipe', ...issue.path].join('.');
    throw new ConfigError(`${file}: field '${field}': ${issue.message}`, file, field);
  }
  return { config, recipe: recipe.data, file };
}
