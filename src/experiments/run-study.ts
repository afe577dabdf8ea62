// What a run is in a study, told from its config: the model's family (a Hub id or folder maps to
// its family), the setting (individual, pooled, endoscopy-pooled, all-pooled), the datasets
// trained and tested on, the frozen parts and the prompt type.
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { resolveModel } from '../hub/index.js';
import { detectFamily, families } from '../models/registry.js';
import { runRecipe } from './run-recipe.js';
import type { RunConfig, RunDataset } from './run-config.js';
import type { RunSetting, StudyFields } from './results/index.js';

type ModelSpec = RunConfig['model'];

const datasetName = (d: RunDataset): string => d.name ?? basename(resolve(d.root));

/** A family named in a Hub id or folder name ("CIDAS/clipseg-rd64-refined" → clipseg), longest name first. */
function familyInName(name: string): string | null {
  const lower = name.toLowerCase();
  const byLength = [...families].sort((a, b) => b.name.length - a.name.length);
  return byLength.find((f) => lower.includes(f.name))?.name ?? null;
}

/**
 * The family of a run's model: named, detected from a folder's config.json, from a Hub id's
 * cached config (offline), or from the name itself; null when none tells.
 */
export async function familyOfModelSpec(spec: ModelSpec): Promise<string | null> {
  if (typeof spec !== 'string') {
    if ('path' in spec) return spec.family ?? familyOfFolder(spec.path);
    return spec.family;
  }
  if (existsSync(spec) && statSync(spec).isDirectory()) return familyOfFolder(spec);
  try {
    const resolved = await resolveModel(spec, { offline: true, required: ['config.json'], optional: ['open_clip_config.json'] });
    return detectFamily(resolved.dir).name;
  } catch {
    return familyInName(spec);
  }
}

function familyOfFolder(folder: string): string | null {
  try {
    return detectFamily(folder).name;
  } catch {
    return familyInName(folder);
  }
}

/** How the training sets were put together, as the paper's tables group runs. */
export function settingOf(data: readonly RunDataset[]): RunSetting {
  if (data.length === 1) return 'individual';
  const pools = new Set(data.map((d) => d.pool));
  if (pools.size === 1 && pools.has('endoscopy')) return 'endoscopy-pooled';
  if (pools.size === 1 && pools.has('all')) return 'all-pooled';
  return 'pooled';
}

/** Module paths that hold the encoders, by family: what "frozen encoders" freezes. */
export const ENCODER_MODULES: Readonly<Record<string, readonly string[]>> = {
  clipseg: ['clip'],
  biomedclipseg: ['biomedclip'],
  'biomedclipseg-d': ['biomedclip'],
  cris: ['backbone'],
};

/** Frozen module paths as parts: a family's whole encoder module is both encoders. */
export function frozenParts(family: string | null, modules: readonly string[]): string[] {
  const encoders = family ? ENCODER_MODULES[family] : undefined;
  return modules.flatMap((m) => (encoders?.includes(m) ? ['image-encoder', 'text-encoder'] : [m]));
}

/** The study fields a run config tells; `family` from familyOfModelSpec. */
export function studyOfRunConfig(config: RunConfig, family: string | null): StudyFields {
  let frozen: string[] | null = null;
  if (family) {
    try {
      frozen = frozenParts(family, runRecipe(config, family).frozen);
    } catch {
      frozen = null; // No recipe for this family: a config error the run itself reports.
    }
  }
  const trainedOn = config.data.map(datasetName);
  return {
    family,
    setting: settingOf(config.data),
    trainedOn,
    testedOn: [...trainedOn, ...config.test_data.map(datasetName).filter((n) => !trainedOn.includes(n))],
    frozen,
    promptType: config.prompt,
    precision: 'fp32',
  };
}
