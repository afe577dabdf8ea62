// PNG encoding through sharp, written atomically (temp file + rename) so a killed run never
// leaves a truncated image behind.
import sharp from 'sharp';
import { writeFileAtomicAsync } from '../atomic-write.js';
import type { GrayImage, RgbImage } from './image-types.js';

export async function encodeGrayPng(image: GrayImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 1 },
  }).png().toBuffer();
}

export async function encodeRgbPng(image: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  }).png().toBuffer();
}

/** Writes bytes to `path` through a temporary sibling and a rename, creating parent folders. */
export const writeFileAtomic = writeFileAtomicAsync;

export async function writeGrayPng(path: string, image: GrayImage): Promise<void> {
  await writeFileAtomic(path, await encodeGrayPng(image));
}

export async function writeRgbPng(path: string, image: RgbImage): Promise<void> {
  await writeFileAtomic(path, await encodeRgbPng(image));
}
