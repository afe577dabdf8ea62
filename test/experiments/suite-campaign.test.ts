// A campaign killed mid-way (the whole process, SIGKILL, in the middle of a fine-tune) and started
// again finishes with the same per-image results as one never interrupted; running it once more
// does nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openResults } from '../../src/experiments/results/index.js';
import { campaignProgress, runCampaign } from '../../src/experiments/suites/campaign.js';
import { executePlannedRun, RunInterruptedError } from '../../src/experiments/suites/execute.js';
import { makeSuiteData } from '../../src/experiments/suites/suite-data.js';
import { planSuite } from '../../src/experiments/suites/expand.js';
import { readSuiteFile } from '../../src/experiments/suites/suite-file.js';
import { repoRoot } from '../helpers.js';

const SUITE = `name: tiny
kind: finetune
checkpoint_every: 1
models:
  vlsm:
    family: clipseg
    input_size: [32, 32]
    scratch:
      text_config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2 }
      vision_config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, image_size: 32, patch_size: 8 }
      projection_dim: 32
      extract_layers: [0, 1]
      reduce_dim: 16
      decoder_num_attention_heads: 2
      decoder_intermediate_size: 32
      use_complex_transposed_convolution: false
  unet:
    family: unet
    input_size: [32, 32]
    scratch: { encoder_name: resnet18, encoder_params: { block: basic, layers: [1, 1, 1, 1], width: 8 }, encoder_weights: null, decoder_channels: [32, 16, 8, 8, 8] }
datasets:
  synthetic:
    family: endoscopy
    make: { synthetic: { images: 40, seed: 3, size: 48 } }
grid:
  models: [unet, vlsm]
  datasets: [synthetic]
  prompts: [p3]
  train: { frozen: [], batch_size: 4, lr: 2.0e-3, scheduler: { type: constant }, loss: { dice: 1, bce: 1 }, seed: 0, max_epochs: 3, min_epochs: 3 }
`;

const checkpointsOf = (artifacts: string): string[] => (existsSync(artifacts) ? readdirSync(artifacts).filter((d) => existsSync(join(artifacts, d, 'checkpoints', 'last.json'))) : []);

/** Per-image Dice of every done run of the plan, by run hash. */
function results(db: string, hashes: readonly string[]): Map<string, string> {
  const store = openResults(db);
  try {
    return new Map(hashes.map((h) => {
      const run = store.listRuns({ runHash: h, status: 'done' })[0]!;
      return [h, JSON.stringify(store.itemMetrics([run.id]).map((m) => [m.dataset, m.prompt, m.imageId, m.resolution, m.dice]))];
    }));
  } finally {
    store.close();
  }
}

describe('suite campaigns', () => {
  it('killed with SIGKILL mid fine-tune and started again, finishes with the results of an uninterrupted campaign; again, does nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-campaign-'));
    const file = join(dir, 'tiny.yaml');
    writeFileSync(file, SUITE);
    const dataRoot = join(dir, 'data');
    const plan = await planSuite(readSuiteFile(file), { dataRoot });
    assert.equal(plan.runs.length, 2);
    const hashes = plan.runs.map((r) => r.hash);

    // Uninterrupted, in this process.
    const whole = openResults(join(dir, 'whole.sqlite'));
    const first = await runCampaign(plan, { store: whole, artifactsDir: join(dir, 'whole'), dataRoot, log: () => undefined });
    whole.close();
    assert.deepEqual([first.ran, first.failed.length], [2, 0]);

    // The same campaign in a child process, killed once the second fine-tune has a checkpoint.
    const artifacts = join(dir, 'killed');
    const db = join(dir, 'killed.sqlite');
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'vlsm.js'), 'suite', 'run', file, '--data-root', dataRoot, '--artifacts', artifacts, '--results', db, '--quiet'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 240_000;
    while (checkpointsOf(artifacts).length < 2 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the child was killed before it finished');
    const mid = openResults(db);
    const before = campaignProgress(plan, mid).map((p) => p.state);
    mid.close();
    assert.deepEqual(before, ['done', 'failed'], 'one run done, the other interrupted');

    // Started again: the done run is skipped, the interrupted one resumes from its checkpoint.
    const lines: string[] = [];
    const store = openResults(db);
    const again = await runCampaign(plan, { store, artifactsDir: artifacts, dataRoot, log: (l) => lines.push(l) });
    assert.deepEqual([again.ran, again.skipped, again.failed.length], [1, 1, 0]);
    assert.ok(lines.some((l) => /resumed from .*last\.json/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /marked 1 run\(s\) of an earlier, killed process as killed/.test(l)), lines.join('\n'));
    assert.deepEqual(campaignProgress(plan, store).map((p) => p.state), ['done', 'done']);
    // Once more: nothing to do.
    const third = await runCampaign(plan, { store, artifactsDir: artifacts, dataRoot, log: () => undefined });
    assert.deepEqual([third.ran, third.skipped], [0, 2]);
    assert.equal(store.listRuns({ status: 'done' }).length, 2);
    store.close();

    assert.deepEqual(results(db, hashes), results(join(dir, 'whole.sqlite'), hashes));
  });

  it('an aborted fine-tune stops with a checkpoint, is left killed, and executing it again resumes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-abort-'));
    const file = join(dir, 'tiny.yaml');
    writeFileSync(file, SUITE);
    const dataRoot = join(dir, 'data');
    const suite = readSuiteFile(file);
    await makeSuiteData(suite, dataRoot, () => undefined);
    const run = (await planSuite(suite, { dataRoot })).runs[0]!;
    const store = openResults(join(dir, 'r.sqlite'));
    const controller = new AbortController();
    const lines: string[] = [];
    const ctx = { store, artifactsDir: join(dir, 'runs'), dataRoot, log: (l: string) => lines.push(l) };
    const first = executePlannedRun(run, { ...ctx, signal: controller.signal });
    controller.abort();
    await assert.rejects(first, (e: unknown) => e instanceof RunInterruptedError && e.hash === run.hash);
    assert.deepEqual(store.listRuns().map((r) => [r.status, r.runHash]), [['killed', run.hash]]);
    assert.ok(existsSync(join(dir, 'runs', run.hash, 'checkpoints', 'last.json')));
    const id = await executePlannedRun(run, ctx);
    assert.equal(store.getRun(id).status, 'done');
    assert.ok(lines.some((l) => /resumed from .*last\.json: epoch 1, batch 1, step 1/.test(l)), lines.join('\n'));
    store.close();
  });
});
