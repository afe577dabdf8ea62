import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { readMetaImage } from '../../src/imaging/meta-image.js';
import { readNifti } from '../../src/imaging/nifti.js';
import { sliceAsGray, sliceAsLabels } from '../../src/imaging/volume.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'vlsm-volume-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** A NIfTI-1 file with a 2-D int16 image (dims x = width, y = height). */
export function niftiBytes(width: number, height: number, values: number[]): Buffer {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  header.writeInt16LE(3, 40);
  header.writeInt16LE(width, 42);
  header.writeInt16LE(height, 44);
  header.writeInt16LE(1, 46);
  header.writeInt16LE(4, 70); // int16
  header.writeInt16LE(16, 72);
  header.writeFloatLE(352, 108);
  header.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => data.writeInt16LE(v, 2 * i));
  return Buffer.concat([header, data]);
}

describe('MetaImage and NIfTI readers', () => {
  it('reads an .mhd header with its .raw data, x fastest', async () => {
    await writeFile(join(dir, 'a.mhd'), 'ObjectType = Image\nNDims = 3\nDimSize = 3 2 1\nElementType = MET_UCHAR\nElementDataFile = a.raw\n');
    await writeFile(join(dir, 'a.raw'), Uint8Array.from([0, 1, 2, 3, 2, 1]));
    const volume = await readMetaImage(join(dir, 'a.mhd'));
    assert.deepEqual(volume.dims, [3, 2, 1]);
    const labels = sliceAsLabels(volume);
    assert.equal(labels.width, 3);
    assert.deepEqual([...labels.data], [0, 1, 2, 3, 2, 1]);
  });

  it('reads big-endian 16-bit MetaImage data and rescales it to 8 bits', async () => {
    await writeFile(join(dir, 'b.mhd'), 'NDims = 2\nDimSize = 2 1\nElementType = MET_SHORT\nBinaryDataByteOrderMSB = True\nElementDataFile = b.raw\n');
    await writeFile(join(dir, 'b.raw'), Uint8Array.from([0x01, 0x00, 0x02, 0x00]));
    assert.deepEqual([...sliceAsGray(await readMetaImage(join(dir, 'b.mhd'))).data], [0, 255]);
  });

  it('says which field is missing from a MetaImage header', async () => {
    await writeFile(join(dir, 'c.mhd'), 'NDims = 2\nElementType = MET_UCHAR\nElementDataFile = c.raw\n');
    await assert.rejects(readMetaImage(join(dir, 'c.mhd')), { name: 'DatasetError', message: `${join(dir, 'c.mhd')}: MetaImage header has no DimSize` });
  });

  it('says how many bytes a short .raw file holds and how many were expected', async () => {
    await writeFile(join(dir, 'd.mhd'), 'NDims = 2\nDimSize = 4 4\nElementType = MET_UCHAR\nElementDataFile = d.raw\n');
    await writeFile(join(dir, 'd.raw'), Uint8Array.from([1, 2, 3]));
    await assert.rejects(readMetaImage(join(dir, 'd.mhd')), { message: `${join(dir, 'd.mhd')}: voxel data has 3 bytes, expected 16 (16 × uint8)` });
  });

  it('reads a gzipped NIfTI-1 file', async () => {
    await writeFile(join(dir, 'e.nii.gz'), gzipSync(niftiBytes(2, 2, [0, 1, 2, 3])));
    const volume = await readNifti(join(dir, 'e.nii.gz'));
    assert.deepEqual(volume.dims, [2, 2, 1]);
    assert.deepEqual([...sliceAsLabels(volume).data], [0, 1, 2, 3]);
  });

  it('rejects a file that is not NIfTI-1', async () => {
    await writeFile(join(dir, 'f.nii'), Buffer.alloc(400));
    await assert.rejects(readNifti(join(dir, 'f.nii')), { message: `${join(dir, 'f.nii')}: not a NIfTI-1 file (sizeof_hdr is not 348)` });
  });
});
