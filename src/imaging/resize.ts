// Resampling helpers for masks and label maps (nearest neighbour keeps labels exact) and for
// images (delegated to sharp).
import sharp from 'sharp';
import type { GrayImage, RgbImage } from './image-types.js';

/** Nearest-neighbour resize of a grey image or label map: source index ⌊(i + 0.5)·src/dst⌋. */
export function resizeNearest(image: GrayImage, width: number, height: number): GrayImage {
  const out = new Uint8Array(width * height);
  const xs = new Int32Array(width);
  for (let x = 0; x < width; x++) xs[x] = Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / width));
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / height));
    const row = sy * image.width;
    for (let x = 0; x < width; x++) out[y * width + x] = image.data[row + xs[x]!]!;
  }
  return { width, height, data: out };
}

/** Bicubic resize of an RGB or grey image through sharp. */
export async function resizeSmooth<T extends GrayImage | RgbImage>(image: T, width: number, height: number, channels: 1 | 3): Promise<T> {
  const data = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels },
  })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) } as T;
}

/** Linearly rescales any numeric pixel array to 0..255 (min → 0, max → 255); constant input → 0. */
export function toUint8Range(values: ArrayLike<number>): Uint8Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Uint8Array(values.length);
  if (!(max > min)) return out;
  const scale = 255 / (max - min);
  for (let i = 0; i < values.length; i++) out[i] = Math.round((values[i]! - min) * scale);
  return out;
}
