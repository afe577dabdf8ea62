// The paper's tables shipped as data (assets/paper-results), parsed, and the name matching.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalDataset, canonicalModel, loadPaperResults, paperResultsDir, parsePaperResults } from '../../src/report/paper-results.js';

describe('paper results', () => {
  it('ships the paper tables unchanged (sha256 of each CSV)', () => {
    // Digests of the CSVs as transcribed from the paper's tables: an edited cell changes its digest.
    const sha256 = {
      table3: '521b9aafa4f237b48ea5b984535459a73ce32014c5ba2842e4b9aecb3cce5192',
      table4: '635b1a20f0ed3d3ddbd6afc5dc25eff65b664b9ef0e21dc59473f3ce0de3134b',
      table6: 'c83ecb149b30c09d310e7bdb3e85423193508d91eb580fc3f0f53dc9d3bd2fa7',
      table7: '462fee176d8f455dc091fdcdee1c2581626fcc6bc2e2d07dfd83688580211dac',
      table8: '4cdce2b4d294b91e5d150e50fd954a874f541b0394b2be1d02aa6b6d6af709b4',
    };
    for (const [t, digest] of Object.entries(sha256)) {
      assert.equal(createHash('sha256').update(readFileSync(join(paperResultsDir(), `${t}.csv`))).digest('hex'), digest, t);
    }
  });

  it('parses every table with the row counts of docs/training.md §5', () => {
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
