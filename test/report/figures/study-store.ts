// A small results store with known per-image Dice for the figure tests: two models zero-shot
// and fine-tuned over two datasets and three prompt types, and a robustness study of one model.
import { openResults, type ResultsStore, type RunStart } from '../../../src/experiments/results/index.js';

const quiet = { gitCommit: null, vlsmVersion: '0.0.0-test', machine: { hostname: 'host', cpus: 2, os: 'linux', libtorchVersion: '1.13.1' } };
export const DATASETS = ['Kvasir-SEG', 'BUSI'];
export const PROMPTS = ['P0', 'P1', 'P6'];
export const IMAGES = 12;

/** Dice of image i for a model/condition/dataset/prompt: a known level plus a fixed wiggle. */
export const diceOf = (level: number, i: number): number => Math.min(1, Math.max(0, level + 0.08 * Math.sin(1.7 * i + level * 10)));

function addRun(store: ResultsStore, start: Omit<RunStart, 'config'> & { config?: unknown }, rows: { dataset: string; prompt: string; level: number; promptText?: string }[]): number {
  const id = store.startRun({ config: {}, ...quiet, suite: 'figs', ...start });
  store.addItemMetrics(id, rows.flatMap((r) => Array.from({ length: IMAGES }, (_, i) => ({
    dataset: r.dataset, split: 'test', prompt: r.prompt, imageId: `img${String(i).padStart(2, '0')}.png`, dice: diceOf(r.level, i), iou: diceOf(r.level, i) * 0.8, promptText: r.promptText ?? `${r.prompt} text ${i}`,
  }))));
  store.finishRun(id);
  return id;
}

export interface StudyStore { store: ResultsStore; baselineRunId: number; perturbed: { id: number; attribute: string; mode: string; drop: number }[] }

/** Fills a new store at `path`. Perturbed Dice = baseline Dice × (1 − drop) on every image. */
export function makeStudyStore(path: string): StudyStore {
  const store = openResults(path);
  for (const [model, offset] of [['CLIPSeg', 0.1], ['CRIS', 0]] as const) {
    addRun(store, { kind: 'zeroshot', model }, DATASETS.flatMap((dataset) => PROMPTS.map((prompt, p) => ({ dataset, prompt, level: 0.2 + offset + 0.05 * p }))));
    addRun(store, { kind: 'finetune', model }, DATASETS.flatMap((dataset) => PROMPTS.map((prompt, p) => ({ dataset, prompt, level: 0.6 + offset + 0.05 * p }))));
  }
  // A run of another suite is left out of suite 'figs'.
  addRun(store, { kind: 'zeroshot', model: 'Other', suite: 'elsewhere' }, [{ dataset: 'BUSI', prompt: 'P0', level: 0.5 }]);
  const baselineRunId = addRun(store, { kind: 'eval', model: 'CLIPSeg' }, [{ dataset: 'Kvasir-SEG', prompt: 'P6', level: 0.7 }]);
  const perturbed: StudyStore['perturbed'] = [];
  for (const [attribute, drop] of [['class', 0.5], ['shape', 0.1], ['color', 0.2], ['size', 0.05], ['number', 0], ['location', 0.3]] as const) {
    for (const [mode, factor] of [['random-word', 1], ['opposite', 0.5]] as const) {
      const id = store.startRun({ kind: 'eval', model: 'CLIPSeg', config: { baselineRunId }, ...quiet, suite: 'figs', perturbation: { attribute, mode } });
      store.addItemMetrics(id, Array.from({ length: IMAGES }, (_, i) => ({
        dataset: 'Kvasir-SEG', split: 'test', prompt: 'P6', imageId: `img${String(i).padStart(2, '0')}.png`, dice: diceOf(0.7, i) * (1 - drop * factor), iou: 0, promptText: `P6 ${attribute} ${mode} ${i}`,
      })));
      store.finishRun(id);
      perturbed.push({ id, attribute, mode, drop: drop * factor });
    }
  }
  return { store, baselineRunId, perturbed };
}
