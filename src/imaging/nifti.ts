// NIfTI-1 reader (.nii, and .nii.gz through node:zlib gunzip), the newer CAMUS release.
// Scalar data types only; scl_slope/scl_inter are applied when slope is non-zero and not 1.
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '../errors.js';
import { readRegularFile } from '../regular-file.js';
import { imageLimits } from './image-limits.js';
import { decodeVoxels, type Volume, type VoxelType } from './volume.js';

const DATATYPES: Record<number, VoxelType> = {
  2: 'uint8', 4: 'int16', 8: 'int32', 16: 'float32', 64: 'float64', 256: 'int8', 512: 'uint16', 768: 'uint32',
};

/** Parses NIfTI-1 bytes (already gunzipped); `source` names the file in errors. */
export function parseNifti(bytes: Uint8Array, source: string): Volume {
  if (bytes.byteLength < 352) throw new DatasetError(`${source}: ${bytes.byteLength} bytes is too short for a NIfTI-1 header (348 + 4)`, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little = true;
  if (view.getInt32(0, true) !== 348) {
    if (view.getInt32(0, false) !== 348) throw new DatasetError(`${source}: not a NIfTI-1 file (sizeof_hdr is not 348)`, source);
    little = false;
  }
  const magic = String.fromCharCode(...bytes.subarray(344, 347));
  if (magic !== 'n+1' && magic !== 'ni1') throw new DatasetError(`${source}: not a NIfTI-1 file (magic "${magic}")`, source);
  if (magic === 'ni1') throw new DatasetError(`${source}: header/image pairs (.hdr/.img) are not supported; use a single .nii`, source);
  const ndim = view.getInt16(40, little);
  if (ndim < 1 || ndim > 7) throw new DatasetError(`${source}: bad dim[0] ${ndim}`, source);
  const dims: number[] = [];
  for (let i = 1; i <= ndim; i++) dims.push(view.getInt16(40 + 2 * i, little));
  if (dims.some((d) => d < 1)) throw new DatasetError(`${source}: bad dim [${dims.join(', ')}]; every size must be at least 1`, source);
  const code = view.getInt16(70, little);
  const type = DATATYPES[code];
  if (type === undefined) throw new DatasetError(`${source}: unsupported NIfTI datatype ${code}`, source);
  const offset = Math.floor(view.getFloat32(108, little));
  const slope = view.getFloat32(112, little);
  const inter = view.getFloat32(116, little);
  const count = dims.reduce((a, b) => a * b, 1);
  let data = decodeVoxels(bytes.subarray(offset), type, count, little, source);
  if (slope !== 0 && (slope !== 1 || inter !== 0) && Number.isFinite(slope)) {
    data = Float64Array.from(data as ArrayLike<number>, (v) => v * slope + inter);
  }
  return { dims, data, source };
}

/** Reads a `.nii` or `.nii.gz` file. */
export async function readNifti(path: string): Promise<Volume> {
  const { maxBytes } = imageLimits();
  let bytes: Uint8Array = await readRegularFile(path, { maxBytes, what: 'NIfTI file', error: (message, cause) => new DatasetError(message, path, { cause }) });
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // Inflated within the same byte limit: a small .nii.gz can expand to gigabytes.
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      throw new DatasetError(`${path}: gzip data is corrupt (${(error as Error).message})`, path, { cause: error });
    }
  }
  return parseNifti(bytes, path);
}
