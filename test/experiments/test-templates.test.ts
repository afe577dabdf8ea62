// Test-time template choice on a tiny model and the synthetic dataset: 'first' scores template 0,
// 'all' scores every template and reports the last (the CRIS fork), keeping per-template scores.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAnnotationFile } from '../../src/data/annotation-file.js';
import { runEvaluate } from '../../src/cli/commands/evaluate.js';
import { itemRows, runFinetune, splitSamples, testDatasets } from '../../src/experiments/finetune-run.js';
import { openResults } from '../../src/experiments/results/index.js';
import { readRunConfig } from '../../src/experiments/run-config.js';
import type { SegmentationModel } from '../../src/models/types.js';
import { resolveRecipe } from '../../src/train/recipes.js';
import { syntheticRoot, TINY_CLIPSEG, tinyClipseg } from '../train/fixtures.js';

describe('testDatasets template choice', () => {
  let model: SegmentationModel;
  let root: string;
  let templates: string[][];
  const recipe = (o: Record<string, unknown>) => resolveRecipe('clipseg', 'published', { batch_size: 4, ...o });
  before(async () => {
    model = tinyClipseg(0);
    root = await syntheticRoot();
    templates = (await readAnnotationFile(join(root, 'anns', 'test.json'))).map((e) => e.prompts!['p7'] as string[]);
  });
  after(() => model.dispose());

  it("'first' scores each item once with its first template", async () => {
    const [r] = await testDatasets(model, [{ root, name: 'synth' }], 'p7', recipe({ test_templates: 'first' }), mkdtempSync(join(tmpdir(), 'vlsm-tt-')), false, false);
    assert.equal(r!.templates, 'first');
    assert.equal(r!.perTemplate, undefined);
    assert.deepEqual(r!.items.map((it) => [it.text, it.template]), templates.map((t) => [t[0], 0]));
  });

  it("'all' scores every template, reports the last one's and keeps each template's scores", async () => {
    const out = mkdtempSync(join(tmpdir(), 'vlsm-tt-'));
    const [all] = await testDatasets(model, [{ root, name: 'synth' }], 'p7', recipe({ test_templates: 'all' }), out, true, false);
    const [first] = await testDatasets(model, [{ root, name: 'synth' }], 'p7', recipe({ test_templates: 'first' }), mkdtempSync(join(tmpdir(), 'vlsm-tt-')), false, false);
    const n = templates.length;
    const k = templates[0]!.length;
    assert.equal(all!.items.length, n);
    assert.deepEqual(all!.items.map((it) => it.text), templates.map((t) => t[k - 1]));
    assert.equal(all!.perTemplate!.length, k);
    all!.perTemplate!.forEach((t, i) => {
      assert.equal(t.template, i);
      assert.deepEqual(t.items.map((it) => it.text), templates.map((x) => x[i]));
    });
    // The reported scores are the last template's; template 0's equal a 'first' run's.
    assert.deepEqual(all!.dice, all!.perTemplate![k - 1]!.dice);
    assert.deepEqual(all!.perTemplate![0]!.items.map((it) => it.dice), first!.items.map((it) => it.dice));
    // CSVs: the reported one and one per template (1-based); one mask per item.
    assert.ok(existsSync(join(out, 'test', 'synth-p7.csv')));
    for (let t = 1; t <= k; t++) assert.ok(existsSync(join(out, 'test', `synth-p7-t${t}.csv`)), `t${t}`);
    assert.equal(readFileSync(join(out, 'test', 'synth-p7.csv'), 'utf8'), readFileSync(join(out, 'test', `synth-p7-t${k}.csv`), 'utf8'));
    assert.equal(readdirSync(join(out, 'masks', 'synth', 'p7')).length, n);
    // Results-database rows: reported under P7, each template under P7/t1…, told apart by label and text.
    const rows = itemRows([all!]).filter((r) => r.resolution === 'original');
    assert.equal(rows.filter((r) => r.prompt === 'P7').length, n);
    for (let t = 1; t <= k; t++) assert.deepEqual(rows.filter((r) => r.prompt === `P7/t${t}`).map((r) => r.promptText), templates.map((x) => x[t - 1]));
  });

  it('threads random_includes_p0 and val_templates from the recipe to the split samples', async () => {
    const fork = resolveRecipe('cris', 'published');
    const keys = (await Promise.all([0, 1, 2, 3].map((epoch) => splitSamples([{ root }], 'train', 'random', fork, epoch)))).flat().map((s) => s.promptKey);
    assert.ok(keys.includes('p0'), 'the fork draws p0');
    const head = resolveRecipe('cris', 'released');
    const headKeys = (await Promise.all([0, 1, 2, 3].map((epoch) => splitSamples([{ root }], 'train', 'random', head, epoch)))).flat().map((s) => s.promptKey);
    assert.ok(!headKeys.includes('p0'), 'HEAD never draws p0');
    const val = await splitSamples([{ root }], 'val', 'p8', fork, 0);
    assert.ok(val.every((s) => s.template === 0 && s.templateCount! > 1));
    // Training keeps drawing templates even where validation takes the first.
    const train = (await splitSamples([{ root }], 'train', 'p8', fork, 0)).map((s) => s.template);
    assert.ok(train.some((t) => t !== 0));
  });

  it("runs through vlsm finetune into the results database and summary, and vlsm eval --templates overrides it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-tt-'));
    writeFileSync(join(dir, 'run.yaml'), [
      'model: { family: clipseg, input_size: [64, 64], scratch: ' + JSON.stringify(TINY_CLIPSEG) + ' }',
      'train: { frozen: [], batch_size: 8, max_epochs: 1, min_epochs: 0, test_templates: all, val_templates: first }',
      `data: [{ root: ${root}, name: synth }]`,
      'prompt: p7',
      `out: ${join(dir, 'run')}`,
      `results: ${join(dir, 'results.sqlite')}`,
    ].join('\n'));
    const outcome = await runFinetune(readRunConfig(join(dir, 'run.yaml')), { log: () => {} });
    assert.equal(outcome.tests[0]!.perTemplate!.length, 5);
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as { tests: { templates: string; perTemplate: { template: number; items?: unknown }[] }[] };
    assert.equal(summary.tests[0]!.templates, 'all');
    assert.deepEqual(summary.tests[0]!.perTemplate.map((t) => [t.template, t.items]), [[0, undefined], [1, undefined], [2, undefined], [3, undefined], [4, undefined]]);
    const code = await runEvaluate(['--model', join(dir, 'run'), '--data', root, '--prompts', 'p7', '--templates', 'first', '--out', join(dir, 'eval'), '--results', join(dir, 'results.sqlite'), '--quiet']);
    assert.equal(code, 0);
    const store = openResults(join(dir, 'results.sqlite'));
    const prompts = (runId: number): string[] => [...new Set(store.itemMetrics([runId]).map((m) => m.prompt))].sort();
    assert.deepEqual(prompts(outcome.runId!), ['P7', 'P7/t1', 'P7/t2', 'P7/t3', 'P7/t4', 'P7/t5']);
    const evalRun = store.listRuns().find((r) => r.kind === 'eval')!;
    assert.deepEqual(prompts(evalRun.id), ['P7']);
    store.close();
  });
});
