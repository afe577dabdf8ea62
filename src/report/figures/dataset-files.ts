// Where a figure finds a run's images, ground truths and saved predicted masks: the dataset root
// from the caller's `dataRoots` or the run's config (`data`), masks under the run's config
// `masksDir` as `<dataset>/<prompt type>/<image stem>.png` (what `vlsm eval --masks` and
// `vlsm robustness` write).
import { join } from 'node:path';
import { readReferenceDataset } from '../../data/reference-layout.js';
import type { DatasetRecord } from '../../data/record.js';
import type { RunRecord } from '../../experiments/results/index.js';

/** The dataset root of `dataset` for `run`: the caller's map first, else a single root in the run's config. */
export function datasetRootOf(run: RunRecord, dataset: string, dataRoots?: Readonly<Record<string, string>>): string | undefined {
  if (dataRoots?.[dataset]) return dataRoots[dataset];
  const data = (run.config as { data?: unknown } | null)?.data;
  if (typeof data === 'string') return data;
  if (Array.isArray(data) && data.length === 1 && typeof data[0] === 'string') return data[0];
  return undefined;
}

/** The saved predicted mask of an image in a run, or undefined when the run kept none. */
export function savedMaskPath(run: RunRecord, dataset: string, prompt: string, imageId: string): string | undefined {
  const dir = (run.config as { masksDir?: unknown } | null)?.masksDir;
  if (typeof dir !== 'string') return undefined;
  return join(dir, dataset, prompt.toLowerCase(), `${imageId.replace(/\.[^./]+$/, '')}.png`);
}

const cache = new Map<string, Promise<Map<string, DatasetRecord>>>();

/** The records of a dataset root by id (read once per process and root); empty when it cannot be read. */
export function recordsOf(root: string): Promise<Map<string, DatasetRecord>> {
  let found = cache.get(root);
  if (!found) {
    found = readReferenceDataset(root).then((d) => new Map(d.records.map((r) => [r.id, r])), () => new Map());
    cache.set(root, found);
  }
  return found;
}
