// A run from its config: validation of the config, training, testing, results database rows.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runEvaluate } from '../../src/cli/commands/evaluate.js';
import { runFinetune } from '../../src/experiments/finetune-run.js';
import { openResults } from '../../src/experiments/results/index.js';
import { parseRunConfig, readRunConfig } from '../../src/experiments/run-config.js';
import { studyOfRunConfig } from '../../src/experiments/run-study.js';
import { writeBusiSample } from '../../src/experiments/suites/suite-data.js';
import { syntheticRoot, TINY_CLIPSEG } from '../train/fixtures.js';

async function tinyConfig(dir: string): Promise<string> {
  const path = join(dir, 'run.yaml');
  writeFileSync(path, [
    'model:',
    '  family: clipseg',
    '  input_size: [64, 64]',
    `  scratch: ${JSON.stringify(TINY_CLIPSEG)}`,
    'train: { frozen: [], batch_size: 8, max_epochs: 2, min_epochs: 0, lr: 0.003 }',
    `data: [{ root: ${await syntheticRoot()}, name: synthetic }]`,
    'prompt: p3',
    `out: ${join(dir, 'run')}`,
    `results: ${join(dir, 'results.sqlite')}`,
  ].join('\n'));
  return path;
}

describe('run configs', () => {
  it('name an unknown field and list the known ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-cfg-'));
    writeFileSync(join(dir, 'bad.yaml'), 'model: x\ndata: [{ root: d }]\nepochs: 3\n');
    assert.throws(() => readRunConfig(join(dir, 'bad.yaml')), /bad\.yaml: unknown field 'epochs'; known fields: name, model, recipe, train, data/);
  });

  it('name a field with a bad value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-cfg-'));
    writeFileSync(join(dir, 'bad.yaml'), 'model: x\ndata: [{ root: d }]\nprompt: P-three\n');
    assert.throws(() => readRunConfig(join(dir, 'bad.yaml')), /bad\.yaml: field 'prompt': a prompt type p0, p1, … or random/);
    writeFileSync(join(dir, 'broken.yaml'), 'model: [x\n');
    assert.throws(() => readRunConfig(join(dir, 'broken.yaml')), /broken\.yaml: not valid YAML/);
  });

  it('apply --set overrides as YAML values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-cfg-'));
    const path = await tinyConfig(dir);
    const config = readRunConfig(path, ['train.lr=1e-4', 'prompt=p5', 'train.frozen=[clip]']);
    assert.equal(config.train.lr, 1e-4);
    assert.equal(config.prompt, 'p5');
    assert.deepEqual(config.train.frozen, ['clip']);
    assert.throws(() => readRunConfig(path, ['train.lr']), /--set train\.lr: expected key=value/);
  });
});

describe('run configs with pools', () => {
  it('expand a named pool into its members under data_root, and name an unknown pool', () => {
    const config = parseRunConfig({ model: 'x', data: [{ pool: 'endoscopy' }], test_data: [{ root: 'elsewhere/etis_polyp' }], data_root: 'datasets' }, 'pool.yaml');
    assert.deepEqual(config.data, [
      { root: join('datasets', 'kvasir_polyp'), name: 'kvasir_polyp', pool: 'endoscopy' },
      { root: join('datasets', 'clinicdb_polyp'), name: 'clinicdb_polyp', pool: 'endoscopy' },
      { root: join('datasets', 'bkai_polyp'), name: 'bkai_polyp', pool: 'endoscopy' },
    ]);
    assert.deepEqual(studyOfRunConfig(config, 'cris'), { family: 'cris', setting: 'endoscopy-pooled', trainedOn: ['kvasir_polyp', 'clinicdb_polyp', 'bkai_polyp'], testedOn: ['kvasir_polyp', 'clinicdb_polyp', 'bkai_polyp', 'etis_polyp'], frozen: [], promptType: 'p6', precision: 'fp32' });
    assert.equal(parseRunConfig({ model: 'x', data: [{ pool: 'all' }] }, 'pool.yaml').data.length, 8);
    assert.throws(() => parseRunConfig({ model: 'x', data: [{ pool: 'lungs' }] }, 'pool.yaml'), /^ConfigError: pool\.yaml: field 'data\.0\.pool': unknown pool 'lungs'; predefined pools: endoscopy, all$/);
  });
});

describe('runFinetune', () => {
  it('trains, tests the best checkpoint and stores runs, epochs and items in the results database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    const outcome = await runFinetune(readRunConfig(await tinyConfig(dir)), { log: () => {} });
    assert.equal(outcome.training.status, 'finished');
    assert.equal(outcome.tests.length, 1);
    assert.equal(outcome.tests[0]!.dataset, 'synthetic');
    assert.ok(outcome.tests[0]!.dice.count > 0);
    assert.ok(existsSync(join(dir, 'run', 'test', 'synthetic-p3.csv')));
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as { tests: { dataset: string }[] };
    assert.equal(summary.tests[0]!.dataset, 'synthetic');
    const store = openResults(join(dir, 'results.sqlite'));
    const run = store.getRun(outcome.runId!);
    assert.equal(run.status, 'done');
    assert.equal(run.kind, 'finetune');
    assert.equal(store.epochs(outcome.runId!).length, 2);
    assert.equal(store.itemMetrics([outcome.runId!]).filter((m) => m.resolution === 'original').length, outcome.tests[0]!.dice.count);
    // Stored under its family, with what it is in a study.
    assert.equal(run.model, 'clipseg');
    assert.deepEqual(
      { family: run.family, setting: run.setting, trainedOn: run.trainedOn, testedOn: run.testedOn, frozen: run.frozen, promptType: run.promptType, precision: run.precision },
      { family: 'clipseg', setting: 'individual', trainedOn: ['synthetic'], testedOn: ['synthetic'], frozen: [], promptType: 'p3', precision: 'fp32' },
    );
    store.close();
  });

  it('zero-shot without --prompts scores each dataset with its own prompt set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    await runFinetune(readRunConfig(await tinyConfig(dir)), { log: () => {} });
    const busi = join(dir, 'busi');
    await writeBusiSample(busi);
    const db = join(dir, 'zs.sqlite');
    assert.equal(await runEvaluate(['--model', join(dir, 'run'), '--data', await syntheticRoot(), '--data', busi, '--out', join(dir, 'zs'), '--results', db, '--quiet'], 'zeroshot'), 0);
    const store = openResults(db);
    const [run] = store.listRuns();
    const prompts = (dataset: string): string[] => [...new Set(store.itemMetrics([run!.id]).filter((m) => m.dataset === dataset).map((m) => m.prompt))].sort();
    const synthetic = (await syntheticRoot()).split('/').pop()!;
    assert.deepEqual(prompts(synthetic), ['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9']);
    assert.deepEqual(prompts('busi'), ['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6']);
    // The model is a fine-tune run folder: the run says how it was trained.
    assert.deepEqual([run!.family, run!.setting, run!.trainedOn, run!.testedOn, run!.promptType], ['clipseg', 'individual', ['synthetic'], [synthetic, 'busi'], null]);
    store.close();
  });

  it('lets vlsm eval score the run folder\'s best checkpoint with other prompts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    await runFinetune(readRunConfig(await tinyConfig(dir)), { log: () => {} });
    const out = join(dir, 'eval');
    const code = await runEvaluate(['--model', join(dir, 'run'), '--data', await syntheticRoot(), '--prompts', 'p0,p3', '--out', out, '--results', join(dir, 'results.sqlite'), '--quiet', '--masks']);
    assert.equal(code, 0);
    const name = (await syntheticRoot()).split('/').pop();
    assert.ok(existsSync(join(out, 'test', `${name}-p0.csv`)) && existsSync(join(out, 'test', `${name}-p3.csv`)));
    assert.ok(readdirSync(join(out, 'masks', name!, 'p3')).every((f) => /^synth_\d+\.png$/.test(f)));
    const store = openResults(join(dir, 'results.sqlite'));
    assert.deepEqual(store.listRuns().map((r) => r.kind).sort(), ['eval', 'finetune']);
    store.close();
  });

  it('marks a run stopped before the end as killed, and --resume finishes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    const config = readRunConfig(await tinyConfig(dir));
    const first = await runFinetune(config, { log: () => {}, stopAfterSteps: 2 });
    assert.equal(first.training.status, 'interrupted');
    const store = openResults(join(dir, 'results.sqlite'));
    assert.equal(store.getRun(first.runId!).status, 'killed');
    store.close();
    const second = await runFinetune(config, { log: () => {}, resume: true });
    assert.equal(second.training.status, 'finished');
    assert.equal(second.training.state.epoch, 2);
  });
});
