import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAnnotationFile } from '../../src/data/annotation-file.js';
import { generateDatasetPrompts, writeGeneratedPrompts } from '../../src/prompts/generate-prompts.js';
import type { ImageAttributeEstimator } from '../../src/prompts/attribute-estimator.js';
import { selectPrompt } from '../../src/prompts/prompt-selection.js';
import { grayWith, writeGray, writePicture, writeText } from '../data/fixtures.js';

const SAMPLE = join(process.cwd(), 'assets', 'busi-sample');
let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'vlsm-generate-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

interface SampleEntry { img_name: string; bbox: number[]; prompts: Record<string, string | string[]> }

describe('prompt generation for a dataset root', () => {
  it('reproduces p0–p5 and the bbox of every BUSI sample entry in medvlsm mode', async () => {
    const reference = JSON.parse(await readFile(join(SAMPLE, 'anns.json'), 'utf8')) as SampleEntry[];
    const generated = (await generateDatasetPrompts(SAMPLE, { family: 'busi' })).get('all')!;
    assert.equal(generated.length, 12);
    for (const entry of generated) {
      const ref = reference.find((r) => r.img_name === entry.img_name)!;
      assert.deepEqual(entry.bbox, ref.bbox, entry.img_name);
      for (const key of ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']) assert.deepEqual(entry.prompts![key], ref.prompts[key], `${entry.img_name} ${key}`);
    }
  });

  it('builds p6 from the plugged-in shape answer, as the reference did from OFA\'s', async () => {
    const fixed: ImageAttributeEstimator = { name: 'fixed', estimate: async () => ({ shape: 'square' }) };
    const generated = (await generateDatasetPrompts(SAMPLE, { family: 'busi', estimator: fixed })).get('all')!;
    const entry = generated.find((e) => e.img_name === '2_malignant.png')!;
    assert.deepEqual(entry.prompts!['p6'], [
      'One large square-shaped malignant tumor at the right in the breast ultrasound image.',
      'One large square-shaped irregular tumor at the right in the breast ultrasound image.',
    ]);
    assert.deepEqual(entry['attributes'], { type: 'malignant', regularity: 'irregular', number: 'One', size: 'large', location: 'right', shape: 'square' });
  });

  it('asks a plugged-in estimator the reference\'s question', async () => {
    const questions: string[] = [];
    const spy: ImageAttributeEstimator = { name: 'spy', estimate: async (r) => { questions.push(r.questions.shape, r.questions.color ?? ''); assert.equal((await r.loadImage()).width, 30); return { shape: 'round', color: 'pink' }; } };
    const root = join(dir, 'endo');
    await writePicture(join(root, 'images', '1.png'), 30, 30, 1);
    await writeGray(join(root, 'masks', '1.png'), grayWith(30, 30, [[20, 2, 28, 8]]));
    const [entry] = (await generateDatasetPrompts(root, { family: 'endoscopy', estimator: spy })).get('all')!;
    assert.deepEqual(questions, ['What is the shape of polyp enclosed in green box?', 'What is the color of polyp enclosed in green box?']);
    assert.equal(entry!.prompts!['p6'], 'one small pink round polyp, located in top right of the image');
    assert.deepEqual(Object.keys(entry!), ['bbox', 'cat', 'segment_id', 'img_name', 'mask_name', 'sentences', 'sentences_num', 'prompts', 'attributes']);
  });

  it('writes one file per split, keeping every key of the existing entries', async () => {
    const root = join(dir, 'split');
    await cp(join(SAMPLE, 'images'), join(root, 'images'), { recursive: true });
    await cp(join(SAMPLE, 'masks'), join(root, 'masks'), { recursive: true });
    await writeText(join(root, 'anns', 'val.json'), JSON.stringify([{ img_name: '3_malignant.png', mask_name: '3_malignant.png', sentences: [{ idx: 0, sent_id: 542, sent: '' }], extra: 1 }]));
    const out = join(dir, 'split-out');
    const files = await writeGeneratedPrompts(out, await generateDatasetPrompts(root, { family: 'busi' }));
    assert.deepEqual(files, [join(out, 'val.json')]);
    const [entry] = await readAnnotationFile(join(out, 'val.json'));
    assert.equal(entry!['extra'], 1);
    assert.deepEqual(entry!['sentences'], [{ idx: 0, sent_id: 542, sent: '' }]);
    assert.deepEqual(entry!.bbox, [77, 149, 230, 291]);
  });

  it('generates CAMUS prompts from the entry metadata and DFU entries without a bbox', async () => {
    const root = join(dir, 'camus');
    await writePicture(join(root, 'images', 'train', 'patient0001_2CH_ES.png'), 20, 20, 1);
    await writeGray(join(root, 'masks', 'train', 'mask_1', 'patient0001_2CH_ES_gt.png'), grayWith(20, 20, [[5, 5, 15, 15]]));
    await writeText(join(root, 'anns', 'test.json'), JSON.stringify([{ img_name: 'train/patient0001_2CH_ES.png', mask_name: 'train/mask_1/patient0001_2CH_ES_gt.png', metadata: { sex: 'F', age: '56', quality: 'Good' } }]));
    const [entry] = (await generateDatasetPrompts(root, { family: 'camus' })).get('test')!;
    assert.equal((entry!.prompts!['p6'] as string[])[1], 'Left ventricular cavity in two-chamber view in the cardiac ultrasound at end of the systole cycle of a fifty-six-year-old female with good image quality.');
    assert.equal(entry!.bbox, undefined);
  });

  it('says which CAMUS metadata is missing', async () => {
    const root = join(dir, 'camus-bare');
    await writePicture(join(root, 'images', 'patient0001_4CH_ED.png'), 8, 8, 1);
    await writeGray(join(root, 'masks', 'mask_2', 'patient0001_4CH_ED_gt.png'), grayWith(8, 8, [[1, 1, 4, 4]]));
    await assert.rejects(generateDatasetPrompts(root, { family: 'camus' }), /patient0001_4CH_ED_gt\.png: CAMUS prompts need metadata\.sex \(from Info_2CH\.cfg\/Info_4CH\.cfg\)/);
  });
});

describe('prompt selection', () => {
  const prompts = { p0: '', p1: 'polyp', p7: ['a', 'b', 'c', 'd', 'e'] };

  it('returns a string prompt as it is and picks a list element by seed and sample', () => {
    assert.deepEqual(selectPrompt(prompts, 'p1', 1, 'x.png'), { key: 'p1', text: 'polyp', template: 0, templateCount: 1 });
    const first = selectPrompt(prompts, 'p7', 1, 'x.png');
    assert.deepEqual(selectPrompt(prompts, 'p7', 1, 'x.png'), first);
    const texts = new Set(Array.from({ length: 50 }, (_, i) => selectPrompt(prompts, 'p7', 1, `s${i}`).text));
    assert.equal(texts.size, 5);
  });

  it('chooses among p1..pN, never p0, for prompt type random', () => {
    const keys = new Set(Array.from({ length: 50 }, (_, i) => selectPrompt(prompts, 'random', 3, `s${i}`).key));
    assert.deepEqual([...keys].sort(), ['p1', 'p7']);
  });

  it('names the sample and the prompts it has when the type is missing', () => {
    assert.throws(() => selectPrompt(prompts, 'p9', 1, 'x.png'), { message: 'sample x.png: has no prompt p9; it has p0, p1, p7' });
  });
});

describe('prompted samples for a split', () => {
  it('pairs each record with the text of the requested prompt type, the same for the same epoch', async () => {
    const { readPromptedSplit } = await import('../../src/prompts/prompted-samples.js');
    const root = join(dir, 'prompted');
    await cp(join(SAMPLE, 'images'), join(root, 'images'), { recursive: true });
    await cp(join(SAMPLE, 'masks'), join(root, 'masks'), { recursive: true });
    const reference = JSON.parse(await readFile(join(SAMPLE, 'anns.json'), 'utf8')) as Array<Record<string, unknown>>;
    await writeText(join(root, 'anns', 'train.json'), JSON.stringify(reference.filter((e) => e['split'] === 'train')));
    const a = await readPromptedSplit(root, 'train', { promptType: 'p5', seed: 1 });
    assert.equal(a.length, 10);
    assert.equal(a[0]!.record.imagePath, join(root, 'images', '1_malignant.png'));
    assert.ok((reference[0]!['prompts'] as Record<string, string[]>)['p5']!.includes(a[0]!.text));
    assert.deepEqual((await readPromptedSplit(root, 'train', { promptType: 'p5', seed: 1 })).map((s) => s.text), a.map((s) => s.text));
    const random = await readPromptedSplit(root, 'train', { promptType: 'random', seed: 1, epoch: 3 });
    assert.ok(random.every((s) => s.promptKey !== 'p0'));
    await assert.rejects(readPromptedSplit(root, 'val', { promptType: 'p1', seed: 1 }), { message: `${root}/anns/val.json: no such split file; this root has train` });
  });
});
