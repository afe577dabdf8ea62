// The executor: one planned run, on this machine, into the results store it is given. Fine-tunes
// keep their run folder (checkpoints) at `<artifactsDir>/<hash>/` and resume from it after a kill;
// frozen features go to `<artifactsDir>/feature-cache/`, shared by every run of the same model.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError, VlsmError } from '../../errors.js';
import { placeForInference, resolvePlacement, type Placement } from '../../models/placement.js';
import { resolveRecipe } from '../../train/recipes.js';
import { buildModel, itemRows, loadRunModel, runFinetune, testDatasets, withResults } from '../finetune-run.js';
import { parseRunConfig, type RunConfig } from '../run-config.js';
import { parsePromptType } from '../../prompts/prompt-selection.js';
import { datasetIdentity } from './identity.js';
import { runModelSpec } from './expand.js';
import type { ExecuteContext, ExecutePlannedRun, PlannedRun } from './types.js';

/** A run stopped by its abort signal; its row is left 'killed' and its checkpoints stay for a resume. */
export class RunInterruptedError extends VlsmError {
  constructor(readonly runId: number, readonly hash: string) {
    super(`run ${hash.slice(0, 12)} stopped before the end of training (results run ${runId}); running it again resumes it`);
  }
}

/** The run's datasets must be here, and the same as planned (their annotation files' digests). */
function checkData(run: PlannedRun, dataRoot: string): void {
  for (const [name, planned] of Object.entries(run.config.dataIdentity)) {
    const root = join(dataRoot, name);
    if (!existsSync(join(root, 'anns'))) throw new DatasetError(`${root}: dataset '${name}' of run "${run.title}" is not on this machine (data root ${dataRoot}); give --data-root`, root);
    if (planned.startsWith('name:') || planned.startsWith('made:')) continue;
    const here = datasetIdentity(root);
    if (here !== planned) throw new DatasetError(`${root}: dataset '${name}' differs from the one the suite was planned with (its anns/*.json changed); plan the suite again`, root);
  }
}

function finetuneConfig(run: PlannedRun, ctx: ExecuteContext, dataRoot: string): RunConfig {
  const c = run.config;
  const dataset = (name: string): { root: string; name: string } => ({ root: join(dataRoot, name), name });
  return parseRunConfig({
    name: run.title,
    model: runModelSpec(c.model),
    recipe: c.recipe,
    train: c.train,
    data: c.data.map(dataset),
    test_data: c.testData.filter((n) => !c.data.includes(n)).map(dataset),
    data_root: dataRoot,
    prompt: c.prompt,
    out: join(ctx.artifactsDir, run.hash),
    results: ctx.store.path,
    cache: { dir: join(ctx.artifactsDir, 'feature-cache') },
    write_masks: c.writeMasks ?? false,
    ...(c.checkpointEvery ? { checkpoint_every: c.checkpointEvery } : {}),
  }, `planned run "${run.title}"`);
}

/** Where the run computes: the worker's or caller's device (default cpu), in the planned precision unless overridden. */
function placementOf(run: PlannedRun, ctx: ExecuteContext): Placement {
  const where = `run "${run.title}"`;
  return resolvePlacement({ device: ctx.device, precision: ctx.precision ?? run.config.precision }, { device: `${where}: device`, precision: `${where}: precision` });
}

export const executePlannedRun: ExecutePlannedRun = async (run, ctx) => {
  const dataRoot = ctx.dataRoot ?? 'data';
  const log = ctx.log ?? ((line: string) => console.log(line));
  const placement = placementOf(run, ctx);
  if (run.kind === 'robustness') {
    throw new VlsmError(`run "${run.title}": robustness runs are not available in this build (no attribute-perturbation driver); plan and status work, running does not`);
  }
  checkData(run, dataRoot);
  if (run.kind === 'finetune') {
    const config = { ...finetuneConfig(run, ctx, dataRoot), device: placement.device, precision: placement.precision };
    // With an abort signal the caller owns SIGINT/SIGTERM (a worker's graceful shutdown).
    const outcome = await runFinetune(config, { resume: true, results: ctx.store, study: run.study, signal: ctx.signal, signals: ctx.signal === undefined, log, progress: ctx.progress });
    if (outcome.training.status === 'interrupted') throw new RunInterruptedError(outcome.runId!, run.hash);
    return outcome.runId!;
  }
  // zeroshot and eval: the model (pretrained, or the fine-tune a run names) over the test sets.
  const c = run.config;
  const fromRun = c.fromRun ? join(ctx.artifactsDir, c.fromRun) : undefined;
  const { model, recipe: trained } = fromRun
    ? await loadRunModel(fromRun)
    : { model: await buildModel({ model: runModelSpec(c.model), recipe: c.recipe, train: c.train } as RunConfig), recipe: undefined };
  try {
    placeForInference(model, placement, `run "${run.title}": precision`);
    const recipe = trained ?? resolveRecipe(model.family, c.recipe, c.train, `planned run "${run.title}"`);
    const datasets = c.testData.map((name) => ({ root: join(dataRoot, name), name }));
    const { runId } = await withResults(ctx.store, { kind: run.kind, config: c, name: run.title, model: model.family, ...run.study }, async (store, id) => {
      const results = await testDatasets(model, datasets, parsePromptType(c.prompt), recipe, join(ctx.artifactsDir, run.hash), c.writeMasks ?? false, Boolean(ctx.progress));
      store!.addItemMetrics(id!, itemRows(results));
      return {};
    }, { signals: ctx.signal === undefined });
    return runId!;
  } finally {
    model.dispose();
  }
};
