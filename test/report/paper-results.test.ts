// The paper's tables shipped as data (assets/paper-results), parsed, and the name matching.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalDataset, canonicalModel, loadPaperResults, paperResultsDir, parsePaperResults } from '../../src/report/paper-results.js';
import { sharedDir } from '../helpers.js';

describe('paper results', () => {
  it('ships the same CSVs as ../shared/reference/paper-results', () => {
    for (const t of ['table3', 'table4', 'table6', 'table7', 'table8']) {
      assert.equal(readFileSync(join(paperResultsDir(), `${t}.csv`), 'utf8'), readFileSync(join(sharedDir, 'reference', 'paper-results', `${t}.csv`), 'utf8'), t);
    }
  });

  it('parses every table with the row counts of TRAINING.md §5', () => {
    const all = loadPaperResults();
    const count = (t: string): number => all.filter((r) => r.table === t).length;
    assert.deepEqual([count('table3'), count('table4'), count('table6'), count('table7'), count('table8')], [132, 90, 72, 72, 8]);
  });

  it('reads each layout into one record shape', () => {
    const [t3, t4, t6, t8] = [loadPaperResults(['table3'])[0], loadPaperResults(['table4'])[1], loadPaperResults(['table6'])[6], loadPaperResults(['table8'])[0]];
    assert.deepEqual(t3, { table: 'table3', setting: 'Individual', model: 'CRIS', dataset: 'Kvasir-SEG', prompt: null, mean: 86.97, std: null });
    assert.deepEqual(t4, { table: 'table4', setting: 'trained on Kvasir-SEG', model: 'CRIS', dataset: 'ClinicDB', prompt: null, mean: 75.47, std: null });
    assert.deepEqual(t6, { table: 'table6', setting: null, model: 'CRIS', dataset: 'Kvasir-SEG', prompt: 'P6', mean: 86.93, std: 15.28 });
    assert.deepEqual(t8, { table: 'table8', setting: 'Zero-shot', model: 'CRIS', dataset: null, prompt: 'P0', mean: 44.8, std: 18.97 });
  });

  it('names the file and line of a malformed value, and the expected headers of an unknown one', () => {
    assert.throws(() => parsePaperResults('model,dataset,prompt,dice_mean,dice_std\nCRIS,BUSI,P1,7x,1\n', 'table6', 'x.csv'), {
      message: 'x.csv, line 2: mean "7x" is not a number',
    });
    assert.throws(() => parsePaperResults('a,b\n', 'table9', 'y.csv'), { message: /^y\.csv: unknown header "a,b"; expected one of: finetune_setting,model,dataset,dice \| / });
  });

  it("matches our dataset and model names to the paper's spelling", () => {
    assert.deepEqual(['kvasir_polyp', 'kvasir-seg', 'clinicdb_polyp', 'cvc-clinicdb', 'bkai-igh', 'isic-2016', 'dfu-2022', 'cvc-300', 'cvc-colondb', 'etis-larib', 'busi', 'camus', 'chexlocalize'].map(canonicalDataset), [
      'Kvasir-SEG', 'Kvasir-SEG', 'ClinicDB', 'ClinicDB', 'BKAI', 'ISIC', 'DFU', 'CVC-300', 'CVC-ColonDB', 'ETIS', 'BUSI', 'CAMUS', 'CheXlocalize',
    ]);
    assert.deepEqual(['clipseg', 'cris', 'unet', 'unetplusplus', 'UNet++', 'deeplabv3plus', 'biomedclipseg-d', 'mystery'].map(canonicalModel), [
      'CLIPSeg', 'CRIS', 'UNet', 'UNet++', 'UNet++', 'DeepLabv3+', 'BiomedCLIPSeg-D', 'mystery',
    ]);
  });
});
