// The paper's tables from a results store built here with known per-image Dice: cells are the
// hand-computed means, the best prompt follows the stated rule, differences are ours − paper.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openResults } from '../../src/experiments/results/index.js';
import { loadPaperResults } from '../../src/report/paper-results.js';
import type { ReportTable } from '../../src/report/report-table.js';
import { studyCells } from '../../src/report/study-cells.js';
import { studyTables } from '../../src/report/study-tables.js';
import { addRun, cellOf } from './study-store.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-study-tables-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ids: Record<string, number> = {};
let tables: Map<string, ReportTable>;

before(() => {
  const store = openResults(join(dir, 'r.sqlite'));
  const clipsegKvasir = { model: 'clipseg', setting: 'individual' as const, trainedOn: ['kvasir_polyp'] };
  // P1 mean 85, P6 mean 92.5 on Kvasir: P6 is chosen; the P6 run was tested on ETIS too (55).
  ids.clipP1 = addRun(store, { ...clipsegKvasir, promptType: 'p1' }, { kvasir_polyp: { P1: [0.8, 0.9] }, etis: { P1: [0.9] } });
  ids.clipP6 = addRun(store, { ...clipsegKvasir, promptType: 'p6' }, { kvasir_polyp: { P6: [0.9, 0.95] }, etis_polyp: { P6: [0.5, 0.6] } });
  // A failed run with a higher score does not count.
  addRun(store, { ...clipsegKvasir, promptType: 'p2' }, { kvasir_polyp: { P2: [1, 1] } }, 'failed');
  // A tie (60 and 60) goes to the lower prompt number.
  const crisBusi = { model: 'CRIS', setting: 'individual' as const, trainedOn: ['BUSI'] };
  ids.crisP5 = addRun(store, { ...crisBusi, promptType: 'p5' }, { busi: { P5: [0.6, 0.6] } });
  ids.crisP2 = addRun(store, { ...crisBusi, promptType: 'p2' }, { busi: { P2: [0.5, 0.7] } });
  // Frozen runs: Table 6 only, since CRIS on Kvasir has an unfrozen run (P3, 75).
  const crisKvasir = { model: 'CRIS', setting: 'individual' as const, trainedOn: ['Kvasir-SEG'] };
  ids.crisFrozenP6 = addRun(store, { ...crisKvasir, frozen: ['image-encoder'], promptType: 'p6' }, { 'kvasir-seg': { P6: [0.99, 0.99] } });
  ids.crisFrozenP0 = addRun(store, { ...crisKvasir, frozen: ['image-encoder'], promptType: 'p0' }, { 'kvasir-seg': { P0: [0.4, 0.6, 0.8] } });
  ids.crisP3 = addRun(store, { ...crisKvasir, promptType: 'p3' }, { 'kvasir-seg': { P3: [0.7, 0.8] } });
  // Two runs of one prompt: the newer counts (70, not 50).
  const clipClinic = { model: 'CLIPSeg', setting: 'individual' as const, trainedOn: ['ClinicDB'] };
  ids.clinicOld = addRun(store, { ...clipClinic, promptType: 'p1' }, { clinicdb_polyp: { P1: [0.5] } });
  ids.clinicNew = addRun(store, { ...clipClinic, promptType: 'p1' }, { clinicdb_polyp: { P1: [0.6, 0.8] } });
  // A CNN: no prompt choice shown.
  ids.unet = addRun(store, { model: 'unet', family: 'unet', setting: 'individual', trainedOn: ['ClinicDB'] }, { clinicdb_polyp: { P0: [0.8, 0.85] } });
  // A CNN told by its family, under a label of its own.
  ids.unet96 = addRun(store, { model: 'unet-96', family: 'unet', setting: 'individual', trainedOn: ['busi'] }, { busi: { P1: [0.4] } });
  // Pooled over all datasets with random prompts.
  ids.pooled = addRun(store, { model: 'CLIPSeg', setting: 'all-pooled', trainedOn: ['Kvasir-SEG', 'BUSI'], promptType: 'random' }, { 'kvasir-seg': { RANDOM: [0.8] }, etis: { RANDOM: [0.6] } });
  ids.endoscopy = addRun(store, { model: 'CRIS', setting: 'endoscopy-pooled', trainedOn: ['Kvasir-SEG', 'ClinicDB', 'BKAI'], promptType: 'p6' }, { bkai: { P6: [0.9, 0.8] } });
  // A run recorded before the study fields: trained on its config's dataset, so individual.
  ids.legacy = addRun(store, { model: 'CRIS', config: { data: [{ root: '/data/camus' }] }, suite: null }, { camus: { P6: [0.88] } });
  // Zero-shot.
  ids.zeroshot = addRun(store, { kind: 'zeroshot', model: 'CLIPSeg' }, { kvasir_polyp: { P0: [0.1, 0.3], P1: [0.5, 0.5] } });
  const runs = store.listRuns().reverse();
  tables = new Map(studyTables(studyCells(store, runs), loadPaperResults(), null, runs).map((t) => [t.id, t]));
  store.close();
});

describe('Table 3', () => {
  it('takes the best prompt by mean test Dice, shows it, and sets the paper and the difference beside it', () => {
    const t = tables.get('table3')!;
    assert.equal(cellOf(t, ['Individual', 'CLIPSeg'], 'Kvasir-SEG'), 92.5);
    assert.equal(cellOf(t, ['Individual', 'CLIPSeg'], 'Kvasir-SEG prompt'), 'P6');
    assert.equal(cellOf(t, ['Individual', 'CLIPSeg'], 'Kvasir-SEG paper'), 88.75);
    assert.equal(cellOf(t, ['Individual', 'CLIPSeg'], 'Kvasir-SEG diff'), 3.75);
  });

  it('breaks a tie towards the lower prompt number', () => {
    const t = tables.get('table3')!;
    assert.equal(cellOf(t, ['Individual', 'CRIS'], 'BUSI'), 60);
    assert.equal(cellOf(t, ['Individual', 'CRIS'], 'BUSI prompt'), 'P2');
    assert.equal(cellOf(t, ['Individual', 'CRIS'], 'BUSI diff'), -23.42);
  });

  it('prefers runs without a frozen encoder, and the newest run of a prompt', () => {
    const t = tables.get('table3')!;
    assert.equal(cellOf(t, ['Individual', 'CRIS'], 'Kvasir-SEG'), 75);
    assert.equal(cellOf(t, ['Individual', 'CRIS'], 'Kvasir-SEG prompt'), 'P3');
    assert.equal(cellOf(t, ['Individual', 'CLIPSeg'], 'ClinicDB'), 70);
    assert.equal(cellOf(t, ['Individual', 'CLIPSeg'], 'ClinicDB diff'), -19.97);
  });

  it('fills the pooled rows per tested dataset, marks CNN cells image only, and infers the setting of older runs', () => {
    const t = tables.get('table3')!;
    assert.equal(cellOf(t, ['Pooled', 'CLIPSeg'], 'Kvasir-SEG'), 80);
    assert.equal(cellOf(t, ['Pooled', 'CLIPSeg'], 'Kvasir-SEG diff'), -6.28);
    assert.equal(cellOf(t, ['Pooled', 'CLIPSeg'], 'ETIS'), 60);
    assert.equal(cellOf(t, ['Pooled', 'CLIPSeg'], 'ETIS prompt'), 'RANDOM');
    assert.equal(cellOf(t, ['Endoscopy Pooled', 'CRIS'], 'BKAI'), 85);
    assert.equal(cellOf(t, ['Endoscopy Pooled', 'CRIS'], 'BKAI diff'), -0.29);
    assert.equal(cellOf(t, ['Individual', 'UNet'], 'ClinicDB'), 82.5);
    assert.equal(cellOf(t, ['Individual', 'UNet'], 'ClinicDB prompt'), 'image only');
    assert.equal(cellOf(t, ['Individual', 'unet-96'], 'BUSI'), 40);
    assert.equal(cellOf(t, ['Individual', 'unet-96'], 'BUSI prompt'), 'image only');
    assert.equal(cellOf(t, ['Individual', 'CRIS'], 'CAMUS'), 88);
    assert.equal(cellOf(t, ['Individual', 'CRIS'], 'CAMUS diff'), -0.07);
    // The individual CLIPSeg run's ETIS items are out of distribution: Table 4's, not Table 3's.
    assert.equal(cellOf(t, ['Individual', 'CLIPSeg'], 'ETIS'), null);
  });

  it("keeps the paper's order of settings, models and datasets, and names the runs it used", () => {
    const t = tables.get('table3')!;
    assert.deepEqual(t.table.columns.slice(0, 6), ['setting', 'model', 'Kvasir-SEG', 'Kvasir-SEG prompt', 'Kvasir-SEG paper', 'Kvasir-SEG diff']);
    assert.deepEqual(t.table.columns.filter((c) => !c.includes(' ')).slice(2), ['Kvasir-SEG', 'ClinicDB', 'BKAI', 'CVC-300', 'CVC-ColonDB', 'ETIS', 'ISIC', 'DFU', 'CAMUS', 'BUSI', 'CheXlocalize']);
    assert.deepEqual(t.table.rows.map((r) => `${r[0]} ${r[1]}`).slice(0, 6), ['Individual CRIS', 'Individual CLIPSeg', 'Individual UNet', 'Individual UNet++', 'Individual DeepLabv3+', 'Individual SOTA']);
    assert.deepEqual(t.source.runIds, [ids.clipP6, ids.crisP2, ids.crisP3, ids.clinicNew, ids.unet, ids.unet96, ids.pooled, ids.endoscopy, ids.legacy].sort((a, b) => a - b));
    assert.deepEqual(t.source.commits, ['abc123']);
    assert.match(t.rule!, /highest mean test Dice/);
    assert.match(t.missing.join(' '), /^\d+ of 132 of the paper's cells have no run here\.$/);
  });
});

describe('Table 4', () => {
  it("uses the prompt chosen in distribution for every tested set, beside the paper's", () => {
    const t = tables.get('table4')!;
    assert.equal(cellOf(t, ['Kvasir-SEG', 'CLIPSeg'], 'Kvasir-SEG'), 92.5);
    assert.equal(cellOf(t, ['Kvasir-SEG', 'CLIPSeg'], 'ETIS'), 55);
    assert.equal(cellOf(t, ['Kvasir-SEG', 'CLIPSeg'], 'ETIS prompt'), 'P6');
    assert.equal(cellOf(t, ['Kvasir-SEG', 'CLIPSeg'], 'ETIS paper'), 65.27);
    assert.equal(cellOf(t, ['Kvasir-SEG', 'CLIPSeg'], 'ETIS diff'), -10.27);
    assert.deepEqual(t.source.runIds, [ids.clipP6]);
  });
});

describe('Tables 6 and 7', () => {
  it('are oriented as printed: rows dataset, columns prompt, mean and std beside the paper', () => {
    const t = tables.get('table6')!;
    assert.deepEqual(t.table.columns.slice(0, 6), ['dataset', 'P0', 'P0 std', 'P0 paper', 'P0 paper std', 'P0 diff']);
    assert.deepEqual(t.table.rows.map((r) => r[0]), ['Kvasir-SEG', 'ClinicDB', 'BKAI', 'ISIC', 'DFU', 'CAMUS', 'BUSI', 'CheXlocalize']);
    assert.equal(cellOf(t, ['Kvasir-SEG'], 'P6'), 99);
    assert.equal(cellOf(t, ['Kvasir-SEG'], 'P6 std'), 0);
    assert.equal(cellOf(t, ['Kvasir-SEG'], 'P6 paper'), 86.93);
    assert.equal(cellOf(t, ['Kvasir-SEG'], 'P6 paper std'), 15.28);
    assert.equal(cellOf(t, ['Kvasir-SEG'], 'P6 diff'), 12.07);
    assert.equal(cellOf(t, ['Kvasir-SEG'], 'P0'), 60);
    assert.equal(cellOf(t, ['Kvasir-SEG'], 'P0 std'), 20);
    assert.equal(cellOf(t, ['Kvasir-SEG'], 'P3'), null, 'an unfrozen run is not a Table 6 cell');
    assert.deepEqual(t.source.runIds, [ids.crisFrozenP6, ids.crisFrozenP0]);
  });

  it("says what is missing when no run fits, and shows the paper's numbers alone", () => {
    const t = tables.get('table7')!;
    assert.deepEqual(t.missing, ["No runs for this table: it needs CLIPSeg fine-tune (or eval) runs with setting individual and a frozen part recorded. The paper's numbers are shown alone."]);
    assert.equal(cellOf(t, ['BUSI'], 'P6 paper'), 82.25);
    assert.equal(cellOf(t, ['BUSI'], 'P6'), null);
  });
});

describe('zero-shot table', () => {
  it('has Dice mean and std per model × dataset × prompt type', () => {
    const t = tables.get('zeroshot')!;
    assert.deepEqual(t.table.columns, ['model', 'dataset', 'P0', 'P0 std', 'P1', 'P1 std']);
    assert.deepEqual(t.table.rows, [['CLIPSeg', 'Kvasir-SEG', 20, 14.14, 50, 0]]);
    assert.deepEqual(t.source.runIds, [ids.zeroshot]);
  });
});
