// Image decoding through sharp. Grey conversion is done here, not by libvips, so that it equals
// PIL's convert("L") and OpenCV's IMREAD_GRAYSCALE (ITU-R 601-2 luma, rounded fixed point): the
// reference reads masks that way, and colour-coded masks (BKAI) depend on the exact grey values.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { DatasetError } from '../errors.js';
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

async function decodeRaw(input: Buffer, source: string): Promise<RawPixels> {
  try {
    const { data, info } = await sharp(input, { failOn: 'error' }).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    throw new DatasetError(`${source}: cannot decode image (${(error as Error).message})`, source, { cause: error });
  }
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new DatasetError(`${path}: cannot read image file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, path, { cause: error });
  }
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

/** Decodes an encoded image (PNG, JPEG, TIFF, …) to 8-bit grey; `source` names it in errors. */
export async function decodeGrayImage(input: Buffer, source: string): Promise<GrayImage> {
  return toGray(await decodeRaw(input, source));
}

/** Decodes an encoded image to 8-bit RGB (grey inputs are replicated, alpha is dropped). */
export async function decodeRgbImage(input: Buffer, source: string): Promise<RgbImage> {
  return toRgb(await decodeRaw(input, source));
}

/** Reads an image file as 8-bit grey, like PIL `convert("L")`. */
export async function readGrayImage(path: string): Promise<GrayImage> {
  return decodeGrayImage(await readInput(path), path);
}

/** Reads an image file as 8-bit RGB. */
export async function readRgbImage(path: string): Promise<RgbImage> {
  return decodeRgbImage(await readInput(path), path);
}

/** Reads only the header of an image file: its width and height. */
export async function readImageSize(path: string): Promise<ImageSize> {
  const input = await readInput(path);
  try {
    const meta = await sharp(input).metadata();
    if (meta.width === undefined || meta.height === undefined) throw new Error('no width or height in header');
    return { width: meta.width, height: meta.height };
  } catch (error) {
    throw new DatasetError(`${path}: cannot decode image (${(error as Error).message})`, path, { cause: error });
  }
}
