// Suite files: validation errors name the file, line and field; the bundled paper suites expand to
// the paper's counts; a run's hash is its identity (the same plan twice gives the same hashes, a
// changed config changes only its runs' hashes).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planText, statusText } from '../../src/cli/commands/suite.js';
import { openResults } from '../../src/experiments/results/index.js';
import { campaignProgress } from '../../src/experiments/suites/campaign.js';
import { executePlannedRun } from '../../src/experiments/suites/execute.js';
import { planSuite } from '../../src/experiments/suites/expand.js';
import { parseSuiteText, readSuiteFile } from '../../src/experiments/suites/suite-file.js';

const base = `name: t
kind: finetune
models:
  small: { family: unet, scratch: { encoder_weights: null } }
grid:
  models: [small]
  datasets: [kvasir_polyp]
  prompts: [p0]
`;

const fails = (text: string, pattern: RegExp): void => assert.throws(() => parseSuiteText(text, 'suites/t.yaml'), (e: Error) => pattern.test(e.message) || assert.fail(`message: ${e.message}`));

describe('suite files', () => {
  it('accepts the minimal suite and names it', () => {
    const suite = parseSuiteText(base, 'suites/t.yaml');
    assert.equal(suite.name, 't');
    assert.equal(suite.grid.length, 1);
    assert.deepEqual(suite.grid[0]!.precision, ['fp32']);
  });

  it('names an unknown field with the file, its line and the known fields', () => {
    fails(`${base}colour: blue\n`, /^suites\/t\.yaml:9: unknown field 'colour'; known fields here: name, description, kind/);
    fails(base.replace('  prompts: [p0]', '  prompts: [p0]\n  epochs: 3'), /^suites\/t\.yaml:9: unknown field 'grid\.epochs'; known fields here: models, datasets, prompts/);
  });

  it('names a bad axis value, an unknown dataset, pool and model, and a prompt the family lacks', () => {
    fails(`${base}  precision: [fp64]\n`, /^suites\/t\.yaml:9: field 'grid\.precision\.0': Invalid enum value/);
    fails(base.replace('[kvasir_polyp]', '[kvasir_polyp, mnist]'), /^suites\/t\.yaml:7: unknown dataset 'mnist'; known: kvasir_polyp/);
    fails(base.replace('[kvasir_polyp]', '[{ pool: lungs }]'), /^suites\/t\.yaml:7: unknown pool 'lungs'; predefined pools: endoscopy, all/);
    fails(base.replace('models: [small]', 'models: [small, big]'), /^suites\/t\.yaml:6: unknown model 'big'; the suite's models: small/);
    fails(base.replace('[kvasir_polyp]', '[busi]').replace('[p0]', '[p8]'), /^suites\/t\.yaml:8: dataset 'busi' \(busi\) has no prompt p8; its prompts: p0, p1, p2, p3, p4, p5, p6$/);
    fails(base.replace('kind: finetune', 'kind: training'), /^suites\/t\.yaml:2: field 'kind': Invalid enum value/);
    fails(`${base}exclude:\n  - { model: tiny }\n`, /^suites\/t\.yaml:10: unknown model 'tiny'/);
  });

  it('names the line of malformed YAML', () => {
    fails(base.replace('  prompts: [p0]', '  prompts: [p0\n  recipes: x'), /^suites\/t\.yaml:\d+: not valid YAML/);
    fails(`${base}kind: eval\n`, /^suites\/t\.yaml:9: not valid YAML \(Map keys must be unique/);
  });

  it('names a missing suite and lists the bundled ones', () => {
    assert.throws(() => readSuiteFile('paper-nothing'), /paper-nothing: no such suite file, and not a bundled suite \(bundled: demo, paper-cnn, paper-finetune/);
  });
});

describe('bundled paper suites', () => {
  const root = mkdtempSync(join(tmpdir(), 'vlsm-suites-'));

  it("paper-finetune: the four VLSMs × 72 = 288 individual fine-tunes (Appendix C.1: 50 + 22 per VLSM)", async () => {
    const plan = await planSuite(readSuiteFile('paper-finetune'), { dataRoot: root });
    assert.equal(plan.runs.length, 288);
    const count = (f: (r: (typeof plan.runs)[number]) => boolean): number => plan.runs.filter(f).length;
    for (const family of ['clipseg', 'cris', 'biomedclipseg', 'biomedclipseg-d']) {
      assert.equal(count((r) => r.study.family === family), 72, family);
      const nonRadiology = count((r) => r.study.family === family && ['kvasir_polyp', 'clinicdb_polyp', 'bkai_polyp', 'isic', 'dfu'].includes(r.config.data[0]!));
      assert.equal(nonRadiology, 50, family);
    }
    assert.deepEqual(['camus', 'busi', 'chexlocalize'].map((d) => count((r) => r.study.family === 'cris' && r.config.data[0] === d)), [8, 7, 7]);
    assert.ok(plan.runs.every((r) => r.kind === 'finetune' && r.study.setting === 'individual' && r.study.suite === 'paper-finetune' && r.study.runHash === r.hash));
    assert.equal(new Set(plan.runs.map((r) => r.hash)).size, 288);
  });

  it('paper-zeroshot: CLIPSeg and CRIS × (8 × 10 + 8 + 7 + 7) = 204 evaluations', async () => {
    const plan = await planSuite(readSuiteFile('paper-zeroshot'), { dataRoot: root });
    assert.equal(plan.runs.length, 204);
    assert.equal(plan.runs.filter((r) => r.study.family === 'clipseg').length, 102);
    assert.ok(plan.runs.every((r) => r.kind === 'zeroshot' && r.study.trainedOn === null && r.config.testData.length === 1));
  });

  it('paper-frozen shares its CLIPSeg runs with paper-finetune (the recipe already freezes CLIP), not its CRIS runs', async () => {
    const finetune = new Set((await planSuite(readSuiteFile('paper-finetune'), { dataRoot: root })).runs.map((r) => r.hash));
    const frozen = (await planSuite(readSuiteFile('paper-frozen'), { dataRoot: root })).runs;
    assert.equal(frozen.length, 144);
    assert.equal(frozen.filter((r) => finetune.has(r.hash)).length, 72);
    assert.ok(frozen.filter((r) => r.study.family === 'cris').every((r) => !finetune.has(r.hash) && r.study.frozen!.includes('image-encoder')));
  });

  it('paper-pooled, paper-ood, paper-cnn and paper-robustness expand to Table 3, Table 4 and Figure 3', async () => {
    const pooled = (await planSuite(readSuiteFile('paper-pooled'), { dataRoot: root })).runs;
    assert.deepEqual(pooled.map((r) => r.study.setting).sort(), [...Array(5).fill('all-pooled'), ...Array(5).fill('endoscopy-pooled')]);
    const endo = pooled.find((r) => r.study.setting === 'endoscopy-pooled' && r.study.family === 'cris')!;
    assert.deepEqual(endo.config.data, ['kvasir_polyp', 'clinicdb_polyp', 'bkai_polyp']);
    assert.equal(endo.config.testData.length, 6);
    assert.equal(pooled.find((r) => r.study.setting === 'all-pooled')!.config.data.length, 8);
    assert.equal((await planSuite(readSuiteFile('paper-ood'), { dataRoot: root })).runs.length, 15);
    assert.equal((await planSuite(readSuiteFile('paper-cnn'), { dataRoot: root })).runs.length, 24);
    const robustness = (await planSuite(readSuiteFile('paper-robustness'), { dataRoot: root })).runs;
    assert.equal(robustness.length, 100);
    // Each perturbed test reads paper-finetune's P6 fine-tune of the same model and dataset.
    const finetune = new Set((await planSuite(readSuiteFile('paper-finetune'), { dataRoot: root })).runs.map((r) => r.hash));
    assert.ok(robustness.every((r) => finetune.has(r.config.fromRun!)));
  });

  it('a run hash is stable and changes with what decides the run', async () => {
    const a = await planSuite(parseSuiteText(base.replace('[p0]', '[p0, p1]'), 't.yaml'), { dataRoot: root });
    const b = await planSuite(parseSuiteText(base.replace('[p0]', '[p0, p1]'), 't.yaml'), { dataRoot: root });
    assert.deepEqual(a.runs.map((r) => r.hash), b.runs.map((r) => r.hash));
    const changed = await planSuite(parseSuiteText(`${base.replace('[p0]', '[p0, p1]')}overrides:\n  - { prompt: p1, train: { lr: 0.5 } }\n`, 't.yaml'), { dataRoot: root });
    assert.equal(changed.runs[0]!.hash, a.runs[0]!.hash);
    assert.notEqual(changed.runs[1]!.hash, a.runs[1]!.hash);
    const excluded = await planSuite(parseSuiteText(`${base.replace('[p0]', '[p0, p1]')}exclude:\n  - { prompt: p0 }\n`, 't.yaml'), { dataRoot: root });
    assert.deepEqual(excluded.runs.map((r) => r.hash), [a.runs[1]!.hash]);
    // The data's annotation files are part of the identity once the data is here.
    const dataRoot = mkdtempSync(join(tmpdir(), 'vlsm-suite-data-'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dataRoot, 'kvasir_polyp', 'anns'), { recursive: true });
    writeFileSync(join(dataRoot, 'kvasir_polyp', 'anns', 'test.json'), '[]');
    const withData = await planSuite(parseSuiteText(base, 't.yaml'), { dataRoot });
    writeFileSync(join(dataRoot, 'kvasir_polyp', 'anns', 'test.json'), '[ ]');
    const changedData = await planSuite(parseSuiteText(base, 't.yaml'), { dataRoot });
    assert.notEqual(withData.runs[0]!.hash, a.runs[0]!.hash);
    assert.notEqual(changedData.runs[0]!.hash, withData.runs[0]!.hash);
    assert.deepEqual(withData.missing, []);
  });
});

describe('suite plan, status and the executor', () => {
  it('estimate the cost from finished runs of the same kind and family, and count done runs by hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-suite-plan-'));
    const plan = await planSuite(parseSuiteText(base.replace('[p0]', '[p0, p1, p2]'), 't.yaml'), { dataRoot: join(dir, 'data') });
    const store = openResults(join(dir, 'r.sqlite'));
    const quiet = { gitCommit: null, vlsmVersion: 'test' };
    const measured = store.startRun({ kind: 'finetune', config: {}, family: 'unet', startedAt: new Date(Date.now() - 40_000), ...quiet });
    store.finishRun(measured);
    const done = store.startRun({ kind: 'finetune', config: {}, ...plan.runs[0]!.study, startedAt: new Date(Date.now() - 60_000), ...quiet });
    store.finishRun(done);
    const failed = store.startRun({ kind: 'finetune', config: {}, ...plan.runs[1]!.study, ...quiet });
    store.finishRun(failed, { error: new Error('out of memory') });
    const progress = campaignProgress(plan, store);
    assert.deepEqual(progress.map((p) => p.state), ['done', 'failed', 'queued']);
    const text = planText(plan, progress, store);
    assert.match(text, /^suite t \(finetune\): 3 runs\nby kind: finetune 3\nby model: small 3\n/);
    assert.match(text, /done: 1, to run: 2\n/);
    // Median of the two finished unet fine-tunes (about 40 s and 60 s).
    assert.match(text, /  finetune unet: 2 run\(s\) × 5\d s \(from 2 run\(s\)\)\n  total: 2 min/);
    const status = statusText(plan, progress, store);
    assert.match(status, /^suite t: \[#{10}-{20}\] 1\/3 done, 0 running, 1 failed, 1 queued; ETA 2 min\n  failed: finetune small kvasir_polyp p1 \(results run \d+, failed\): Error: out of memory$/);
    store.close();
  });

  it('refuse a run whose data is not on this machine, a precision or device this machine lacks, and robustness runs, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-suite-exec-'));
    const plan = await planSuite(parseSuiteText(base, 't.yaml'), { dataRoot: join(dir, 'data') });
    const store = openResults(join(dir, 'r.sqlite'));
    const ctx = { store, artifactsDir: join(dir, 'runs'), dataRoot: join(dir, 'elsewhere'), log: () => undefined };
    await assert.rejects(executePlannedRun(plan.runs[0]!, ctx), { name: 'DatasetError', message: `${join(dir, 'elsewhere', 'kvasir_polyp')}: dataset 'kvasir_polyp' of run "finetune small kvasir_polyp p0" is not on this machine (data root ${join(dir, 'elsewhere')}); give --data-root` });
    await assert.rejects(executePlannedRun(plan.runs[0]!, { ...ctx, precision: 'fp16' }), /run "finetune small kvasir_polyp p0": precision fp16 needs a CUDA device, but the device is cpu/);
    await assert.rejects(executePlannedRun(plan.runs[0]!, { ...ctx, device: 'cuda:7' }), /run "finetune small kvasir_polyp p0": device cuda:7: (CUDA is not available|there (is|are) \d+ CUDA device)/);
    const robustness = await planSuite(readSuiteFile('paper-robustness'), { dataRoot: join(dir, 'data') });
    await assert.rejects(executePlannedRun(robustness.runs[0]!, ctx), /robustness runs are not available in this build/);
    assert.equal(store.listRuns().length, 0);
    store.close();
  });
});
