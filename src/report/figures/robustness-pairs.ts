// The robustness study in the store: each perturbed run (`perturbation` set) beside its baseline,
// the unperturbed run named by its config's `baselineRunId` (what `vlsm robustness` writes), else
// the newest unperturbed run of the same model that scores the same dataset and prompt.
import type { ItemMetricRecord, RunRecord } from '../../experiments/results/index.js';
import { groupBy, itemKey, modelLabel, type StudyData } from './study-data.js';

export interface RobustnessPair {
  model: string;
  dataset: string;
  prompt: string;
  attribute: string;
  mode: string;
  baselineRun: RunRecord;
  perturbedRun: RunRecord;
  baseline: ItemMetricRecord[];
  perturbed: ItemMetricRecord[];
}

const baselineIdOf = (run: RunRecord): number | undefined => {
  const id = (run.config as { baselineRunId?: unknown } | null)?.baselineRunId;
  return typeof id === 'number' ? id : undefined;
};

export function robustnessPairs(study: StudyData): RobustnessPair[] {
  const byId = new Map(study.runs.map((r) => [r.id, r]));
  const pairs: RobustnessPair[] = [];
  for (const run of study.runs) {
    if (!run.perturbation) continue;
    for (const [k, perturbed] of groupBy(study.items.get(run.id) ?? [], (i) => JSON.stringify([i.dataset, i.prompt]))) {
      const [dataset, prompt] = JSON.parse(k) as [string, string];
      const named = baselineIdOf(run);
      const candidates = named !== undefined ? [byId.get(named)].filter((r): r is RunRecord => r !== undefined) : study.runs.filter((r) => !r.perturbation && modelLabel(r) === modelLabel(run));
      for (const base of candidates) {
        const baseline = (study.items.get(base.id) ?? []).filter((i) => i.dataset === dataset && i.prompt === prompt);
        if (baseline.length === 0) continue;
        pairs.push({ model: modelLabel(run), dataset, prompt, attribute: run.perturbation.attribute, mode: run.perturbation.mode, baselineRun: base, perturbedRun: run, baseline, perturbed });
        break;
      }
    }
  }
  return pairs;
}

/** Dice per item key, for `pairedChange`. */
export const diceByItem = (items: readonly ItemMetricRecord[]): Map<string, number> => new Map(items.map((i) => [itemKey(i), i.dice]));
