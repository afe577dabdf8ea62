// Rows of the results database's tables and their conversion to the records callers see (NaN
// metrics are stored as NULL).
import { extraFieldsSchema, nameListSchema, parseStoredJson, perturbationSchema, runConfigJsonSchema } from './stored-json.js';
import type { EpochRecord, ItemMetricRecord, RunKind, RunRecord, RunSetting, RunStatus, StudyFields } from './types.js';

export const nanToNull = (v: number | null | undefined): number | null => (v === undefined || v === null || Number.isNaN(v) ? null : v);
export const nullToNan = (v: number | null): number => (v === null ? Number.NaN : v);

export type RunRow = {
  id: number; kind: RunKind; name: string | null; model: string | null; config: string; vlsm_version: string; git_commit: string | null;
  hostname: string; cpus: number; os: string; libtorch_version: string | null; pid: number; started_at: string; finished_at: string | null;
  duration_s: number | null; status: RunStatus; error: string | null; items: number;
  suite: string | null; run_hash: string | null; family: string | null; setting: RunSetting | null; trained_on: string | null;
  tested_on: string | null; frozen: string | null; prompt_type: string | null; precision: string | null; perturbation: string | null;
};
export type ItemRow = {
  run_id: number; dataset: string; split: string; prompt: string; image_id: string; class: string; resolution: 'original' | 'model';
  dice: number | null; iou: number | null; ones_dice_diff: number | null; zeros_dice_diff: number | null; gt_pixels: number | null;
  pred_pixels: number | null; intersection: number | null; pixels: number | null; prompt_text: string | null;
};
export type EpochRow = {
  run_id: number; epoch: number; step: number | null; train_loss: number | null; val_dice: number | null; val_loss: number | null;
  lr: number | null; seconds: number | null; extra: string | null; logged_at: string;
};

export const toRun = (r: RunRow): RunRecord => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  model: r.model,
  config: parseStoredJson(r.config, `run ${r.id}, column runs.config`, runConfigJsonSchema),
  vlsmVersion: r.vlsm_version,
  gitCommit: r.git_commit,
  machine: { hostname: r.hostname, cpus: r.cpus, os: r.os, libtorchVersion: r.libtorch_version },
  pid: r.pid,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationS: r.duration_s,
  status: r.status,
  error: r.error,
  items: r.items,
  suite: r.suite,
  runHash: r.run_hash,
  family: r.family,
  setting: r.setting,
  trainedOn: r.trained_on === null ? null : parseStoredJson(r.trained_on, `run ${r.id}, column runs.trained_on`, nameListSchema),
  testedOn: r.tested_on === null ? null : parseStoredJson(r.tested_on, `run ${r.id}, column runs.tested_on`, nameListSchema),
  frozen: r.frozen === null ? null : parseStoredJson(r.frozen, `run ${r.id}, column runs.frozen`, nameListSchema),
  promptType: r.prompt_type,
  precision: r.precision,
  perturbation: r.perturbation === null ? null : parseStoredJson(r.perturbation, `run ${r.id}, column runs.perturbation`, perturbationSchema),
});

/** The study columns of a run, in STUDY_COLUMNS order, as stored (JSON arrays as text). */
export const STUDY_COLUMNS = ['suite', 'run_hash', 'family', 'setting', 'trained_on', 'tested_on', 'frozen', 'prompt_type', 'precision', 'perturbation'] as const;
export const studyValues = (s: StudyFields): (string | null)[] => {
  const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
  return [
    s.suite ?? null, s.runHash ?? null, s.family ?? null, s.setting ?? null, json(s.trainedOn), json(s.testedOn), json(s.frozen),
    s.promptType ?? null, s.precision ?? null, json(s.perturbation),
  ];
};

export const toItem = (r: ItemRow): ItemMetricRecord => ({
  runId: r.run_id,
  dataset: r.dataset,
  split: r.split,
  prompt: r.prompt,
  imageId: r.image_id,
  className: r.class,
  resolution: r.resolution,
  dice: nullToNan(r.dice),
  iou: nullToNan(r.iou),
  onesDiceDiff: r.ones_dice_diff,
  zerosDiceDiff: r.zeros_dice_diff,
  gtPixels: r.gt_pixels,
  predPixels: r.pred_pixels,
  intersection: r.intersection,
  pixels: r.pixels,
  promptText: r.prompt_text,
});

export const toEpoch = (r: EpochRow): EpochRecord => ({
  runId: r.run_id,
  epoch: r.epoch,
  step: r.step,
  trainLoss: r.train_loss,
  valDice: r.val_dice,
  valLoss: r.val_loss,
  lr: r.lr,
  seconds: r.seconds,
  extra: r.extra === null ? null : parseStoredJson(r.extra, `run ${r.run_id} epoch ${r.epoch}, column epochs.extra`, extraFieldsSchema),
  loggedAt: r.logged_at,
});

export const RUN_SELECT = `SELECT runs.*, (SELECT count(*) FROM item_metrics m WHERE m.run_id = runs.id) AS items FROM runs`;
