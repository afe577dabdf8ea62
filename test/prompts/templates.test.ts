import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { busiPrompts, busiTypeOf } from '../../src/prompts/busi-templates.js';
import { camusPrompts } from '../../src/prompts/camus-templates.js';
import { chexlocalizePrompts, orderPathologies, parseChexlocalizeMaskStem } from '../../src/prompts/chexlocalize-templates.js';
import { nonRadiologyPrompts } from '../../src/prompts/non-radiology-templates.js';

describe('non-radiology templates (§3.1)', () => {
  const kvasir = nonRadiologyPrompts('endoscopy', { number: 1, size: 'medium', location: 'right', shape: 'round', color: 'yellow' }, 'medvlsm');

  it('renders the Kvasir example p6 of docs/prompts.md §7', () => {
    assert.equal(kvasir.prompts['p6'], 'one medium yellow round polyp, located in right of the image');
  });

  it('builds p1 to p5 by prefixing attributes', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((i) => kvasir.prompts[`p${i}`]), [
      'polyp', 'round polyp', 'yellow round polyp', 'medium yellow round polyp', 'one medium yellow round polyp',
    ]);
  });

  it('lists the five shipped descriptions, typos kept, in p7 to p9', () => {
    assert.equal((kvasir.prompts['p7'] as string[])[4], 'polyp which is an abnormal growth of tissues projecting from a mucuos membrane');
    assert.equal((kvasir.prompts['p8'] as string[])[3], 'one medium yellow round polyp which is a tissue growth that often resemble mushroom like stalks');
    assert.equal((kvasir.prompts['p9'] as string[])[0], 'one medium yellow round polyp which is a projecting growth of tissue located in right of the image');
  });

  it('never pluralises the class in medvlsm mode, and does in corrected mode', () => {
    const values = { number: 2, size: 'small', location: 'top left, center', shape: 'square', color: 'pink' };
    assert.equal(nonRadiologyPrompts('dfu', values, 'medvlsm').prompts['p5'], 'two small pink square foot ulcer');
    assert.equal(nonRadiologyPrompts('dfu', values, 'corrected').prompts['p5'], 'two small pink square foot ulcers');
  });

  it('leaves a double space for an empty size in medvlsm mode and none in corrected mode', () => {
    const values = { number: 1, size: '', location: 'top left', shape: 'circle', color: 'brown' };
    assert.equal(nonRadiologyPrompts('isic', values, 'medvlsm').prompts['p5'], 'one  brown circle skin melanoma');
    assert.equal(nonRadiologyPrompts('isic', values, 'corrected').prompts['p5'], 'one brown circle skin melanoma');
  });

  it('writes "no polyp" for every prompt when there is no component, p7 to p9 as one-element lists (§1.8)', () => {
    const none = nonRadiologyPrompts('endoscopy', { number: 0, size: '', location: '', shape: '', color: '' }, 'medvlsm').prompts;
    assert.equal(none['p1'], 'no polyp');
    assert.equal(none['p6'], 'no polyp');
    assert.deepEqual(none['p9'], ['no polyp']);
  });

  it('fixes the description typos in corrected mode', () => {
    const p7 = nonRadiologyPrompts('dfu', { number: 1, size: 'small', location: 'center', shape: 'oval', color: 'red' }, 'corrected').prompts['p7'] as string[];
    assert.equal(p7[3], 'foot ulcer which is an abnormality in foot and toes');
  });

  it('records every rendered value in the attributes', () => {
    assert.deepEqual(kvasir.attributes, { class: 'polyp', number: 'one', size: 'medium', location: 'right', shape: 'round', color: 'yellow' });
  });
});

describe('BUSI templates (§3.4, §4.1)', () => {
  it('reads the tumour type from the last "_" token of the stem', () => {
    assert.deepEqual(['100_benign', '1_malignant', '5_normal', 'x_other'].map(busiTypeOf), ['benign', 'malignant', 'normal', 'malignant']);
  });

  it('renders the 100_benign example: "Two", plural "tumors", type and regularity lists', () => {
    const { prompts } = busiPrompts({ type: 'benign', number: 2, size: 'small', location: 'top left, center', shape: 'oval' }, 'medvlsm');
    assert.deepEqual(prompts['p5'], [
      'Two small benign tumors at the top left, center in the breast ultrasound image.',
      'Two small regular-shaped tumors at the top left, center in the breast ultrasound image.',
    ]);
    assert.deepEqual(prompts['p6'], [
      'Two small oval-shaped benign tumors at the top left, center in the breast ultrasound image.',
      'Two small oval-shaped regular tumors at the top left, center in the breast ultrasound image.',
    ]);
  });

  it('gives normal images the plain string "No tumor in the breast ultrasound image." for p1 to p6', () => {
    const { prompts } = busiPrompts({ type: 'normal', number: 0, size: '', location: '', shape: '' }, 'medvlsm');
    assert.equal(prompts['p0'], '');
    for (let i = 1; i <= 6; i++) assert.equal(prompts[`p${i}`], 'No tumor in the breast ultrasound image.');
  });
});

describe('CAMUS templates (§3.3, §4.2)', () => {
  const values = { label: 1, view: '2CH', phase: 'ES', sex: 'F', age: '56', quality: 'Good', shape: 'oval' };

  it('renders both alternatives with age in words and lower-cased quality', () => {
    const { prompts } = camusPrompts(values, 'medvlsm');
    assert.deepEqual(prompts['p7'], [
      'Left ventricular cavity of oval shape in two-chamber view of the heart at end of the systole cycle of a fifty-six-year-old female with good image quality.',
      'Left ventricular cavity of oval shape in two-chamber view in the cardiac ultrasound at end of the systole cycle of a fifty-six-year-old female with good image quality.',
    ]);
    assert.deepEqual(prompts['p1'], ['Left ventricular cavity of the heart.', 'Left ventricular cavity in the cardiac ultrasound.']);
    assert.equal((prompts['p4'] as string[])[0], 'Left ventricular cavity in two-chamber view of the heart at end of the systole cycle of a female.');
  });

  it('maps other view, phase and sex tokens to "four", "diastole" and "male", and clamps the label', () => {
    const { prompts } = camusPrompts({ ...values, label: 7, view: '4CH', phase: 'ED', sex: 'M', age: '73' }, 'medvlsm');
    assert.equal((prompts['p5'] as string[])[0], 'Left atrium cavity in four-chamber view of the heart at end of the diastole cycle of a seventy-three-year-old male.');
  });
});

describe('CheXlocalize templates (§3.2, §4.3)', () => {
  const values = { finding: 'Airspace Opacity', view: 'frontal', shape: 'rectangle', location: 'center, right', pathologies: ['Lung Opacity', 'Support Devices'] };

  it('keeps the trailing space of p6 and the lower-case "chest" of p1 in medvlsm mode', () => {
    const { prompts } = chexlocalizePrompts(values, 'medvlsm');
    assert.equal(prompts['p1'], 'Airspace Opacity in a chest Xray.');
    assert.equal(prompts['p6'], 'Airspace Opacity in a Chest Xray. Lung Opacity, Support Devices are present. ');
    assert.equal(prompts['p5'], 'Airspace Opacity of shape rectangle, and located in center, right of the frontal view of a Chest Xray. Lung Opacity, Support Devices are present.');
  });

  it('drops the trailing space and says "is present" for one pathology in corrected mode', () => {
    const { prompts } = chexlocalizePrompts({ ...values, pathologies: ['Lung Opacity'] }, 'corrected');
    assert.equal(prompts['p6'], 'Airspace Opacity in a Chest Xray. Lung Opacity is present.');
  });

  it('orders pathologies by CheXpert column and drops "No Finding"', () => {
    assert.deepEqual(orderPathologies(['Support Devices', 'No Finding', 'Cardiomegaly', 'Lung Opacity']), ['Cardiomegaly', 'Lung Opacity', 'Support Devices']);
  });

  it('splits a mask stem into the image stem and the finding', () => {
    assert.deepEqual(parseChexlocalizeMaskStem('patient64541_study1_view1_frontal_pleural_effusion'), {
      imageStem: 'patient64541_study1_view1_frontal', suffix: 'pleural_effusion', finding: 'Pleural Effusion',
    });
  });
});
