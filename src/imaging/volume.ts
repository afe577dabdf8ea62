// A medical image volume as read from MetaImage (.mhd/.raw) or NIfTI (.nii/.nii.gz):
// `dims` lists sizes with x (columns) fastest, as SimpleITK's GetSize() does.
import { DatasetError } from '../errors.js';
import type { GrayImage } from './image-types.js';
import { toUint8Range } from './resize.js';

export type VoxelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface Volume {
  readonly dims: readonly number[];
  readonly data: VoxelArray;
  readonly source: string;
}

export type VoxelType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

const BYTES: Record<VoxelType, number> = { uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, float64: 8 };

/** Copies `count` voxels of `type` out of `bytes` (endianness as given) into a typed array. */
export function decodeVoxels(bytes: Uint8Array, type: VoxelType, count: number, littleEndian: boolean, source: string): VoxelArray {
  const need = count * BYTES[type];
  if (bytes.byteLength < need) {
    throw new DatasetError(`${source}: voxel data has ${bytes.byteLength} bytes, expected ${need} (${count} × ${type})`, source);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, need);
  switch (type) {
    case 'uint8': return Uint8Array.from(bytes.subarray(0, count));
    case 'int8': return Int8Array.from(bytes.subarray(0, count), (b) => (b << 24) >> 24);
    case 'uint16': return Uint16Array.from({ length: count }, (_, i) => view.getUint16(2 * i, littleEndian));
    case 'int16': return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i, littleEndian));
    case 'uint32': return Uint32Array.from({ length: count }, (_, i) => view.getUint32(4 * i, littleEndian));
    case 'int32': return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, littleEndian));
    case 'float32': return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, littleEndian));
    case 'float64': return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, littleEndian));
  }
}

/** The first 2-D slice (z = 0, t = 0) of a volume; CAMUS frames are 2-D already. */
export function firstSlice(volume: Volume): { width: number; height: number; data: VoxelArray } {
  const [width = 1, height = 1] = volume.dims;
  return { width, height, data: volume.data.subarray(0, width * height) as VoxelArray };
}

/** A label map (values taken as-is, must fit 0..255) from the first slice. */
export function sliceAsLabels(volume: Volume): GrayImage {
  const { width, height, data } = firstSlice(volume);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const v = data[i]!;
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) {
      throw new DatasetError(`${volume.source}: label value ${v} at voxel ${i} is not an integer in 0..255`, volume.source);
    }
    out[i] = v;
  }
  return { width, height, data: out };
}

/** An 8-bit picture from the first slice: uint8 data unchanged, anything else min–max scaled. */
export function sliceAsGray(volume: Volume): GrayImage {
  const { width, height, data } = firstSlice(volume);
  return { width, height, data: data instanceof Uint8Array ? Uint8Array.from(data) : toUint8Range(data) };
}
