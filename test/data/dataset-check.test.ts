import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkDataset, formatCheckReport } from '../../src/data/dataset-check.js';
import { grayWith, writeGray, writePicture, writeText } from './fixtures.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'vlsm-check-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

const entry = (name: string, mask = name): { img_name: string; mask_name: string } => ({ img_name: name, mask_name: mask });

describe('vlsm data check', () => {
  it('reports nothing for a clean dataset', async () => {
    const root = join(dir, 'clean');
    await writePicture(join(root, 'images', 'a.png'), 10, 8, 1);
    await writeGray(join(root, 'masks', 'a.png'), grayWith(10, 8, [[1, 1, 4, 4]]));
    await writeText(join(root, 'anns', 'train.json'), JSON.stringify([entry('a.png')]));
    const report = await checkDataset(root);
    assert.deepEqual(report.issues, []);
    assert.equal(formatCheckReport(report), `${root}: 1 entries checked, 0 error(s), 0 warning(s)`);
  });

  it('reports missing files, size mismatches, non-binary and empty masks, duplicates and leakage', async () => {
    const root = join(dir, 'broken');
    await writePicture(join(root, 'images', 'a.png'), 10, 8, 1);
    await writeGray(join(root, 'masks', 'a.png'), grayWith(10, 8, [[1, 1, 4, 4, 200]]));
    await writePicture(join(root, 'images', 'b.png'), 10, 8, 2);
    await writeGray(join(root, 'masks', 'b.png'), grayWith(12, 8, []));
    await copyFile(join(root, 'images', 'a.png'), join(root, 'images', 'a-copy.png'));
    await writeGray(join(root, 'masks', 'a-copy.png'), grayWith(10, 8, [[1, 1, 4, 4]]));
    await writePicture(join(root, 'images', 'c.png'), 10, 8, 3);
    await writeGray(join(root, 'masks', 'c.png'), grayWith(10, 8, [[1, 1, 4, 4]]));
    await writeText(join(root, 'anns', 'train.json'), JSON.stringify([entry('a.png'), entry('b.png'), entry('missing.png'), entry('a.png'), entry('c.png')]));
    await writeText(join(root, 'anns', 'test.json'), JSON.stringify([entry('a-copy.png'), entry('c.png')]));
    const report = await checkDataset(root);
    const train = join(root, 'anns', 'train.json');
    assert.deepEqual(report.issues.map((i) => [i.severity, i.code, i.message]), [
      ['warning', 'duplicate-entry', `${train}, entry 3: repeats entry 0 (a.png, a.png)`],
      ['warning', 'non-binary-mask', `${train}, entry 0: mask has 9 pixels that are neither 0 nor 255 (expected a 0/255 mask)`],
      ['error', 'size-mismatch', `${train}, entry 1: mask is 12×8 but image ${join(root, 'images', 'b.png')} is 10×8`],
      ['warning', 'empty-mask', `${train}, entry 1: mask has no foreground pixel (≥ 128)`],
      ['error', 'missing-file', `${train}, entry 2: image ${join(root, 'images', 'missing.png')} does not exist`],
      ['error', 'missing-file', `${train}, entry 2: mask ${join(root, 'masks', 'missing.png')} does not exist`],
      ['warning', 'non-binary-mask', `${train}, entry 3: mask has 9 pixels that are neither 0 nor 255 (expected a 0/255 mask)`],
      ['error', 'leakage', `the same image content appears in splits train and test: ${join(root, 'images', 'a.png')} (train), ${join(root, 'images', 'a-copy.png')} (test)`],
      ['error', 'leakage', `image ${join(root, 'images', 'c.png')} is listed in splits train and test`],
    ]);
    assert.equal(report.errors, 5);
    assert.equal(report.warnings, 4);
  });

  it('reports malformed annotation JSON and paths escaping the root without stopping', async () => {
    const root = join(dir, 'bad-json');
    await writePicture(join(root, 'images', 'a.png'), 4, 4, 1);
    await writeGray(join(root, 'masks', 'a.png'), grayWith(4, 4, [[0, 0, 2, 2]]));
    await writeText(join(root, 'anns', 'train.json'), '[{"img_name": "a.png",');
    await writeText(join(root, 'anns', 'test.json'), JSON.stringify([entry('a.png', '../../../etc/passwd'), entry('a.png')]));
    const report = await checkDataset(root);
    assert.deepEqual(report.issues.map((i) => i.code), ['bad-annotations', 'path-escape']);
    assert.match(report.issues[0]!.message, /train\.json: malformed JSON \(/);
    assert.equal(report.issues[1]!.message, `${join(root, 'anns', 'test.json')}, entry 0: mask path "../../../etc/passwd" escapes the dataset root ${root}`);
    assert.equal(report.records, 1);
  });

  it('reports a corrupt mask as unreadable, naming the file', async () => {
    const root = join(dir, 'corrupt');
    await writePicture(join(root, 'images', 'a.png'), 4, 4, 1);
    await writeText(join(root, 'masks', 'a.png'), 'not a png');
    await writeText(join(root, 'anns', 'val.json'), JSON.stringify([entry('a.png')]));
    const report = await checkDataset(root);
    assert.equal(report.issues[0]!.code, 'unreadable-image');
    assert.match(report.issues[0]!.message, new RegExp(`entry 0: ${join(root, 'masks', 'a.png').replace(/[/.]/g, '\\$&')}: cannot decode image \\(`));
  });

  it('checks a root without anns/ by pairing images and masks', async () => {
    const root = join(dir, 'flat');
    await writePicture(join(root, 'images', 'x.jpg'), 6, 6, 1);
    await writeGray(join(root, 'masks', 'x.png'), grayWith(6, 6, []));
    const report = await checkDataset(root);
    assert.deepEqual(report.issues.map((i) => i.code), ['empty-mask']);
  });
});
