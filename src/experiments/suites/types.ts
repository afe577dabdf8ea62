// What a suite is once read and expanded: the validated suite file, the planned runs it expands to
// (each with a hash of its resolved config as its identity), and the executor's contract. A
// planned run is plain JSON, so a job queue can carry it to another machine; the executor there
// writes only into the store and artifacts folder it is given.
import type { ResultsStore, RunSetting, StudyFields } from '../results/index.js';

export type SuiteKind = 'zeroshot' | 'finetune' | 'eval' | 'robustness';
export const SUITE_KINDS: readonly SuiteKind[] = ['zeroshot', 'finetune', 'eval', 'robustness'];

/** A model of a suite: a Hub id or folder, a family built from scratch, or a folder of a named family. */
export type SuiteModel =
  | string
  | { family: string; scratch?: Record<string, unknown>; input_size?: [number, number] }
  | { path: string; family?: string };

/** A dataset of a suite: a folder name under the data root, or a predefined pool ("endoscopy", "all"). */
export type SuiteDatasetRef = string | { pool: string };

export interface SuiteDatasetInfo {
  family: 'endoscopy' | 'isic' | 'dfu' | 'busi' | 'camus' | 'chexlocalize';
  make?: { synthetic: { images: number; seed: number; size: number } } | { busi_sample: true };
}

/** Which runs an override or exclusion applies to; every given field must match. */
export interface SuiteMatch {
  model?: string;
  family?: string;
  dataset?: string;
  prompt?: string;
  setting?: RunSetting;
  recipe?: string;
  precision?: string;
  frozen?: string;
}

/** One product of axes; a suite's grid is a list of them. */
export interface SuiteBlock {
  models: string[];
  datasets: SuiteDatasetRef[];
  /** Prompt types; 'family' is each dataset family's own set (P0–P9, CAMUS P0–P7, BUSI/CheXlocalize P0–P6). */
  prompts: 'family' | string[];
  recipes: ('paper' | 'published' | 'released')[];
  precision: string[];
  /** Frozen-part variants: 'recipe' (the recipe's own), 'encoders' (image and text encoders), 'none'. */
  frozen: ('recipe' | 'encoders' | 'none')[];
  seeds: (number | null)[];
  /** Test-only datasets added to every run of the block (out-of-distribution tests). */
  test_datasets: string[];
  /** Recipe field overrides for every run of the block. */
  train: Record<string, unknown>;
  /** Robustness: perturbed attributes and modes (Figure 3). */
  attributes?: string[];
  modes?: string[];
}

/** A suite file as validated (suite-file.ts reads and checks it). */
export interface SuiteFile {
  name: string;
  description?: string;
  kind: SuiteKind;
  /** Named models the grid refers to. */
  models: Record<string, SuiteModel>;
  /**
   * Datasets beyond the paper's (which the suite knows by their reference folder names), with their
   * prompt family; `make` builds one under the data root when it is missing (the demo's data).
   */
  datasets: Record<string, SuiteDatasetInfo>;
  grid: SuiteBlock[];
  overrides: (SuiteMatch & { train?: Record<string, unknown>; test_datasets?: string[]; write_masks?: boolean })[];
  exclude: SuiteMatch[];
}

/** The resolved config of a planned run: plain JSON, datasets by name (resolved under a data root). */
export interface PlannedRunConfig {
  /** The suite model's label, and the model itself. */
  modelLabel: string;
  model: SuiteModel;
  /** What the hash knows of the model's weights: a file digest, a Hub id, or the scratch config. */
  modelIdentity: string;
  recipe: 'paper' | 'published' | 'released';
  /** Recipe field overrides (seed, frozen, epochs …). */
  train: Record<string, unknown>;
  /** Datasets trained on (fine-tune), by folder name under the data root. */
  data: string[];
  /** Datasets tested on: the training sets' test splits and test-only sets. */
  testData: string[];
  /** Prompt type of a fine-tune or of an evaluation. */
  prompt: string;
  precision: string;
  /** Fingerprints of the datasets' annotation files (prompts and membership), by dataset name. */
  dataIdentity: Record<string, string>;
  /** A run whose model is another planned run's result: that run's hash. */
  fromRun?: string;
  perturbation?: { attribute: string; mode: string };
  writeMasks?: boolean;
  /** Fine-tunes also checkpoint every this many steps (not part of the hash: results do not depend on it). */
  checkpointEvery?: number;
}

/** One run of an expanded suite. */
export interface PlannedRun {
  /** sha256 (hex) of the resolved config: model weights, data, prompts, recipe, seed, precision. */
  hash: string;
  kind: SuiteKind;
  /** e.g. "finetune clipseg kvasir_polyp p6". */
  title: string;
  config: PlannedRunConfig;
  /** The fields the results store keeps for the paper's tables; `runHash` equals `hash`. */
  study: StudyFields;
}

export interface ExecuteContext {
  /** Where the run is written (with its study fields and runHash). */
  store: ResultsStore;
  /** Checkpoints go to `<artifactsDir>/<hash>/`, shared frozen features to `<artifactsDir>/feature-cache/`. */
  artifactsDir: string;
  /** Datasets are `<dataRoot>/<name>` (default "data"). */
  dataRoot?: string;
  /** "cpu", "cuda:0" … (default: the model's own). */
  device?: string;
  /** Overrides the planned precision ("fp32"; others where this build supports them). */
  precision?: string;
  /**
   * Aborting stops a fine-tune at its next step with a checkpoint; the run is left 'killed' and the
   * executor throws RunInterruptedError. Given a signal, the executor installs no SIGINT/SIGTERM
   * handlers (without one, those signals mark the run 'killed' and end the process).
   */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Show progress bars. */
  progress?: boolean;
}

/**
 * Runs one planned run into `ctx.store` and returns its run id there. A fine-tune resumes from the
 * checkpoints under `<artifactsDir>/<hash>/` left by an earlier, interrupted attempt.
 */
export type ExecutePlannedRun = (run: PlannedRun, ctx: ExecuteContext) => Promise<number>;
