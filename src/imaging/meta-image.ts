// MetaImage reader (ITK .mhd header + .raw data, the old CAMUS release). Only what 2-D/3-D
// scalar images need: NDims, DimSize, ElementType, ElementDataFile (LOCAL or a sibling file),
// BinaryDataByteOrderMSB / ElementByteOrderMSB, CompressedData (zlib, via node:zlib).
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { DatasetError } from '../errors.js';
import { readRegularFile } from '../regular-file.js';
import { imageLimits } from './image-limits.js';
import { decodeVoxels, type Volume, type VoxelType } from './volume.js';

const ELEMENT_TYPES: Record<string, VoxelType> = {
  MET_UCHAR: 'uint8', MET_CHAR: 'int8', MET_USHORT: 'uint16', MET_SHORT: 'int16',
  MET_UINT: 'uint32', MET_INT: 'int32', MET_FLOAT: 'float32', MET_DOUBLE: 'float64',
};

/** Parses the "Key = value" lines of a MetaImage header. */
export function parseMetaHeader(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf('=');
    if (at < 0) continue;
    fields.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return fields;
}

function readBytes(path: string, what: string): Promise<Buffer> {
  return readRegularFile(path, { maxBytes: imageLimits().maxBytes, what, error: (message, cause) => new DatasetError(message, path, { cause }) });
}

/** Reads a `.mhd` file and the voxel data it points to. */
export async function readMetaImage(mhdPath: string): Promise<Volume> {
  const headerBytes = await readBytes(mhdPath, 'MetaImage header');
  // ElementDataFile is the last header line; with LOCAL the voxels follow it in the same file.
  const marker = headerBytes.indexOf('ElementDataFile');
  const lineEnd = marker < 0 ? -1 : headerBytes.indexOf(0x0a, marker);
  const headerEnd = marker < 0 ? headerBytes.byteLength : lineEnd < 0 ? headerBytes.byteLength : lineEnd + 1;
  const fields = parseMetaHeader(headerBytes.subarray(0, headerEnd).toString('latin1'));
  const need = (key: string): string => {
    const value = fields.get(key);
    if (value === undefined) throw new DatasetError(`${mhdPath}: MetaImage header has no ${key}`, mhdPath);
    return value;
  };
  const dims = need('DimSize').split(/\s+/).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new DatasetError(`${mhdPath}: bad DimSize "${need('DimSize')}"`, mhdPath);
  const elementType = need('ElementType');
  const type = ELEMENT_TYPES[elementType];
  if (type === undefined) {
    throw new DatasetError(`${mhdPath}: unsupported ElementType ${elementType}; supported: ${Object.keys(ELEMENT_TYPES).join(', ')}`, mhdPath);
  }
  const channels = Number(fields.get('ElementNumberOfChannels') ?? '1');
  if (channels !== 1) throw new DatasetError(`${mhdPath}: ElementNumberOfChannels ${channels} is not supported (scalar images only)`, mhdPath);
  const msb = /^true$/i.test(fields.get('BinaryDataByteOrderMSB') ?? fields.get('ElementByteOrderMSB') ?? 'False');
  const dataFile = need('ElementDataFile');
  let bytes: Uint8Array;
  if (dataFile === 'LOCAL') {
    bytes = headerBytes.subarray(headerEnd);
  } else if (dataFile === 'LIST' || dataFile.includes('%')) {
    throw new DatasetError(`${mhdPath}: ElementDataFile "${dataFile}" (file lists) is not supported`, mhdPath);
  } else {
    if (dataFile.includes('/') || dataFile.includes('\\')) {
      throw new DatasetError(`${mhdPath}: ElementDataFile "${dataFile}" must name a file next to the header`, mhdPath);
    }
    bytes = await readBytes(join(dirname(mhdPath), dataFile), 'MetaImage data file');
  }
  if (/^true$/i.test(fields.get('CompressedData') ?? 'False')) {
    try {
      bytes = inflateSync(bytes, { maxOutputLength: imageLimits().maxBytes });
    } catch (error) {
      throw new DatasetError(`${mhdPath}: CompressedData is True but the data does not inflate (${(error as Error).message})`, mhdPath, { cause: error });
    }
  }
  const count = dims.reduce((a, b) => a * b, 1);
  return { dims, data: decodeVoxels(bytes, type, count, !msb, mhdPath), source: mhdPath };
}
