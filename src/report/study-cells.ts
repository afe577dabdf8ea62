// A study's runs as cells: one number per run × test dataset × prompt type (mean test Dice ×100 at
// the original size), with what the paper's tables group by. Runs recorded before the study
// fields existed get them inferred where that is simple: trained on = the run config's datasets,
// else the one dataset a fine-tune run was tested on; a fine-tune run trained on one dataset is
// "individual".
import { basename } from 'node:path';
import { summarize } from '../eval/aggregate.js';
import type { ItemMetricRecord, ResultsStore, RunKind, RunRecord, RunSetting } from '../experiments/results/index.js';
import { canonicalDataset, canonicalModel } from './paper-results.js';

export interface StudyCell {
  runId: number;
  kind: RunKind;
  /** The paper's spelling ("CLIPSeg", "UNet++"). */
  model: string;
  /** An image-only model (U-Net, UNet++, DeepLabv3+): its prompt is no choice. */
  cnn: boolean;
  setting: RunSetting | null;
  /** Paper spellings of the datasets trained on; empty when unknown. */
  trainedOn: string[];
  frozen: string[];
  /** The tested dataset, in the paper's spelling. */
  dataset: string;
  /** "P0" … "P9" or "RANDOM". */
  prompt: string;
  /** Dice ×100: mean and sample std over the test items; n items. */
  mean: number;
  std: number;
  n: number;
}

/** Image-only models, by the paper's name or by family. */
export const CNN_MODELS: readonly string[] = ['UNet', 'UNet++', 'DeepLabv3+'];
const isCnn = (run: RunRecord, model: string): boolean => CNN_MODELS.includes(model) || (run.family !== null && CNN_MODELS.includes(canonicalModel(run.family)));

/** A prompt type label: "p6" → "P6"; per-template labels and names are not prompt types (null). */
export function promptTypeLabel(prompt: string): string | null {
  return /^(p\d+|random)$/i.test(prompt) ? prompt.toUpperCase() : null;
}

function configDatasets(config: unknown): string[] {
  const data = (config as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  return data.flatMap((d: unknown) => {
    const { name, root } = (d ?? {}) as { name?: unknown; root?: unknown };
    if (typeof name === 'string') return [name];
    return typeof root === 'string' ? [basename(root)] : [];
  });
}

/** The model name a run stands for in the tables: its model, else its family, else the config's. */
export function runModelName(run: RunRecord): string | null {
  const configModel = (run.config as { model?: unknown } | null)?.model;
  const configFamily = typeof configModel === 'object' && configModel !== null ? (configModel as { family?: unknown }).family : undefined;
  const name = run.model ?? run.family ?? (typeof configModel === 'string' ? configModel : typeof configFamily === 'string' ? configFamily : null);
  return name === null ? null : canonicalModel(name);
}

/**
 * Cells of the finished runs given (status 'done'; runs without a model name or with a prompt
 * perturbation are left out: they belong to the robustness study). Items of the test split at the
 * original size only.
 */
export function studyCells(store: ResultsStore, runs: readonly RunRecord[]): StudyCell[] {
  const usable = runs.filter((r) => r.status === 'done' && r.perturbation === null && runModelName(r) !== null);
  const byRun = new Map<number, ItemMetricRecord[]>();
  for (const item of store.itemMetrics(usable.map((r) => r.id))) {
    if (item.split !== 'test' || item.resolution !== 'original') continue;
    let list = byRun.get(item.runId);
    if (!list) byRun.set(item.runId, (list = []));
    list.push(item);
  }
  const cells: StudyCell[] = [];
  for (const run of usable) {
    const groups = new Map<string, { dataset: string; prompt: string; dice: number[] }>();
    for (const item of byRun.get(run.id) ?? []) {
      const prompt = promptTypeLabel(item.prompt);
      if (prompt === null) continue;
      const dataset = canonicalDataset(item.dataset);
      const key = `${dataset}\u0000${prompt}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { dataset, prompt, dice: [] }));
      g.dice.push(item.dice * 100);
    }
    const tested = [...new Set([...groups.values()].map((g) => g.dataset))];
    const trainedOn = (run.trainedOn ?? configDatasets(run.config)).map(canonicalDataset);
    const inferredTrainedOn = trainedOn.length > 0 ? trainedOn : run.kind === 'finetune' && tested.length === 1 ? tested : [];
    const setting = run.setting ?? (run.kind === 'finetune' && inferredTrainedOn.length === 1 ? 'individual' : null);
    for (const g of groups.values()) {
      const s = summarize(g.dice);
      if (s.count === 0) continue;
      cells.push({
        runId: run.id, kind: run.kind, model: runModelName(run)!, cnn: isCnn(run, runModelName(run)!), setting, trainedOn: inferredTrainedOn, frozen: run.frozen ?? [],
        dataset: g.dataset, prompt: g.prompt, mean: s.mean, std: s.std, n: s.count,
      });
    }
  }
  return cells;
}
