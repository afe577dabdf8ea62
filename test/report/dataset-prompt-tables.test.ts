// Table 1 (datasets, split sizes counted in data roots) and Table 2 (prompt composition read off
// the templates), each beside the paper's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skeletonEntry, writeAnnotationFile } from '../../src/data/annotation-file.js';
import { datasetTable } from '../../src/report/dataset-table.js';
import { promptComposition, promptTable } from '../../src/report/prompt-table.js';
import { cellOf } from './study-store.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-dataset-table-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function dataset(name: string, counts: Record<string, number>): Promise<void> {
  for (const [split, n] of Object.entries(counts)) {
    await writeAnnotationFile(join(dir, name, 'anns', `${split}.json`), Array.from({ length: n }, (_, i) => skeletonEntry(`${i}.png`, `${i}.png`, i, true)));
  }
}

before(async () => {
  await dataset('kvasir_polyp', { train: 8, val: 1, test: 2 });
  await dataset('etis_polyp', { test: 5 });
  await dataset('my-set', { train: 3, val: 1, test: 1 });
});

describe('Table 1', () => {
  it('counts the entries per split of the datasets found under a data root, beside the paper', async () => {
    const t = await datasetTable([dir]);
    assert.deepEqual(t.table.rows.slice(0, 11).map((r) => r[0]), ['Kvasir-SEG', 'ClinicDB', 'BKAI', 'ETIS', 'CVC-ColonDB', 'CVC-300', 'ISIC', 'DFU', 'CAMUS', 'BUSI', 'CheXlocalize']);
    for (const [column, value] of [['train', 8], ['train paper', 800], ['val', 1], ['test', 2], ['test paper', 100], ['format', 'kvasir-seg'], ['organ', 'Colon']] as const) {
      assert.equal(cellOf(t, ['Kvasir-SEG'], column), value, column);
    }
    assert.equal(cellOf(t, ['ETIS'], 'train'), null, 'no train.json');
    assert.equal(cellOf(t, ['ETIS'], 'test'), 5);
    assert.equal(cellOf(t, ['ETIS'], 'test paper'), 196);
    assert.equal(cellOf(t, ['my-set'], 'train'), 3, 'other datasets follow');
    assert.equal(cellOf(t, ['my-set'], 'root'), join(dir, 'my-set'));
    assert.deepEqual(t.missing, [`Not found under ${dir}: ClinicDB, BKAI, CVC-ColonDB, CVC-300, ISIC, DFU, CAMUS, BUSI, CheXlocalize.`]);
    assert.equal(t.from, `data roots ${dir}`);
  });

  it("shows the paper's sizes alone without data roots, saying so", async () => {
    const t = await datasetTable();
    assert.equal(cellOf(t, ['CAMUS'], 'train paper'), 4800);
    assert.equal(cellOf(t, ['CAMUS'], 'train'), null);
    assert.match(t.missing[0]!, /^No data roots given/);
  });
});

describe('Table 2', () => {
  it('reads each prompt type\'s attributes off the templates', () => {
    assert.deepEqual(promptComposition('endoscopy'), ['a1', 'a1a2', 'a1a2a3', 'a1a2a3a4', 'a1a2a3a4a5', 'a1a2a3a4a5a6', 'a1a7', 'a1a2a3a4a5a7', 'a1a2a3a4a5a6a7']);
    assert.deepEqual(promptComposition('busi'), ['a1', 'a1a14', 'a1a5a14', 'a1a4a5a14', 'a1a4a5a6a14', 'a1a2a4a5a6a14', null, null, null]);
    assert.deepEqual(promptComposition('camus'), ['a1', 'a1a8', 'a1a8a10', 'a1a8a10a11', 'a1a8a10a11a12', 'a1a8a10a11a12a13', 'a1a2a8a10a11a12a13', null, null]);
    assert.deepEqual(promptComposition('chexlocalize'), ['a1', 'a1a8', 'a1a2a8', 'a1a2a6a8', 'a1a2a6a8a9', 'a1a9', null, null, null]);
    assert.deepEqual(promptComposition('dfu', 'corrected'), promptComposition('dfu', 'medvlsm'));
  });

  it("sets the paper's Table 2 beside it and names the prompts that differ", () => {
    const t = promptTable();
    assert.equal(cellOf(t, ['isic'], 'P6'), 'a1a2a3a4a5a6');
    assert.equal(cellOf(t, ['isic'], 'P6 paper'), 'a1a2a3a4a6');
    assert.equal(cellOf(t, ['isic'], 'differences'), 'P6 adds a5');
    assert.equal(cellOf(t, ['busi'], 'P6 paper'), 'a1a14a5a4a6a2');
    assert.equal(cellOf(t, ['busi'], 'differences'), null, 'the same attributes in another order');
    assert.equal(cellOf(t, ['camus'], 'P8'), null);
  });
});
