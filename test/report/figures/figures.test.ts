// The report's figures from a store with known per-image Dice: the SVG holds the expected marks and
// labels, the PNG decodes at the stated size, the CSV holds the plotted numbers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { bootstrapMeanCi } from '../../../src/eval/bootstrap.js';
import { openResults } from '../../../src/experiments/results/index.js';
import { buildFigures, PNG_SCALE, type ReportFigure } from '../../../src/report/figures/index.js';
import { parseCsv } from '../../../src/report/table-format.js';
import { DATASETS, diceOf, IMAGES, makeStudyStore, PROMPTS } from './study-store.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-figures-'));
after(() => (process.env.VLSM_KEEP_FIGURES ? console.log(dir) : rmSync(dir, { recursive: true, force: true })));
const study = makeStudyStore(join(dir, 'results.sqlite'));
const report = join(dir, 'report');
const figures = await buildFigures(study.store, { suite: 'figs', outDir: join(report, 'figures'), seed: 5, resamples: 200 });
const byId = (id: string): ReportFigure => figures.find((f) => f.id === id)!;
const svgOf = (f: ReportFigure): string => readFileSync(join(report, f.svg!), 'utf8');
const csvOf = (f: ReportFigure): string[][] => parseCsv(readFileSync(join(report, f.csv!), 'utf8'));
const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;
/** The text of every <text> element of an SVG. */
const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

async function assertPngMatchesSvg(f: ReportFigure): Promise<void> {
  const svg = svgOf(f);
  const [, w, h] = /<svg[^>]* width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg)!;
  const meta = await sharp(join(report, f.png!)).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, Math.round(Number(w) * PNG_SCALE), `${f.id} width`);
  assert.equal(meta.height, Math.round(Number(h) * PNG_SCALE), `${f.id} height`);
  // Drawn, not blank: a white page has one colour.
  const stats = await sharp(join(report, f.png!)).stats();
  assert.ok(stats.channels[0]!.min < 100, `${f.id}: the PNG has dark pixels (text, axes)`);
}

describe('buildFigures', () => {
  it('draws Figure 2: one line per model and condition per dataset panel, bootstrap bands, axis titles, legend', async () => {
    const f = byId('figure-2-prompt-types');
    assert.equal(f.missing, undefined);
    assert.deepEqual([f.svg, f.png, f.csv], ['figures/figure-2-prompt-types.svg', 'figures/figure-2-prompt-types.png', 'figures/figure-2-prompt-types.csv']);
    const svg = svgOf(f);
    const t = texts(svg);
    for (const label of ['Dice (%)', 'Prompt type', 'Model', 'Weights', 'CLIPSeg', 'CRIS', 'zero-shot', 'fine-tuned', ...DATASETS, ...PROMPTS]) assert.ok(t.includes(label), `SVG text "${label}"`);
    assert.ok(!t.includes('Other'), 'a run of another suite is left out');
    // 2 datasets × 2 models × 2 conditions = 8 lines and 8 bands, each with 3 points.
    assert.equal(count(svg, /<path[^>]*aria-roledescription="line mark"/g), 8);
    assert.equal(count(svg, /<path[^>]*aria-roledescription="area mark"/g), 8);
    assert.equal(count(svg, /aria-roledescription="point"/g), 8 * PROMPTS.length);
    await assertPngMatchesSvg(f);
    // The CSV: a row per point; CLIPSeg fine-tuned on BUSI with P1 has level 0.75.
    const rows = csvOf(f);
    assert.equal(rows.length - 1, 2 * 2 * 2 * PROMPTS.length);
    const row = rows.find((r) => r[0] === 'BUSI' && r[1] === 'CLIPSeg' && r[2] === 'fine-tuned' && r[3] === 'P1')!;
    const values = Array.from({ length: IMAGES }, (_, i) => diceOf(0.75, i) * 100);
    const ci = bootstrapMeanCi(values, { seed: 5, resamples: 200 });
    assert.deepEqual(row.slice(4, 8).map(Number), [ci.estimate, ci.low, ci.high, IMAGES]);
    // Four zero-shot and fine-tune runs, and the newer CLIPSeg eval run that wins Kvasir-SEG P6.
    assert.equal(f.runIds.length, 5);
  });

  it('draws Figure 3: a point and an interval per attribute and mode, p-values, the store\'s ΔDice', async () => {
    const f = byId('figure-3-robustness');
    assert.equal(f.missing, undefined);
    const svg = svgOf(f);
    const t = texts(svg);
    for (const label of ['Relative ΔDice (%)', 'Perturbed attribute', 'Replacement', 'random-word', 'opposite', 'class', 'shape', 'color', 'size', 'number', 'location']) assert.ok(t.includes(label), `SVG text "${label}"`);
    assert.equal(count(svg, /aria-roledescription="point"/g), 12);
    assert.ok(t.includes('p n/a') || t.some((s) => s.startsWith('p=') || s.startsWith('p<')));
    await assertPngMatchesSvg(f);
    const rows = csvOf(f);
    const header = rows[0]!;
    const col = (name: string): number => header.indexOf(name);
    assert.equal(rows.length - 1, 12);
    for (const p of study.perturbed) {
      const row = rows.find((r) => r[col('attribute')] === p.attribute && r[col('mode')] === p.mode)!;
      // Every image loses the same fraction: the relative change is exactly −drop.
      assert.ok(Math.abs(Number(row[col('relative_delta_pct')]) + p.drop * 100) < 1e-9, `${p.attribute} ${p.mode}`);
      const base = Array.from({ length: IMAGES }, (_, i) => diceOf(0.7, i));
      const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
      assert.ok(Math.abs(Number(row[col('delta_dice')]) - (mean(base.map((d) => d * (1 - p.drop))) - mean(base)) * 100) < 1e-9);
      // 12 images all lower: the exact two-sided p is 2 / 2^12; no change: p = 1.
      assert.ok(Math.abs(Number(row[col('wilcoxon_p')]) - (p.drop === 0 ? 1 : 2 / 4096)) < 1e-15);
      assert.equal(Number(row[col('baseline_run_id')]), study.baselineRunId);
    }
  });

  it('draws box plots of per-image Dice per model and dataset at the best prompt', async () => {
    const f = byId('figure-boxplots-dice');
    assert.equal(f.missing, undefined);
    const svg = svgOf(f);
    const t = texts(svg);
    for (const label of ['Dice (%)', 'Model', 'CLIPSeg', 'CRIS', 'CLIPSeg (zero-shot)', 'CRIS (zero-shot)', ...DATASETS]) assert.ok(t.includes(label), `SVG text "${label}"`);
    // 2 datasets × 4 boxes: one box rect per model and dataset.
    assert.equal(count(svg, /aria-roledescription="box"/g) || count(svg, /<path[^>]*aria-roledescription="bar"/g), 8);
    await assertPngMatchesSvg(f);
    const rows = csvOf(f);
    // The best prompt is P6 (highest level), except for CLIPSeg fine-tuned on Kvasir-SEG: there the
    // newer eval run (P6 at level 0.7) replaces the fine-tune run's P6 (0.8), so P1 (0.75) is best.
    for (const r of rows.slice(1)) assert.equal(r[2], r[0] === 'Kvasir-SEG' && r[1] === 'CLIPSeg' ? 'P1' : 'P6', r.join(','));
    assert.equal(rows.length - 1, 2 * 4 * IMAGES);
  });

  it('an empty store gives figures that say what is missing, and no files', async () => {
    const empty = openResults(join(dir, 'empty.sqlite'));
    const out = await buildFigures(empty, { outDir: join(dir, 'empty-report', 'figures') });
    empty.close();
    assert.ok(out.length >= 3);
    for (const f of out) {
      assert.match(f.missing ?? '', /no /, f.id);
      assert.deepEqual([f.svg, f.png, f.csv, f.runIds], [null, null, null, []]);
    }
  });
});
