// A suite's grid expanded into planned runs: every block's product of models × datasets (or pools)
// × prompts × recipes × precision × frozen variants × seeds, less the exclusions, with the
// overrides applied, each run hashed over its resolved config.
import { join } from 'node:path';
import { PREDEFINED_POOLS } from '../../data/pooled-dataset.js';
import { ConfigError } from '../../errors.js';
import { resolveRecipe, type Recipe, type RecipeVariant } from '../../train/recipes.js';
import type { RunSetting, StudyFields } from '../results/index.js';
import { ENCODER_MODULES, familyOfModelSpec, frozenParts } from '../run-study.js';
import { canonicalJson, datasetIdentity, modelIdentity, sha256Hex } from './identity.js';
import { FAMILY_PROMPTS, PAPER_DATASETS } from './paper-datasets.js';
import type { ValidatedSuite } from './suite-file.js';
import type { PlannedRun, PlannedRunConfig, SuiteBlock, SuiteDatasetInfo, SuiteKind, SuiteMatch, SuiteModel } from './types.js';

export interface SuitePlan {
  suite: ValidatedSuite;
  runs: PlannedRun[];
  /** Datasets and model folders not found here: their hashes know only their names. */
  missing: string[];
}

export interface PlanOptions {
  /** Datasets are `<dataRoot>/<name>` (default "data"). */
  dataRoot?: string;
}

/** A unit of training (or testing) data: one dataset, or a pool's members. */
interface DataUnit {
  data: string[];
  setting: RunSetting;
  pool?: string;
}

const SETTING_OF_POOL: Readonly<Record<string, RunSetting>> = { endoscopy: 'endoscopy-pooled', all: 'all-pooled' };

function unitsOf(ref: SuiteBlock['datasets'][number], kind: SuiteKind): DataUnit[] {
  if (typeof ref === 'string') return [{ data: [ref], setting: 'individual' }];
  const members = PREDEFINED_POOLS[ref.pool]!.members.map((m) => m.name);
  // A pool trains as one; evaluated, it is each member with its own prompts.
  if (kind === 'finetune') return [{ data: members, setting: SETTING_OF_POOL[ref.pool] ?? 'pooled', pool: ref.pool }];
  return members.map((m) => ({ data: [m], setting: 'individual' as const }));
}

function familyOfDataset(suite: ValidatedSuite, name: string): SuiteDatasetInfo['family'] {
  return suite.datasets[name]?.family ?? PAPER_DATASETS[name]!;
}

function matches(m: SuiteMatch, run: { model: string; family: string; data: readonly string[]; pool?: string; prompt: string; setting: RunSetting; recipe: string; precision: string; frozen: string }): boolean {
  return (m.model === undefined || m.model === run.model)
    && (m.family === undefined || m.family === run.family)
    && (m.dataset === undefined || run.data.includes(m.dataset) || m.dataset === run.pool)
    && (m.prompt === undefined || m.prompt === run.prompt)
    && (m.setting === undefined || m.setting === run.setting)
    && (m.recipe === undefined || m.recipe === run.recipe)
    && (m.precision === undefined || m.precision === run.precision)
    && (m.frozen === undefined || m.frozen === run.frozen);
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** The model spec as a run config takes it. */
export function runModelSpec(model: SuiteModel): string | { family: string; scratch: Record<string, unknown>; input_size?: [number, number] } | { path: string; family?: string } {
  if (typeof model === 'string' || 'path' in model) return model;
  return { family: model.family, scratch: model.scratch ?? {}, ...(model.input_size ? { input_size: model.input_size } : {}) };
}

/** Expands a validated suite into its planned runs (in grid order). */
export async function planSuite(suite: ValidatedSuite, o: PlanOptions = {}): Promise<SuitePlan> {
  const dataRoot = o.dataRoot ?? 'data';
  const missing = new Set<string>();
  const families = new Map<string, string>();
  const identities = new Map<string, string>();
  for (const [label, model] of Object.entries(suite.models)) {
    const family = await familyOfModelSpec(runModelSpec(model));
    if (family === null) throw new ConfigError(`suite ${suite.name}: cannot tell the family of model '${label}' (${JSON.stringify(model)}); give it as { path: …, family: … }`, undefined, `models.${label}`);
    families.set(label, family);
    const { identity, missing: absent } = modelIdentity(model);
    identities.set(label, identity);
    if (absent) missing.add(`model folder ${absent} (model '${label}')`);
  }
  const dataIdentity = (name: string): string => {
    const made = suite.datasets[name]?.make;
    if (made) return `made:${canonicalJson(made)}`;
    const digest = datasetIdentity(join(dataRoot, name));
    if (digest === undefined) {
      missing.add(`dataset ${join(dataRoot, name)}`);
      return `name:${name}`;
    }
    return digest;
  };

  const runs: PlannedRun[] = [];
  const seen = new Set<string>();
  for (const block of suite.grid) {
    for (const modelLabel of block.models) {
      const family = families.get(modelLabel)!;
      const model = suite.models[modelLabel]!;
      for (const ref of block.datasets) {
        for (const unit of unitsOf(ref, suite.kind as SuiteKind)) {
          const prompts = block.prompts === 'family' ? FAMILY_PROMPTS[familyOfDataset(suite, unit.data[0]!)] : block.prompts;
          for (const prompt of prompts) for (const recipe of block.recipes) for (const precision of block.precision) for (const frozen of block.frozen) for (const seed of block.seeds) {
            const at = { model: modelLabel, family, data: unit.data, pool: unit.pool, prompt, setting: unit.setting, recipe, precision, frozen };
            if (suite.exclude.some((m) => matches(m, at))) continue;
            const applied = suite.overrides.filter((m) => matches(m, at));
            const train: Record<string, unknown> = Object.assign({}, block.train, ...applied.map((a) => a.train ?? {}));
            if (seed !== null) train['seed'] = seed;
            if (frozen === 'none') train['frozen'] = [];
            if (frozen === 'encoders') {
              const encoders = ENCODER_MODULES[family];
              if (!encoders) throw new ConfigError(`suite ${suite.name}: model '${modelLabel}' (${family}) has no encoders to freeze; frozen: encoders applies to the VLSMs`, undefined, 'frozen');
              train['frozen'] = [...encoders];
            }
            const resolved: Recipe = resolveRecipe(family, recipe as RecipeVariant, train, `suite ${suite.name}, model '${modelLabel}'`);
            const tested = suite.kind === 'finetune' ? unique([...unit.data, ...block.test_datasets, ...applied.flatMap((a) => a.test_datasets ?? [])]) : unit.data;
            const writeMasks = applied.some((a) => a.write_masks === true) || undefined;
            const base = {
              modelLabel, model, modelIdentity: identities.get(modelLabel)!, recipe: recipe as PlannedRunConfig['recipe'], train,
              data: suite.kind === 'finetune' || suite.kind === 'robustness' ? unit.data : [], testData: tested, prompt, precision,
              dataIdentity: Object.fromEntries(unique([...unit.data, ...tested]).map((n) => [n, dataIdentity(n)])),
              ...(writeMasks ? { writeMasks } : {}),
              ...(suite.checkpoint_every ? { checkpointEvery: suite.checkpoint_every } : {}),
            };
            const study: StudyFields = {
              suite: suite.name, family, setting: suite.kind === 'finetune' || suite.kind === 'robustness' ? unit.setting : null,
              trainedOn: suite.kind === 'finetune' || suite.kind === 'robustness' ? unit.data : null, testedOn: tested,
              frozen: frozenParts(family, resolved.frozen), promptType: prompt, precision,
            };
            const label = `${modelLabel} ${unit.pool ? `pool:${unit.pool}` : unit.data.join('+')} ${prompt}${frozen === 'recipe' ? '' : ` frozen:${frozen}`}${block.recipes.length > 1 ? ` ${recipe}` : ''}${block.precision.length > 1 ? ` ${precision}` : ''}${seed === null ? '' : ` seed ${seed}`}`;
            if (suite.kind === 'robustness') {
              // The perturbed tests read a fine-tune of the same config: that run's hash.
              const fromRun = hashOf('finetune', base, resolved);
              for (const attribute of block.attributes!) for (const mode of block.modes!) {
                const config: PlannedRunConfig = { ...base, fromRun, perturbation: { attribute, mode } };
                push({ hash: hashOf('robustness', config, resolved), kind: 'robustness', title: `robustness ${label} ${attribute}/${mode}`, config, study: { ...study, perturbation: { attribute, mode } } });
              }
            } else {
              const kind = suite.kind as SuiteKind;
              push({ hash: hashOf(kind, base, resolved), kind, title: `${kind} ${label}`, config: base, study });
            }
          }
        }
      }
    }
  }
  function push(run: PlannedRun): void {
    // The same run reached twice (overlapping blocks) is one run.
    if (seen.has(run.hash)) return;
    seen.add(run.hash);
    run.study.runHash = run.hash;
    runs.push(run);
  }
  return { suite, runs, missing: [...missing] };
}

/** The identity of a run: what decides its results, nothing about where it runs. */
function hashOf(kind: SuiteKind, c: PlannedRunConfig, recipe: Recipe): string {
  return sha256Hex(canonicalJson({
    v: 1, kind, model: c.modelIdentity, recipe, data: c.data, testData: c.testData, dataIdentity: c.dataIdentity,
    prompt: c.prompt, precision: c.precision, perturbation: c.perturbation, fromRun: c.fromRun,
  }));
}
