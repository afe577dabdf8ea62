import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAnnotations, readAnnotationFile, writeAnnotationFile } from '../../src/data/annotation-file.js';
import { resolveInsideRoot } from '../../src/data/inside-root.js';
import { pairImageForMask, readReferenceDataset } from '../../src/data/reference-layout.js';
import { splitIds, splitIdsStratified } from '../../src/data/splits.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'vlsm-layout-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

async function layout(name: string, anns: Record<string, unknown>): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, 'anns'), { recursive: true });
  await mkdir(join(root, 'images'), { recursive: true });
  await mkdir(join(root, 'masks'), { recursive: true });
  for (const [split, value] of Object.entries(anns)) {
    await writeFile(join(root, 'anns', `${split}.json`), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return root;
}

describe('annotation files', () => {
  it('reads string and list prompts and keeps unknown keys through a rewrite', async () => {
    const entry = { bbox: [1, 2, 3, 4], cat: 0, segment_id: 7, img_name: '7.png', mask_name: '7.png', sentences: [{ idx: 0, sent_id: 3, sent: '' }], sentences_num: 1, prompts: { p0: '', p1: 'polyp', p7: ['a', 'b'] }, extra: { kept: true } };
    const file = join(dir, 'rewrite.json');
    await writeAnnotationFile(file, parseAnnotations(JSON.stringify([entry]), file));
    const back = await readAnnotationFile(file);
    assert.deepEqual(back, [entry]);
    assert.deepEqual(Object.keys(JSON.parse(await readFile(file, 'utf8'))[0]), Object.keys(entry));
  });

  it('names the file when its JSON is malformed', () => {
    assert.throws(() => parseAnnotations('[{"img_name": ', 'anns/train.json'), (error: Error) => {
      assert.equal(error.name, 'DatasetError');
      assert.match(error.message, /^anns\/train\.json: malformed JSON \(/);
      return true;
    });
  });

  it('names the entry and field of a schema problem', () => {
    assert.throws(() => parseAnnotations('[{"img_name": "a.png", "mask_name": "a.png"}, {"img_name": "b.png", "prompts": {"p1": 3}}]', 'anns/val.json'), {
      name: 'DatasetError',
      message: 'anns/val.json: entry 1 field mask_name: Required; entry 1 field prompts.p1: expected a string or a list of strings',
    });
  });

  it('rejects a file that is not a list', () => {
    assert.throws(() => parseAnnotations('{"img_name": "a"}', 'x.json'), { message: 'x.json: expected a JSON list of entries, got object' });
  });
});

describe('reference layout', () => {
  it('turns each entry of each split file into a record with absolute paths inside the root', async () => {
    const root = await layout('ok', {
      train: [{ img_name: 'a.jpg', mask_name: 'a.png', prompts: { p0: '' } }],
      test: [{ img_name: 'b.jpg', mask_name: 'b.png', metadata: { type: 'benign' } }],
    });
    const dataset = await readReferenceDataset(root);
    assert.deepEqual([...dataset.splits.keys()], ['train', 'test']);
    assert.deepEqual(dataset.records.map((r) => [r.id, r.split, r.imagePath, r.maskPaths[0], r.metadata]), [
      ['a.png', 'train', join(root, 'images', 'a.jpg'), join(root, 'masks', 'a.png'), {}],
      ['b.png', 'test', join(root, 'images', 'b.jpg'), join(root, 'masks', 'b.png'), { type: 'benign' }],
    ]);
  });

  it('rejects a mask path that escapes the dataset root, naming file and entry', async () => {
    const root = await layout('escape', { train: [{ img_name: 'a.jpg', mask_name: '../../x.png' }] });
    const file = join(root, 'anns', 'train.json');
    await assert.rejects(readReferenceDataset(root), {
      name: 'DatasetError',
      message: `${file}, entry 0: mask path "../../x.png" escapes the dataset root ${root}`,
    });
  });

  it('rejects an absolute image path', () => {
    assert.throws(() => resolveInsideRoot('/data/kvasir', '/etc/passwd', 'entry 3: image path'), {
      message: 'entry 3: image path "/etc/passwd" escapes the dataset root /data/kvasir',
    });
  });

  it('allows names with sub-folders that stay inside (CAMUS mask_k)', () => {
    assert.equal(resolveInsideRoot('/d/masks', 'train/mask_1/p_gt.png', 'x'), '/d/masks/train/mask_1/p_gt.png');
  });

  it('pairs masks with images by stem, dropping trailing tokens and mask_k folders', () => {
    const images = ['ISIC_0000001.jpg', 'patient1_study1_view1_frontal.jpg', 'train/patient0001_2CH_ED.png', '100001.jpg'];
    assert.equal(pairImageForMask('ISIC_0000001_Segmentation.png', images), 'ISIC_0000001.jpg');
    assert.equal(pairImageForMask('patient1_study1_view1_frontal_pleural_effusion.png', images), 'patient1_study1_view1_frontal.jpg');
    assert.equal(pairImageForMask('train/mask_2/patient0001_2CH_ED_gt.png', images), 'train/patient0001_2CH_ED.png');
    assert.equal(pairImageForMask('100001.png', images), '100001.jpg');
    assert.equal(pairImageForMask('nothing.png', images), undefined);
  });
});

describe('splits', () => {
  const ids = Array.from({ length: 100 }, (_, i) => `id${i}`);

  it('gives round(ratio·N) to val and test and is the same for the same seed', () => {
    const a = splitIds(ids, { val: 0.1, test: 0.1 }, 444);
    const counts = { train: 0, val: 0, test: 0 };
    for (const split of a.values()) counts[split]++;
    assert.deepEqual(counts, { train: 80, val: 10, test: 10 });
    assert.deepEqual([...splitIds(ids, { val: 0.1, test: 0.1 }, 444)], [...a]);
    assert.notDeepEqual([...splitIds(ids, { val: 0.1, test: 0.1 }, 445)], [...a]);
  });

  it('keeps every member of a group in one split', () => {
    const split = splitIds(ids, { val: 0.2, test: 0.2 }, 1, (id) => `p${Number(id.slice(2)) % 10}`);
    for (let g = 0; g < 10; g++) {
      const inGroup = ids.filter((id) => Number(id.slice(2)) % 10 === g).map((id) => split.get(id));
      assert.equal(new Set(inGroup).size, 1);
    }
  });

  it('splits each stratum separately', () => {
    const split = splitIdsStratified(ids, { val: 0.1, test: 0.1 }, 42, (id) => (Number(id.slice(2)) < 30 ? 'a' : 'b'));
    const valA = ids.filter((id) => Number(id.slice(2)) < 30 && split.get(id) === 'val').length;
    assert.equal(valA, 3);
  });
});
