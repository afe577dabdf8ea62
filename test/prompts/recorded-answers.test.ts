import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AnnotationEntry } from '../../src/data/annotation-file.js';
import { camusPrompts } from '../../src/prompts/camus-templates.js';
import { chexlocalizePrompts } from '../../src/prompts/chexlocalize-templates.js';
import { generateDatasetPrompts } from '../../src/prompts/generate-prompts.js';
import { nonRadiologyPrompts } from '../../src/prompts/non-radiology-templates.js';
import { answerFromEntry, answersFromEntries, recordedAnswersEstimator } from '../../src/prompts/recorded-answers.js';

const SAMPLE = join(process.cwd(), 'assets', 'busi-sample');

describe('answers recorded in the reference\'s prompt files', () => {
  it('regenerates every BUSI sample entry whole (p0–p6 and bbox) from the shipped shape answers', async () => {
    const reference = JSON.parse(await readFile(join(SAMPLE, 'anns.json'), 'utf8')) as AnnotationEntry[];
    const answers = answersFromEntries(reference, 'busi');
    assert.equal(answers.size, 12);
    assert.deepEqual(answers.get('2_malignant.png'), { shape: 'square' });
    const generated = (await generateDatasetPrompts(SAMPLE, { family: 'busi', estimator: recordedAnswersEstimator(answers, { strict: true }) })).get('all')!;
    for (const entry of generated) {
      const ref = reference.find((r) => r.img_name === entry.img_name)!;
      assert.deepEqual(entry.prompts, ref.prompts, entry.img_name);
      assert.deepEqual(entry.bbox, ref.bbox, entry.img_name);
    }
  });

  it('reads multi-word shape and colour answers back from non-radiology p2 and p3', () => {
    const { prompts } = nonRadiologyPrompts('endoscopy', { number: 1, size: 'small', location: 'center', shape: 'a large, oval bump', color: 'light pink' }, 'medvlsm');
    assert.deepEqual(answerFromEntry({ img_name: 'a', mask_name: 'a', prompts }, 'endoscopy'), { shape: 'a large, oval bump', color: 'light pink' });
  });

  it('reads the shape back from CAMUS p7 and CheXlocalize p3', () => {
    const camus = camusPrompts({ label: 2, view: '4CH', phase: 'ED', sex: 'M', age: '40', quality: 'Poor', shape: 'triangle' }, 'medvlsm');
    assert.deepEqual(answerFromEntry({ img_name: 'a', mask_name: 'a', prompts: camus.prompts }, 'camus'), { shape: 'triangle' });
    const chex = chexlocalizePrompts({ finding: 'Edema', view: 'lateral', shape: 'x ray', location: 'center', pathologies: ['Edema'] }, 'medvlsm');
    assert.deepEqual(answerFromEntry({ img_name: 'a', mask_name: 'a', prompts: chex.prompts }, 'chexlocalize'), { shape: 'x ray' });
  });

  it('says which sample has no answer in strict mode', async () => {
    const estimator = recordedAnswersEstimator(new Map(), { strict: true });
    await assert.rejects(estimator.estimate({ family: 'busi', sampleId: '9_benign.png', mask: { width: 1, height: 1, data: new Uint8Array(1) }, loadImage: async () => { throw new Error('unused'); }, questions: { shape: '' } }), {
      name: 'ConfigError', message: 'no recorded shape/colour answer for 9_benign.png',
    });
  });
});
