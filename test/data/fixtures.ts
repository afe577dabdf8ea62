// Helpers that build small synthetic copies of native dataset layouts inside temp folders.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import type { GrayImage } from '../../src/imaging/image-types.js';

export type Rect = [x0: number, y0: number, x1: number, y1: number, value?: number];

export function grayWith(width: number, height: number, rects: Rect[]): GrayImage {
  const data = new Uint8Array(width * height);
  for (const [x0, y0, x1, y1, value = 255] of rects) {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = value;
  }
  return { width, height, data };
}

async function save(path: string, buffer: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, buffer);
}

/** Writes a grey image in the format its extension names (png, jpg, jpeg, tif). */
export async function writeGray(path: string, image: GrayImage): Promise<void> {
  const s = sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 1 } });
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  await save(path, await (ext === 'png' ? s.png() : ext === 'tif' || ext === 'tiff' ? s.tiff({ compression: 'lzw' }) : s.jpeg({ quality: 100 })).toBuffer());
}

/** Writes an RGB picture filled with `rgb`, with a gradient so images differ by `seed`. */
export async function writePicture(path: string, width: number, height: number, seed: number): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[3 * i] = (i * 7 + seed * 31) % 256;
    data[3 * i + 1] = (i * 3 + seed * 17) % 256;
    data[3 * i + 2] = (seed * 53) % 256;
  }
  const s = sharp(data, { raw: { width, height, channels: 3 } });
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  await save(path, await (ext === 'png' ? s.png() : ext === 'tif' || ext === 'tiff' ? s.tiff({ compression: 'lzw' }) : s.jpeg({ quality: 90 })).toBuffer());
}

/** Writes an RGB mask from per-pixel colours (BKAI's colour-coded masks). */
export async function writeRgbMask(path: string, width: number, height: number, colourAt: (x: number, y: number) => [number, number, number]): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colourAt(x, y), 3 * (y * width + x));
  const s = sharp(data, { raw: { width, height, channels: 3 } });
  await save(path, await (path.endsWith('.png') ? s.png() : s.jpeg({ quality: 100 })).toBuffer());
}

export async function writeText(path: string, text: string | Buffer): Promise<void> {
  await save(path, typeof text === 'string' ? Buffer.from(text) : text);
}
