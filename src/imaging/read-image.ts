// Image decoding through sharp. Grey conversion is done here, not by libvips, so that it equals
// PIL's convert("L") and OpenCV's IMREAD_GRAYSCALE (ITU-R 601-2 luma, rounded fixed point): the
// reference reads masks that way, and colour-coded masks (BKAI) depend on the exact grey values.
// Only regular files are read, and only formats in DECODED_FORMATS are decoded, after their header
// has been checked against the pixel limit (image-limits.ts).
import sharp from 'sharp';
import { DatasetError } from '../errors.js';
import { readRegularFile } from '../regular-file.js';
import { imageLimits, type ImageLimits } from './image-limits.js';
import type { GrayImage, RgbImage } from './image-types.js';

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** sharp's names of the formats vlsm decodes; libvips can read more (SVG, HEIF, …) but no dataset needs them. */
export const DECODED_FORMATS: readonly string[] = ['png', 'jpeg', 'tiff', 'webp'];

/** The formats in words, for messages and help texts. */
export const DECODED_FORMAT_NAMES = 'PNG, JPEG, TIFF or WebP';

const cannotDecode = (source: string, error: unknown): DatasetError =>
  new DatasetError(`${source}: cannot decode image (${(error as Error).message})`, source, { cause: error });

/** Reads the header only: the size of an image in a decoded format (else a DatasetError naming `source`). */
export async function readImageHeader(input: Buffer, source: string): Promise<ImageSize> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input).metadata();
  } catch (error) {
    throw cannotDecode(source, error);
  }
  if (meta.format === undefined || !DECODED_FORMATS.includes(meta.format)) {
    throw new DatasetError(`${source}: ${meta.format ?? 'unknown'} images are not read; use ${DECODED_FORMAT_NAMES}`, source);
  }
  const { width, height } = meta;
  if (width === undefined || height === undefined) throw cannotDecode(source, new Error('no width or height in header'));
  return { width, height };
}

/** The header's size, checked against `maxPixels` before any pixel is decoded. */
async function checkHeader(input: Buffer, source: string, maxPixels: number): Promise<ImageSize> {
  const { width, height } = await readImageHeader(input, source);
  if (width * height > maxPixels) {
    throw new DatasetError(`${source}: image is ${width}x${height} (${width * height} pixels), over the limit of ${maxPixels} pixels (the CLI's --max-pixels raises it)`, source);
  }
  return { width, height };
}

async function decodeRaw(input: Buffer, source: string, maxPixels: number): Promise<RawPixels> {
  await checkHeader(input, source, maxPixels);
  try {
    const { data, info } = await sharp(input, { failOn: 'error', limitInputPixels: maxPixels })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    throw cannotDecode(source, error);
  }
}

function readInput(path: string, maxBytes: number): Promise<Buffer> {
  return readRegularFile(path, { maxBytes, what: 'image file', error: (message, cause) => new DatasetError(message, path, { cause }) });
}

/** ITU-R 601-2 luma in PIL's fixed point: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. */
export function lumaOf(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

function toGray(raw: RawPixels): GrayImage {
  const { width, height, channels, data } = raw;
  const n = width * height;
  const out = new Uint8Array(n);
  if (channels <= 2) {
    for (let i = 0; i < n; i++) out[i] = data[i * channels]!;
  } else {
    for (let i = 0; i < n; i++) {
      const o = i * channels;
      out[i] = lumaOf(data[o]!, data[o + 1]!, data[o + 2]!);
    }
  }
  return { width, height, data: out };
}

function toRgb(raw: RawPixels): RgbImage {
  const { width, height, channels, data } = raw;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    if (channels <= 2) {
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = data[o]!;
    } else {
      out[3 * i] = data[o]!;
      out[3 * i + 1] = data[o + 1]!;
      out[3 * i + 2] = data[o + 2]!;
    }
  }
  return { width, height, data: out };
}

/** Decodes an encoded image (PNG, JPEG, TIFF, WebP) to 8-bit grey; `source` names it in errors. */
export async function decodeGrayImage(input: Buffer, source: string, limits: Partial<ImageLimits> = {}): Promise<GrayImage> {
  return toGray(await decodeRaw(input, source, limits.maxPixels ?? imageLimits().maxPixels));
}

/** Decodes an encoded image to 8-bit RGB (grey inputs are replicated, alpha is dropped). */
export async function decodeRgbImage(input: Buffer, source: string, limits: Partial<ImageLimits> = {}): Promise<RgbImage> {
  return toRgb(await decodeRaw(input, source, limits.maxPixels ?? imageLimits().maxPixels));
}

/** Reads an image file as 8-bit grey, like PIL `convert("L")`. */
export async function readGrayImage(path: string, limits: Partial<ImageLimits> = {}): Promise<GrayImage> {
  return decodeGrayImage(await readInput(path, limits.maxBytes ?? imageLimits().maxBytes), path, limits);
}

/** Reads an image file as 8-bit RGB. */
export async function readRgbImage(path: string, limits: Partial<ImageLimits> = {}): Promise<RgbImage> {
  return decodeRgbImage(await readInput(path, limits.maxBytes ?? imageLimits().maxBytes), path, limits);
}

/** Reads only the header of an image file: its width and height (within the pixel limit). */
export async function readImageSize(path: string, limits: Partial<ImageLimits> = {}): Promise<ImageSize> {
  const input = await readInput(path, limits.maxBytes ?? imageLimits().maxBytes);
  return checkHeader(input, path, limits.maxPixels ?? imageLimits().maxPixels);
}

/** Reads an image file's bytes as the readers above do: a regular file, within the byte limit. */
export function readImageBytes(path: string, limits: Partial<ImageLimits> = {}): Promise<Buffer> {
  return readInput(path, limits.maxBytes ?? imageLimits().maxBytes);
}
