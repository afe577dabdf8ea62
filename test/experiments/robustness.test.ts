// The robustness driver on a tiny CLIPSeg and a synthetic dataset: the baseline and every
// perturbed evaluation are stored as runs, ΔDice is the difference of the stored per-image means,
// masks are written; `vlsm eval --anns` scores an alternative annotation file; bad input is refused.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAnnotationFile, writeAnnotationFile } from '../../src/data/annotation-file.js';
import { runEvaluate } from '../../src/cli/commands/evaluate.js';
import { runRobustnessCommand } from '../../src/cli/commands/robustness.js';
import { testDatasets } from '../../src/experiments/finetune-run.js';
import { openResults, type ResultsStore } from '../../src/experiments/results/index.js';
import { runRobustness, type RobustnessOutcome } from '../../src/experiments/robustness.js';
import type { SegmentationModel } from '../../src/models/types.js';
import { writeSyntheticDataset } from '../../src/prompts/synthetic-referring.js';
import { buildFigures, PNG_SCALE } from '../../src/report/figures/index.js';
import { parseCsv } from '../../src/report/table-format.js';
import { resolveRecipe } from '../../src/train/recipes.js';
import { tinyClipseg } from '../train/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-robust-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('vlsm robustness', () => {
  let model: SegmentationModel;
  let store: ResultsStore;
  let outcome: RobustnessOutcome;
  const root = join(dir, 'synth');
  const recipe = resolveRecipe('clipseg', 'published', { batch_size: 4, test_templates: 'first' });
  before(async () => {
    await writeSyntheticDataset(root, { n: 50, seed: 3, size: 64 });
    model = tinyClipseg(1);
    store = openResults(join(dir, 'results.sqlite'));
    outcome = await runRobustness({
      model, modelSpec: 'tiny', data: root, attributes: ['color', 'size'], modes: ['random-word', 'opposite'], recipe, seed: 4, outDir: join(dir, 'out'), store, suite: 'robust',
    });
  });
  after(() => {
    store.close();
    model.dispose();
  });

  it('stores the baseline and one perturbed eval run per attribute and mode', () => {
    const runs = store.listRuns({ suite: 'robust' });
    assert.equal(runs.length, 5);
    const baseline = store.getRun(outcome.baselineRunId);
    assert.equal(baseline.kind, 'eval');
    assert.equal(baseline.perturbation, null);
    assert.equal(baseline.status, 'done');
    assert.deepEqual(
      outcome.rows.map((r) => { const run = store.getRun(r.runId); return [run.kind, run.status, run.perturbation, (run.config as { baselineRunId: number }).baselineRunId]; }),
      [['color', 'random-word'], ['color', 'opposite'], ['size', 'random-word'], ['size', 'opposite']].map(([attribute, mode]) => ['eval', 'done', { attribute, mode }, outcome.baselineRunId]),
    );
    assert.ok(outcome.baselineItems >= 4, `${outcome.baselineItems} test images`);
  });

  it('ΔDice equals the difference of the stored per-image means over the paired images', () => {
    const stored = (runId: number) => new Map(store.itemMetrics([runId]).filter((i) => i.resolution === 'original').map((i) => [i.imageId, i]));
    const base = stored(outcome.baselineRunId);
    for (const r of outcome.rows) {
      const alt = stored(r.runId);
      assert.equal(alt.size, r.perturbed);
      const keys = [...alt.keys()];
      const mean = (m: Map<string, { dice: number }>) => keys.reduce((s, k) => s + m.get(k)!.dice, 0) / keys.length;
      assert.ok(Math.abs(r.change.delta.estimate - (mean(alt) - mean(base))) < 1e-12, `${r.attribute} ${r.mode}`);
      assert.equal(r.change.pairs, keys.length);
      // The stored prompt texts are the perturbed ones: none equals the baseline's.
      for (const k of keys) assert.notEqual(alt.get(k)!.promptText, base.get(k)!.promptText, `${r.attribute} ${r.mode} ${k}`);
    }
  });

  it("replaces colours by the dataset's own colours in 'opposite' mode, and writes the masks Figure 4 needs", async () => {
    const entries = (await readAnnotationFile(join(root, 'anns', 'train.json'))).concat(await readAnnotationFile(join(root, 'anns', 'test.json')));
    const colours = new Set(entries.map((e) => (e['attributes'] as Record<string, string>)['color']!.toLowerCase()));
    const row = outcome.rows.find((r) => r.attribute === 'color' && r.mode === 'opposite')!;
    for (const item of store.itemMetrics([row.runId]).filter((i) => i.resolution === 'original')) {
      const words = (item.promptText ?? "").split(/[\s,]+/);
      assert.ok(words.some((w) => colours.has(w)), `${item.promptText} holds a colour of the dataset`);
    }
    for (const variant of ['baseline', 'color-opposite', 'size-random-word']) {
      const masks = join(dir, 'out', 'masks', variant, 'synth', 'p6');
      assert.ok(existsSync(masks), masks);
      assert.ok(readdirSync(masks).length >= 1);
    }
  });

  it('gives the report Figures 3 and 4 and the qualitative panels from the stored runs and saved masks', async () => {
    const report = join(dir, 'report');
    const figures = await buildFigures(store, { suite: 'robust', outDir: join(report, 'figures'), seed: 1, resamples: 100, qualitativeCount: 3 });
    const byId = (id: string) => figures.find((f) => f.id === id)!;
    const robustness = byId('figure-3-robustness');
    assert.equal(robustness.missing, undefined);
    assert.deepEqual(robustness.runIds, [outcome.baselineRunId, ...outcome.rows.map((r) => r.runId)].sort((a, b) => a - b));
    const drops = byId('figure-4-largest-drops');
    assert.equal(drops.missing, undefined, drops.missing);
    const svg = readFileSync(join(report, drops.svg!), 'utf8');
    assert.deepEqual([...svg.matchAll(/class="column-title"[^>]*>([^<]*)</g)].map((m) => m[1]), ['Image', 'Ground truth', 'Original prompt', 'Altered prompt']);
    assert.equal(svg.match(/class="tile"/g)?.length, 4 * 3);
    const lines = [...svg.matchAll(/class="row-line"[^>]*>([^<]*)</g)].map((m) => m[1]!);
    assert.equal(lines.filter((l) => l.startsWith('original: ')).length, 3);
    assert.equal(lines.filter((l) => l.startsWith('altered: ')).length, 3);
    // The CSV lists the shown images, largest drop first, with both prompt texts.
    const rows = parseCsv(readFileSync(join(report, drops.csv!), 'utf8'));
    const drop = rows[0]!.indexOf('drop');
    assert.equal(rows.length - 1, 3);
    assert.ok(Number(rows[1]![drop]) >= Number(rows[2]![drop]) && Number(rows[2]![drop]) >= Number(rows[3]![drop]));
    const [, w, h] = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg)!;
    const meta = await sharp(join(report, drops.png!)).metadata();
    assert.deepEqual([meta.width, meta.height], [Math.round(Number(w) * PNG_SCALE), Math.round(Number(h) * PNG_SCALE)]);
    const qualitative = byId('figure-qualitative');
    assert.equal(qualitative.missing, undefined, qualitative.missing);
    const q = readFileSync(join(report, qualitative.svg!), 'utf8');
    assert.equal(q.match(/class="tile"/g)?.length, 3 * 3, 'image, ground truth and the baseline run for 3 images');
    assert.deepEqual(qualitative.runIds, [outcome.baselineRunId]);
    // The same seed draws the same images.
    const again = await buildFigures(store, { suite: 'robust', outDir: join(dir, 'report2', 'figures'), seed: 1, resamples: 100, qualitativeCount: 3 });
    assert.equal(readFileSync(join(dir, 'report2', again.find((f) => f.id === 'figure-qualitative')!.csv!), 'utf8'), readFileSync(join(report, qualitative.csv!), 'utf8'));
    if (process.env.VLSM_KEEP_FIGURES) cpSync(report, process.env.VLSM_KEEP_FIGURES, { recursive: true });
  });

  it('refuses an unknown attribute or mode and a missing dataset with a clear message', async () => {
    const base = { model, modelSpec: 'tiny', data: root, recipe, outDir: join(dir, 'bad'), store };
    await assert.rejects(runRobustness({ ...base, attributes: ['colour'], modes: ['opposite'] }), { name: 'ConfigError', message: /unknown attribute "colour" for .*test\.json; its entries have .*color/ });
    await assert.rejects(runRobustness({ ...base, attributes: ['color'], modes: ['backwards' as never] }), { name: 'ConfigError', message: 'robustness: unknown mode "backwards"; modes: random-word, opposite' });
    await assert.rejects(runRobustness({ ...base, data: join(dir, 'nowhere'), attributes: ['color'], modes: ['opposite'] }), /nowhere: dataset root does not exist/);
    await assert.rejects(runRobustnessCommand(['--model', 'x', '--data', root, '--attributes', 'color', '--modes', 'sideways']), { message: '--modes: unknown mode "sideways"; modes: random-word, opposite' });
  });
});

describe('vlsm eval --anns', () => {
  it('scores the alternative annotation file for the same images, nothing copied', async () => {
    const root = join(dir, 'synth-anns');
    await writeSyntheticDataset(root, { n: 30, seed: 2, size: 64 });
    const entries = await readAnnotationFile(join(root, 'anns', 'test.json'));
    const alternative = join(dir, 'alternative.json');
    await writeAnnotationFile(alternative, entries.map((e, i) => ({ ...e, prompts: { ...e.prompts, p6: `altered prompt ${i}` } })));
    const model = tinyClipseg(0);
    try {
      const recipe = resolveRecipe('clipseg', 'published', { batch_size: 4 });
      const [r] = await testDatasets(model, [{ root, anns: alternative }], 'p6', recipe, join(dir, 'eval-anns'), false, false);
      assert.deepEqual(r!.items.map((it) => it.text), entries.map((_, i) => `altered prompt ${i}`));
      assert.deepEqual(readdirSync(join(root, 'anns')).sort(), ['test.json', 'train.json', 'val.json']);
    } finally {
      model.dispose();
    }
  });

  it('refuses a missing anns file and --anns with several datasets before loading a model', async () => {
    await assert.rejects(runEvaluate(['--model', 'no-such-model', '--data', dir, '--anns', join(dir, 'missing.json'), '--no-results']), { name: 'ConfigError', message: `--anns ${join(dir, 'missing.json')}: no such annotation file` });
    await assert.rejects(runEvaluate(['--model', 'no-such-model', '--data', dir, '--data', dir, '--anns', join(dir, 'missing.json')]), { name: 'ConfigError', message: /give exactly one --data ROOT \(got 2\)/ });
  });
});
