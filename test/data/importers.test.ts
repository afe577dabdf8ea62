import assert from 'node:assert/strict';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { readAnnotationFile } from '../../src/data/annotation-file.js';
import { rleToMask, decodeRleCounts } from '../../src/data/importers/coco-rle.js';
import { encodeRleCounts, maskToRleCounts } from './coco-rle-encode.js';
import { importDataset } from '../../src/data/importers/registry.js';
import { readGrayImage, readImageSize } from '../../src/imaging/read-image.js';
import { grayWith, writeGray, writePicture, writeRgbMask, writeText } from './fixtures.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'vlsm-import-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

async function splitSizes(dst: string): Promise<number[]> {
  return Promise.all(['train', 'val', 'test'].map(async (s) => (await readAnnotationFile(join(dst, 'anns', `${s}.json`))).length));
}

/** A mask with two components, so importers keep multi-component masks intact. */
const twoBlobs = (): ReturnType<typeof grayWith> => grayWith(40, 30, [[2, 2, 10, 10], [25, 15, 35, 25]]);

describe('importers from each release\'s native layout', () => {
  it('imports Kvasir-SEG, copying JPEG images and masks byte for byte with 80/10/10 splits', async () => {
    const src = join(dir, 'kvasir-src');
    for (let i = 0; i < 10; i++) {
      await writePicture(join(src, 'Kvasir-SEG/images', `cju${i}.jpg`), 40, 30, i);
      await writeGray(join(src, 'Kvasir-SEG/masks', `cju${i}.jpg`), twoBlobs());
    }
    const dst = join(dir, 'kvasir');
    const result = await importDataset('kvasir-seg', src, dst);
    assert.deepEqual(result.counts, { train: 8, val: 1, test: 1 });
    assert.deepEqual(await splitSizes(dst), [8, 1, 1]);
    assert.deepEqual(await readFile(join(dst, 'masks', 'cju3.jpg')), await readFile(join(src, 'Kvasir-SEG/masks', 'cju3.jpg')));
    const [entry] = await readAnnotationFile(join(dst, 'anns', 'test.json'));
    assert.deepEqual(Object.keys(entry!), ['cat', 'segment_id', 'img_name', 'mask_name', 'sentences', 'sentences_num']);
    assert.equal(entry!.img_name, entry!.mask_name);
  });

  it('says what Kvasir-SEG should look like when the source is something else', async () => {
    const src = join(dir, 'not-kvasir');
    await writeText(join(src, 'readme.txt'), 'hello');
    await assert.rejects(importDataset('kvasir-seg', src, join(dir, 'x')), {
      name: 'DatasetError',
      message: `${src} does not look like Kvasir-SEG: expected images/ and masks/ (or Kvasir-SEG/images and Kvasir-SEG/masks) with matching <id>.jpg files`,
    });
  });

  it('names the images that have no mask', async () => {
    const src = join(dir, 'kvasir-missing');
    await writePicture(join(src, 'images', 'a.jpg'), 8, 8, 1);
    await writePicture(join(src, 'images', 'b.jpg'), 8, 8, 2);
    await writeGray(join(src, 'masks', 'a.jpg'), grayWith(8, 8, []));
    await assert.rejects(importDataset('kvasir-seg', src, join(dir, 'y')), /expected a mask in .*\/masks for every image in .*\/images; none for b\.jpg$/);
  });

  it('imports CVC-ClinicDB from the TIFF release, converting images and masks to PNG', async () => {
    const src = join(dir, 'clinicdb-src');
    for (let i = 1; i <= 10; i++) {
      await writePicture(join(src, 'Original', `${i}.tif`), 40, 30, i);
      await writeGray(join(src, 'Ground Truth', `${i}.tif`), twoBlobs());
    }
    const dst = join(dir, 'clinicdb');
    await importDataset('cvc-clinicdb', src, dst);
    const mask = await readGrayImage(join(dst, 'masks', '7.png'));
    assert.deepEqual(mask.data, twoBlobs().data);
    assert.deepEqual(await readImageSize(join(dst, 'images', '7.png')), { width: 40, height: 30 });
  });

  it('turns BKAI colour-coded masks (red neoplastic, green non-neoplastic) into binary polyp masks', async () => {
    const src = join(dir, 'bkai-src');
    const name = '0123456789abcdef0123456789abcdef';
    await writePicture(join(src, 'train/train', `${name}.jpeg`), 40, 30, 1);
    await writeRgbMask(join(src, 'train_gt/train_gt', `${name}.jpeg`), 40, 30, (x) => (x < 10 ? [255, 0, 0] : x >= 30 ? [0, 255, 0] : [0, 0, 0]));
    const dst = join(dir, 'bkai');
    await importDataset('bkai-igh', src, dst, { splitsDir: undefined });
    const mask = await readGrayImage(join(dst, 'masks', `${name}.png`));
    assert.equal(mask.data[5], 255);
    assert.equal(mask.data[20], 0);
    assert.equal(mask.data[35], 255);
    assert.deepEqual(new Set(mask.data), new Set([0, 255]));
  });

  it('imports ETIS-LaribPolypDB from its original layout (GroundTruth/p<n>.tif) as test only', async () => {
    const src = join(dir, 'etis-src');
    for (let i = 1; i <= 3; i++) {
      await writePicture(join(src, 'ETIS-LaribPolypDB', `${i}.tif`), 20, 20, i);
      await writeGray(join(src, 'GroundTruth', `p${i}.tif`), grayWith(20, 20, [[5, 5, 10, 10]]));
    }
    const dst = join(dir, 'etis');
    await importDataset('etis-larib', src, dst);
    assert.deepEqual(await splitSizes(dst), [0, 0, 3]);
    assert.deepEqual((await readdir(join(dst, 'masks'))).sort(), ['1.png', '2.png', '3.png']);
  });

  it('imports CVC-ColonDB and CVC-300 from the PraNet TestDataset layout', async () => {
    for (const [format, name] of [['cvc-colondb', 'CVC-ColonDB'], ['cvc-300', 'CVC-300']] as const) {
      const src = join(dir, `${format}-src`);
      for (let i = 1; i <= 2; i++) {
        await writePicture(join(src, 'TestDataset', name, 'images', `${i}.png`), 20, 20, i);
        await writeGray(join(src, 'TestDataset', name, 'masks', `${i}.png`), grayWith(20, 20, [[1, 1, 4, 4]]));
      }
      const dst = join(dir, format);
      await importDataset(format, src, dst);
      assert.deepEqual(await splitSizes(dst), [0, 0, 2]);
    }
  });

  it('keeps the ISIC 2016 official test set as test and splits training 90/10', async () => {
    const src = join(dir, 'isic-src');
    for (let i = 0; i < 10; i++) {
      const id = `ISIC_000000${i}`;
      await writePicture(join(src, 'ISBI2016_ISIC_Part1_Training_Data', `${id}.jpg`), 20, 16, i);
      await writeGray(join(src, 'ISBI2016_ISIC_Part1_Training_GroundTruth', `${id}_Segmentation.png`), grayWith(20, 16, [[3, 3, 12, 12]]));
    }
    for (let i = 0; i < 3; i++) {
      const id = `ISIC_001000${i}`;
      await writePicture(join(src, 'ISBI2016_ISIC_Part1_Test_Data', `${id}.jpg`), 20, 16, i);
      await writeGray(join(src, 'ISBI2016_ISIC_Part1_Test_GroundTruth', `${id}_Segmentation.png`), grayWith(20, 16, [[3, 3, 12, 12]]));
    }
    const dst = join(dir, 'isic');
    await importDataset('isic-2016', src, dst);
    assert.deepEqual(await splitSizes(dst), [9, 1, 3]);
    const test = await readAnnotationFile(join(dst, 'anns', 'test.json'));
    assert.deepEqual(test.map((e) => [e.img_name, e.mask_name]), [
      ['ISIC_0010000.jpg', 'ISIC_0010000_Segmentation.png'], ['ISIC_0010001.jpg', 'ISIC_0010001_Segmentation.png'], ['ISIC_0010002.jpg', 'ISIC_0010002_Segmentation.png'],
    ]);
  });

  it('imports DFU 2022 with .jpg images and .png masks', async () => {
    const src = join(dir, 'dfu-src');
    for (let i = 1; i <= 10; i++) {
      await writePicture(join(src, 'DFUC2022_train_images', `${100000 + i}.jpg`), 20, 20, i);
      await writeGray(join(src, 'DFUC2022_train_masks', `${100000 + i}.png`), grayWith(20, 20, [[2, 2, 6, 6]]));
    }
    const dst = join(dir, 'dfu');
    await importDataset('dfu-2022', src, dst);
    assert.deepEqual(await splitSizes(dst), [8, 1, 1]);
    const [entry] = await readAnnotationFile(join(dst, 'anns', 'train.json'));
    assert.match(entry!.mask_name, /^1000\d\d\.png$/);
    assert.equal(typeof entry!['segment_id'], 'number');
  });

  it('merges BUSI\'s several masks per image, keeps normal images with empty masks, and renames to N_class.png', async () => {
    const src = join(dir, 'busi-src', 'Dataset_BUSI_with_GT');
    await writePicture(join(src, 'benign', 'benign (1).png'), 30, 20, 1);
    await writeGray(join(src, 'benign', 'benign (1)_mask.png'), grayWith(30, 20, [[1, 1, 5, 5]]));
    await writeGray(join(src, 'benign', 'benign (1)_mask_1.png'), grayWith(30, 20, [[20, 10, 25, 15]]));
    for (let i = 1; i <= 3; i++) {
      await writePicture(join(src, 'malignant', `malignant (${i}).png`), 30, 20, 10 + i);
      await writeGray(join(src, 'malignant', `malignant (${i})_mask.png`), grayWith(30, 20, [[10, 5, 20, 15]]));
    }
    await writePicture(join(src, 'normal', 'normal (4).png'), 30, 20, 20);
    await writeGray(join(src, 'normal', 'normal (4)_mask.png'), grayWith(30, 20, []));
    const dst = join(dir, 'busi');
    await importDataset('busi', join(dir, 'busi-src'), dst);
    const merged = await readGrayImage(join(dst, 'masks', '1_benign.png'));
    assert.deepEqual(merged.data, grayWith(30, 20, [[1, 1, 5, 5], [20, 10, 25, 15]]).data);
    assert.equal((await readGrayImage(join(dst, 'masks', '4_normal.png'))).data.some((v) => v !== 0), false);
    const all = [...(await readAnnotationFile(join(dst, 'anns', 'train.json'))), ...(await readAnnotationFile(join(dst, 'anns', 'val.json'))), ...(await readAnnotationFile(join(dst, 'anns', 'test.json')))];
    assert.deepEqual(all.map((e) => e.img_name).sort(), ['1_benign.png', '1_malignant.png', '2_malignant.png', '3_malignant.png', '4_normal.png']);
    assert.deepEqual(all.find((e) => e.img_name === '1_benign.png')!.metadata, { type: 'benign', sourceMasks: 2 });
  });

  it('takes split membership from the reference\'s split files when given them', async () => {
    const splits = join(dir, 'busi-splits');
    await writeText(join(splits, 'train.json'), JSON.stringify([{ img_name: '1_benign.png', mask_name: '1_benign.png' }, { img_name: '4_normal.png', mask_name: '4_normal.png' }]));
    await writeText(join(splits, 'test.json'), JSON.stringify([{ img_name: '2_malignant.png', mask_name: '2_malignant.png' }]));
    const lines: string[] = [];
    const result = await importDataset('busi', join(dir, 'busi-src'), join(dir, 'busi-ref'), { splitsDir: splits, log: (l) => lines.push(l) });
    assert.deepEqual(result.counts, { train: 2, val: 0, test: 1 });
    assert.equal(result.unlisted, 2);
    assert.match(lines[0]!, /^warning: 2 item\(s\) are not listed in .*busi-splits and were left out$/);
  });

  it('refuses to import over an existing dataset', async () => {
    await assert.rejects(importDataset('busi', join(dir, 'busi-src'), join(dir, 'busi')), {
      message: `${join(dir, 'busi')} already holds a dataset (anns/ exists); import into an empty folder`,
    });
  });

  it('imports CAMUS .mhd/.raw pairs with Info cfg files into one binary mask per label, by patient', async () => {
    const src = join(dir, 'camus-src');
    const labels = Uint8Array.from({ length: 8 * 6 }, (_, i) => [0, 1, 2, 3][Math.floor((i % 8) / 2)]!);
    for (let p = 1; p <= 10; p++) {
      const patient = `patient${String(p).padStart(4, '0')}`;
      const folder = join(src, 'training', patient);
      for (const view of ['2CH', '4CH']) {
        await writeText(join(folder, `Info_${view}.cfg`), `ED: 1\nES: 12\nNbFrame: 12\nSex: ${p % 2 ? 'F' : 'M'}\nAge: ${40 + p}\nImageQuality: ${view === '2CH' ? 'Good' : 'Poor'}\n`);
        for (const phase of ['ED', 'ES']) {
          const stem = `${patient}_${view}_${phase}`;
          await writeText(join(folder, `${stem}.mhd`), `ObjectType = Image\nNDims = 3\nDimSize = 8 6 1\nElementType = MET_UCHAR\nElementDataFile = ${stem}.raw\n`);
          await writeText(join(folder, `${stem}.raw`), Buffer.from(Uint8Array.from({ length: 48 }, (_, i) => i * 5)));
          await writeText(join(folder, `${stem}_gt.mhd`), `ObjectType = Image\nNDims = 3\nDimSize = 8 6 1\nElementType = MET_UCHAR\nElementDataFile = ${stem}_gt.raw\n`);
          await writeText(join(folder, `${stem}_gt.raw`), Buffer.from(labels));
        }
      }
    }
    const dst = join(dir, 'camus');
    const result = await importDataset('camus', src, dst);
    assert.deepEqual(result.counts, { train: 96, val: 12, test: 12 });
    const mask2 = await readGrayImage(join(dst, 'masks', 'train', 'mask_2', 'patient0001_2CH_ED_gt.png'));
    assert.equal(mask2.width, 352);
    // Label 2 occupies columns 4–5 of 8: columns 176–263 after nearest-neighbour resampling.
    assert.deepEqual([mask2.data[175], mask2.data[176], mask2.data[263], mask2.data[264]], [0, 255, 255, 0]);
    const all = [...(await readAnnotationFile(join(dst, 'anns', 'train.json'))), ...(await readAnnotationFile(join(dst, 'anns', 'val.json')))];
    const entry = all.find((e) => e.mask_name === 'train/mask_3/patient0001_4CH_ES_gt.png')!;
    assert.deepEqual(entry, { img_name: 'train/patient0001_4CH_ES.png', mask_name: 'train/mask_3/patient0001_4CH_ES_gt.png', metadata: { patient: 'patient0001', view: '4CH', phase: 'ES', label: 3, sex: 'F', age: '41', quality: 'Poor' } });
    const val = await readAnnotationFile(join(dst, 'anns', 'val.json'));
    assert.equal(new Set(val.map((e) => (e.metadata as { patient: string }).patient)).size, 1);
  });

  it('resolves CAMUS names listed in both val and test by release (training → val, testing → test)', async () => {
    const src = join(dir, 'camus-both-src');
    for (const release of ['training', 'testing']) {
      const folder = join(src, release, 'patient0001');
      for (const view of ['2CH', '4CH']) {
        await writeText(join(folder, `Info_${view}.cfg`), `Sex: ${release === 'training' ? 'F' : 'M'}\nAge: 56\nImageQuality: Good\n`);
        for (const phase of ['ED', 'ES']) {
          for (const suffix of ['', '_gt']) {
            const stem = `patient0001_${view}_${phase}${suffix}`;
            await writeText(join(folder, `${stem}.mhd`), `NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\nElementDataFile = ${stem}.raw\n`);
            await writeText(join(folder, `${stem}.raw`), Buffer.from([0, 1, 2, 3]));
          }
        }
      }
    }
    const listed = ['2CH_ED', '2CH_ES', '4CH_ED', '4CH_ES'].flatMap((f) => [1, 2, 3].map((k) => ({ img_name: `patient0001_${f}.png`, mask_name: `mask_${k}/patient0001_${f}_gt.png` })));
    const splits = join(dir, 'camus-splits');
    await writeText(join(splits, 'val.json'), JSON.stringify(listed));
    await writeText(join(splits, 'test.json'), JSON.stringify(listed));
    const dst = join(dir, 'camus-both');
    const result = await importDataset('camus', src, dst, { splitsDir: splits, resize: 0 });
    assert.deepEqual(result.counts, { train: 0, val: 12, test: 12 });
    const val = await readAnnotationFile(join(dst, 'anns', 'val.json'));
    const test = await readAnnotationFile(join(dst, 'anns', 'test.json'));
    assert.ok(val.every((e) => e.img_name.startsWith('train/') && (e.metadata as { sex: string }).sex === 'F'));
    assert.ok(test.every((e) => e.img_name.startsWith('test/') && (e.metadata as { sex: string }).sex === 'M'));
  });

  it('imports CAMUS with shipped split files that have no train.json: unlisted patients go to train', async () => {
    const listed = (patient: string): { img_name: string; mask_name: string }[] => ['2CH_ED', '2CH_ES', '4CH_ED', '4CH_ES'].flatMap((f) => [1, 2, 3].map((k) => ({ img_name: `${patient}_${f}.png`, mask_name: `mask_${k}/${patient}_${f}_gt.png` })));
    const splits = join(dir, 'camus-no-train-splits');
    await writeText(join(splits, 'val.json'), JSON.stringify(listed('patient0001')));
    await writeText(join(splits, 'test.json'), JSON.stringify(listed('patient0002')));
    const lines: string[] = [];
    const result = await importDataset('camus', join(dir, 'camus-src'), join(dir, 'camus-no-train'), { splitsDir: splits, resize: 0, log: (l) => lines.push(l) });
    assert.deepEqual(result.counts, { train: 96, val: 12, test: 12 });
    assert.equal(result.unlisted, 0);
    assert.ok(lines.some((l) => /^96 item\(s\) not listed in .*camus-no-train-splits, which has no train\.json, go to train$/.test(l)), lines.join('\n'));
    const train = await readAnnotationFile(join(dir, 'camus-no-train', 'anns', 'train.json'));
    assert.deepEqual([...new Set(train.map((e) => (e.metadata as { patient: string }).patient))].sort(), ['patient0003', 'patient0004', 'patient0005', 'patient0006', 'patient0007', 'patient0008', 'patient0009', 'patient0010']);
  });

  it('reads CAMUS .nii.gz frames from the NIfTI release, at their own size with resize 0', async () => {
    const src = join(dir, 'camus-nii-src');
    const folder = join(src, 'database_nifti', 'patient0001');
    const nifti = (values: number[]): Buffer => {
      const header = Buffer.alloc(352);
      header.writeInt32LE(348, 0);
      header.writeInt16LE(2, 40); header.writeInt16LE(4, 42); header.writeInt16LE(2, 44);
      header.writeInt16LE(2, 70); header.writeInt16LE(8, 72);
      header.writeFloatLE(352, 108);
      header.write('n+1\0', 344, 'latin1');
      return gzipSync(Buffer.concat([header, Buffer.from(values)]));
    };
    for (const view of ['2CH', '4CH']) {
      await writeText(join(folder, `Info_${view}.cfg`), 'Sex: M\nAge: 73\nImageQuality: Medium\n');
      for (const phase of ['ED', 'ES']) {
        await writeText(join(folder, `patient0001_${view}_${phase}.nii.gz`), nifti([10, 20, 30, 40, 50, 60, 70, 80]));
        await writeText(join(folder, `patient0001_${view}_${phase}_gt.nii.gz`), nifti([0, 1, 1, 2, 3, 3, 0, 0]));
      }
    }
    const dst = join(dir, 'camus-nii');
    await importDataset('camus', src, dst, { resize: 0 });
    const all = [...(await readAnnotationFile(join(dst, 'anns', 'train.json'))), ...(await readAnnotationFile(join(dst, 'anns', 'val.json'))), ...(await readAnnotationFile(join(dst, 'anns', 'test.json')))];
    assert.equal(all.length, 12);
    const image = await readGrayImage(join(dst, 'images', 'train', 'patient0001_4CH_ES.png'));
    assert.deepEqual([image.width, image.height, ...image.data], [4, 2, 10, 20, 30, 40, 50, 60, 70, 80]);
    const mask3 = await readGrayImage(join(dst, 'masks', 'train', 'mask_3', 'patient0001_4CH_ES_gt.png'));
    assert.deepEqual([...mask3.data], [0, 0, 0, 0, 255, 255, 0, 0]);
  });

  it('imports CheXlocalize polygons with CheXpert labels into one mask per finding and resizes to a 512 short side', async () => {
    const src = join(dir, 'chex-src');
    const ids = ['patient64541_study1_view1_frontal', 'patient64542_study1_view1_frontal', 'patient64543_study2_view2_lateral'];
    const annotations: Record<string, unknown> = {};
    for (const id of ids) {
      const [patient, study, view, side] = id.split('_');
      await writePicture(join(src, 'CheXpert', 'val', patient!, study!, `${view}_${side}.jpg`), 64, 48, 3);
      annotations[id] = { img_size: [48, 64], 'Airspace Opacity': [[[10, 10], [30, 10], [30, 30], [10, 30]]], Cardiomegaly: [], 'Support Devices': [[[40, 5], [50, 5], [50, 15]]] };
    }
    await writeText(join(src, 'gt_annotations_val.json'), JSON.stringify(annotations));
    await writeText(join(src, 'CheXpert', 'val_labels.csv'), 'Path,Sex,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Support Devices\n'
      + 'CheXpert-v1.0/valid/patient64541/study1/view1_frontal.jpg,Male,0,1,0,1,1\n');
    const dst = join(dir, 'chex');
    const result = await importDataset('chexlocalize', src, dst);
    assert.equal(result.counts.train + result.counts.val + result.counts.test, 6);
    const all = [...(await readAnnotationFile(join(dst, 'anns', 'train.json'))), ...(await readAnnotationFile(join(dst, 'anns', 'val.json'))), ...(await readAnnotationFile(join(dst, 'anns', 'test.json')))];
    const entry = all.find((e) => e.mask_name === 'patient64541_study1_view1_frontal_airspace_opacity.png')!;
    assert.deepEqual(entry.metadata, { finding: 'Airspace Opacity', view: 'frontal', patient: 'patient64541', pathologies: ['Enlarged Cardiomediastinum', 'Lung Opacity', 'Support Devices'] });
    assert.deepEqual(await readImageSize(join(dst, 'images', 'patient64541_study1_view1_frontal.jpg')), { width: 683, height: 512 });
    const mask = await readGrayImage(join(dst, 'masks', 'patient64541_study1_view1_frontal_airspace_opacity.png'));
    assert.equal(mask.width, 683);
    assert.equal(mask.data[Math.round(20 * 512 / 48) * 683 + Math.round(20 * 683 / 64)], 255);
    assert.equal(mask.data[0], 0);
  });

  it('imports CheXlocalize COCO-RLE segmentations at the original size when told not to resize', async () => {
    const src = join(dir, 'chex-rle-src');
    const id = 'patient64600_study1_view1_frontal';
    await writePicture(join(src, 'CheXpert', 'test', 'patient64600', 'study1', 'view1_frontal.jpg'), 12, 10, 4);
    const edema = grayWith(12, 10, [[2, 2, 6, 5], [8, 6, 11, 9]]);
    await writeText(join(src, 'gt_segmentations_test.json'), JSON.stringify({
      [id]: { Edema: { size: [10, 12], counts: encodeRleCounts(maskToRleCounts(edema)) }, Cardiomegaly: { size: [10, 12], counts: encodeRleCounts([120]) } },
    }));
    const dst = join(dir, 'chex-rle');
    await importDataset('chexlocalize', src, dst, { resize: 0 });
    const all = [...(await readAnnotationFile(join(dst, 'anns', 'train.json'))), ...(await readAnnotationFile(join(dst, 'anns', 'val.json'))), ...(await readAnnotationFile(join(dst, 'anns', 'test.json')))];
    assert.deepEqual(all.map((e) => e.mask_name), [`${id}_edema.png`]);
    assert.deepEqual((await readGrayImage(join(dst, 'masks', `${id}_edema.png`))).data, edema.data);
    assert.deepEqual(await readFile(join(dst, 'images', `${id}.jpg`)), await readFile(join(src, 'CheXpert', 'test', 'patient64600', 'study1', 'view1_frontal.jpg')));
  });

  it('decodes COCO RLE strings column-major and round-trips them', () => {
    const mask = grayWith(7, 5, [[1, 1, 4, 3], [5, 0, 7, 5]]);
    const counts = maskToRleCounts(mask);
    assert.deepEqual(decodeRleCounts(encodeRleCounts(counts)), counts);
    assert.deepEqual(rleToMask({ size: [5, 7], counts: encodeRleCounts(counts) }).data, mask.data);
    // pycocotools' encoding of a 2×2 mask with only its bottom-right pixel set: counts [3, 1].
    assert.deepEqual([...rleToMask({ size: [2, 2], counts: '31' }).data], [0, 0, 0, 255]);
  });
});
