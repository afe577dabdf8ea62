// The runs and per-image scores a figure draws from: done runs of a suite, their test items at
// the original size (what the paper's tables score), grouped as the figures need them.
import type { ItemMetricRecord, ResultsStore, RunRecord } from '../../experiments/results/index.js';

export interface StudyData {
  runs: RunRecord[];
  /** Test items at the original resolution, per run id. */
  items: Map<number, ItemMetricRecord[]>;
}

/** Done runs (of `suite` when given), newest first, with their test items at the original size. */
export function loadStudy(store: ResultsStore, suite?: string): StudyData {
  const runs = store.listRuns({ status: 'done', ...(suite ? { suite } : {}) });
  const items = new Map<number, ItemMetricRecord[]>();
  for (const item of store.itemMetrics(runs.map((r) => r.id))) {
    if (item.split !== 'test' || item.resolution !== 'original') continue;
    const list = items.get(item.runId);
    if (list) list.push(item);
    else items.set(item.runId, [item]);
  }
  return { runs, items };
}

/** The name a figure gives a run's model: the stored model name, else the family, else "run N". */
export const modelLabel = (run: RunRecord): string => run.model ?? run.family ?? `run ${run.id}`;

/** Zero-shot (pretrained weights) or fine-tuned. */
export const conditionOf = (run: RunRecord): 'zero-shot' | 'fine-tuned' => (run.kind === 'zeroshot' ? 'zero-shot' : 'fine-tuned');

/** Prompt-type labels the figures plot ("P0" … "P9", "RANDOM"); per-template labels "P6/t1" are left out. */
export const isPromptType = (prompt: string): boolean => /^(P\d+|RANDOM)$/i.test(prompt);

/** Prompt types in the paper's order: P0 … P9, then random, then anything else by name. */
export function promptOrder(a: string, b: string): number {
  const rank = (p: string): number => (/^P\d+$/i.test(p) ? Number(p.slice(1)) : /^random$/i.test(p) ? 100 : 200);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** An item's key within a dataset: image and class (CAMUS scores three structures per image). */
export const itemKey = (item: Pick<ItemMetricRecord, 'imageId' | 'className'>): string => (item.className ? `${item.imageId}\u0000${item.className}` : item.imageId);

/** Values grouped by a string key, keys in first-seen order. */
export function groupBy<T>(values: readonly T[], key: (v: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const v of values) {
    const k = key(v);
    const g = groups.get(k);
    if (g) g.push(v);
    else groups.set(k, [v]);
  }
  return groups;
}

/**
 * Unperturbed runs that score each (model, condition, dataset, prompt) cell: the newest run wins
 * where several score one cell. Returns the items per cell and the runs used.
 */
export function newestCells(study: StudyData): { cells: Map<string, { run: RunRecord; dataset: string; prompt: string; items: ItemMetricRecord[] }>; runIds: Set<number> } {
  const cells = new Map<string, { run: RunRecord; dataset: string; prompt: string; items: ItemMetricRecord[] }>();
  for (const run of study.runs) {
    if (run.perturbation) continue;
    for (const [k, items] of groupBy(study.items.get(run.id) ?? [], (i) => JSON.stringify([i.dataset, i.prompt.toUpperCase()]))) {
      const [dataset, prompt] = JSON.parse(k) as [string, string];
      if (!isPromptType(prompt)) continue;
      const cell = JSON.stringify([modelLabel(run), conditionOf(run), dataset, prompt]);
      if (!cells.has(cell)) cells.set(cell, { run, dataset, prompt, items });
    }
  }
  return { cells, runIds: new Set([...cells.values()].map((c) => c.run.id)) };
}
