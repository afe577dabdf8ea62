// A real, small executor for the queue tests: the tiny CLIPSeg fixture scored zero-shot on a small
// synthetic dataset, one prompt type after another. After each prompt type it keeps that prompt's
// items as a checkpoint under `<artifactsDir>/<hash>/`, and a later attempt (on any worker sharing
// the folder) starts after the last one, as a fine-tune resumes from its checkpoints. An abort
// stops it after the current prompt type, as a fine-tune stops at its next checkpoint.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../../../src/errors.js';
import { itemRows, testDatasets } from '../../../src/experiments/finetune-run.js';
import type { RunExecutor } from '../../../src/experiments/queue/index.js';
import type { ItemMetricRow } from '../../../src/experiments/results/index.js';
import { loadFolder } from '../../../src/models/registry.js';
import { parsePromptType } from '../../../src/prompts/prompt-selection.js';
import { resolveRecipe } from '../../../src/train/recipes.js';

export interface TinyRun {
  hash: string;
  title: string;
  /** A model folder. */
  model: string;
  /** A dataset folder name under the worker's data root. */
  dataset: string;
  prompts: string[];
}

/** This module's executor, as a worker imports it in each run's child process. */
export const TINY_EXECUTOR = { module: import.meta.url, name: 'executeTinyZeroshot' };

export const executeTinyZeroshot: RunExecutor<TinyRun> = async (run, ctx) => {
  const root = join(ctx.dataRoot ?? 'data', run.dataset);
  if (!existsSync(join(root, 'anns', 'test.json'))) throw new DatasetError(`run ${run.title} needs dataset ${run.dataset} at ${root}, which is not there`, root);
  const dir = join(ctx.artifactsDir, run.hash);
  mkdirSync(dir, { recursive: true });
  const model = await loadFolder(run.model);
  const recipe = resolveRecipe(model.family);
  const runId = ctx.store.startRun({ kind: 'zeroshot', config: { model: run.model, dataset: run.dataset, prompts: run.prompts }, model: 'tiny', suite: 'queue-test', runHash: run.hash, testedOn: [run.dataset], gitCommit: null, vlsmVersion: 'test' });
  try {
    for (const prompt of run.prompts) {
      if (ctx.signal?.aborted) {
        ctx.store.finishRun(runId, { status: 'killed', error: 'stopped at a checkpoint' });
        throw new Error(`run ${run.hash} stopped at a checkpoint`);
      }
      const checkpoint = join(dir, `${prompt}.json`);
      let rows: ItemMetricRow[];
      if (existsSync(checkpoint)) {
        rows = (JSON.parse(readFileSync(checkpoint, 'utf8')) as ItemMetricRow[]).map((r) => ({ ...r, dice: r.dice ?? Number.NaN, iou: r.iou ?? Number.NaN }));
        ctx.log?.(`run ${run.hash} resumed ${prompt} from its checkpoint`);
      } else {
        rows = itemRows(await testDatasets(model, [{ root, name: run.dataset }], parsePromptType(prompt), recipe, dir, false, false));
        writeFileSync(checkpoint, JSON.stringify(rows));
        ctx.log?.(`run ${run.hash} checkpoint ${prompt}`);
      }
      ctx.store.addItemMetrics(runId, rows);
    }
    ctx.store.finishRun(runId);
    return runId;
  } catch (error) {
    if (ctx.store.getRun(runId).status === 'running') ctx.store.finishRun(runId, { error });
    throw error;
  } finally {
    model.dispose();
  }
};
