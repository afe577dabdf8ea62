// What the results store holds: runs, evaluated items and training-log lines, as callers see them.
// Metrics are fractions in [0, 1] (NaN where undefined); summaries show them ×100.
import { VlsmError } from '../../errors.js';
import type { Summary } from '../../eval/aggregate.js';

/** The results database cannot be opened, read or written; names the file. */
export class ResultsStoreError extends VlsmError {
  constructor(message: string, readonly file: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type RunKind = 'finetune' | 'eval' | 'zeroshot';
export type RunStatus = 'running' | 'done' | 'failed' | 'killed';
export const RUN_KINDS: readonly RunKind[] = ['finetune', 'eval', 'zeroshot'];
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'done', 'failed', 'killed'];

/** How a fine-tuned run was trained, as the paper's tables group runs. */
export type RunSetting = 'individual' | 'pooled' | 'endoscopy-pooled' | 'all-pooled';
export const RUN_SETTINGS: readonly RunSetting[] = ['individual', 'pooled', 'endoscopy-pooled', 'all-pooled'];

/** A prompt perturbed one attribute at a time (the robustness study). */
export interface Perturbation {
  attribute: string;
  mode: string;
}

/** What a run is in a study: the fields the paper's tables and figures group by. */
export interface StudyFields {
  /** The suite the run belongs to. */
  suite?: string | null;
  /** The hash of the run's resolved config: its identity in a suite. */
  runHash?: string | null;
  /** The model family ("clipseg", "cris", "biomedclipseg", "biomedclipseg-d", "unet", …). */
  family?: string | null;
  setting?: RunSetting | null;
  /** Dataset names trained on (fine-tune runs). */
  trainedOn?: readonly string[] | null;
  /** Dataset names tested on. */
  testedOn?: readonly string[] | null;
  /** Frozen parts ("image-encoder", "text-encoder"); empty when none. */
  frozen?: readonly string[] | null;
  /** "p0" … "p9", "random". */
  promptType?: string | null;
  /** "fp32", "bf16", "fp16". */
  precision?: string | null;
  perturbation?: Perturbation | null;
}

export interface MachineInfo {
  hostname: string;
  cpus: number;
  /** e.g. "linux 6.1.0"; */
  os: string;
  /** The libtorch the run used, when the caller knows it (`torch.version()`). */
  libtorchVersion: string | null;
}

export interface RunStart extends StudyFields {
  kind: RunKind;
  /** The resolved config (recipe, model, checkpoint, datasets, prompts, seed); stored as JSON. */
  config: unknown;
  /** The model name rows of the paper's tables use (e.g. "CLIPSeg"); default `config.model` if a string. */
  model?: string | null;
  /** A free label. */
  name?: string | null;
  /** Default: this package's version. */
  vlsmVersion?: string;
  /** Default: `git rev-parse HEAD` of this package's checkout, null outside one. */
  gitCommit?: string | null;
  /** Default: this machine, without the libtorch version unless given. */
  machine?: Partial<MachineInfo>;
  startedAt?: Date;
}

export interface RunRecord {
  id: number;
  kind: RunKind;
  name: string | null;
  model: string | null;
  config: unknown;
  vlsmVersion: string;
  gitCommit: string | null;
  machine: MachineInfo;
  pid: number;
  startedAt: string;
  finishedAt: string | null;
  durationS: number | null;
  status: RunStatus;
  error: string | null;
  /** Items stored for the run. */
  items: number;
  suite: string | null;
  runHash: string | null;
  family: string | null;
  setting: RunSetting | null;
  trainedOn: string[] | null;
  testedOn: string[] | null;
  frozen: string[] | null;
  promptType: string | null;
  precision: string | null;
  perturbation: Perturbation | null;
}

/** One evaluated (image, class) item. Metrics are fractions; counts are pixels. */
export interface ItemMetricRow {
  dataset: string;
  split: string;
  /** The prompt type: "P0" … "P9", "random", or a name. */
  prompt: string;
  imageId: string;
  /** The structure for multi-class datasets (CAMUS "LV"); '' when there is one. */
  className?: string;
  /** 'original' (the paper's tables) or 'model' (model resolution). Default 'original'. */
  resolution?: 'original' | 'model';
  dice: number;
  iou: number;
  onesDiceDiff?: number | null;
  zerosDiceDiff?: number | null;
  gtPixels?: number | null;
  predPixels?: number | null;
  intersection?: number | null;
  pixels?: number | null;
  /** The prompt text, when useful to keep. */
  promptText?: string | null;
}

export interface ItemMetricRecord extends Required<Omit<ItemMetricRow, 'className'>> {
  runId: number;
  className: string;
}

export interface EpochLog {
  epoch: number;
  step?: number | null;
  trainLoss?: number | null;
  valDice?: number | null;
  valLoss?: number | null;
  lr?: number | null;
  /** Wall seconds the epoch took. */
  seconds?: number | null;
  /** Anything else (per-group learning rates, IoU …), stored as JSON. */
  extra?: Record<string, unknown> | null;
}

export interface EpochRecord extends Required<Omit<EpochLog, 'extra'>> {
  runId: number;
  extra: Record<string, unknown> | null;
  loggedAt: string;
}

export interface RunFilter {
  kind?: RunKind;
  status?: RunStatus;
  model?: string;
  suite?: string;
  family?: string;
  runHash?: string;
  ids?: readonly number[];
  /** The newest `limit` runs. */
  limit?: number;
}

/** Mean ± sample std (×100) of one dataset × split × prompt × resolution of a run. */
export interface SummaryRow {
  runId: number;
  kind: RunKind;
  model: string | null;
  dataset: string;
  split: string;
  prompt: string;
  resolution: string;
  dice: Summary;
  iou: Summary;
}

/** What `exportRuns('json')` writes and `importRuns` reads (NaN metrics written as null). */
export interface ExportDump {
  schemaVersion: number;
  runs: RunRecord[];
  items: (Omit<ItemMetricRecord, 'dice' | 'iou'> & { dice: number | null; iou: number | null })[];
  epochs: EpochRecord[];
}
