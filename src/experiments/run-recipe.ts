// A run's recipe, resolved in one place: the preset of the model's family for the config's variant,
// with the config's `train` overrides; for a run folder, the recipe saved beside its checkpoints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { resolveRecipe, withRecipeDefaults, type Recipe } from '../train/recipes.js';
import { parseRunConfig, type RunConfig } from './run-config.js';

/** The recipe a run of `config` trains with, for a model of `family`. */
export function runRecipe(config: RunConfig, family: string): Recipe {
  return resolveRecipe(family, config.recipe, config.train, 'run config');
}

/** The file that holds a run folder's config and recipe, written when the run starts. */
export const savedRunFile = (runDir: string): string => join(runDir, 'config.json');

/**
 * The config and recipe a run folder saved (its config.json). Fields added to recipes since get
 * their defaults, so older runs read as they trained.
 */
export function savedRun(runDir: string): { config: RunConfig; recipe: Recipe } {
  const file = savedRunFile(runDir);
  let saved: { config?: unknown; recipe?: Recipe };
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as { config?: unknown; recipe?: Recipe };
  } catch (cause) {
    throw new ConfigError(`${file}: cannot read the run's config (${(cause as Error).message})`, file, undefined, { cause });
  }
  if (typeof saved !== 'object' || saved === null || !saved.config || !saved.recipe) {
    throw new ConfigError(`${file}: not a vlsm finetune run config (no config and recipe)`, file);
  }
  return { config: parseRunConfig(saved.config, file), recipe: withRecipeDefaults(saved.recipe) };
}
