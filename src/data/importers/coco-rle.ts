// COCO run-length encoding (pycocotools): counts alternate background/foreground runs over the
// image in column-major (Fortran) order, starting with background. The compressed string form
// stores each count in 5-bit groups offset by 48, with counts after the second stored as
// differences from the count two before.
import { DatasetError } from '../../errors.js';
import type { GrayImage } from '../../imaging/image-types.js';

/** Decodes the compressed counts string of pycocotools. */
export function decodeRleCounts(text: string, source = 'RLE'): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new DatasetError(`${source}: RLE string ends inside a count`, source);
      const c = text.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new DatasetError(`${source}: RLE string has an invalid character ${JSON.stringify(text[p])} at ${p}`, source);
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10) !== 0) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  return counts;
}

/** The 0/255 mask of an RLE object `{size: [h, w], counts}` (string or list of numbers). */
export function rleToMask(rle: { size: readonly number[]; counts: string | readonly number[] }, source = 'RLE'): GrayImage {
  const [height, width] = rle.size as [number, number];
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new DatasetError(`${source}: RLE size ${JSON.stringify(rle.size)} is not [height, width]`, source);
  }
  const counts = typeof rle.counts === 'string' ? decodeRleCounts(rle.counts, source) : rle.counts;
  const data = new Uint8Array(width * height);
  let pos = 0;
  counts.forEach((run, i) => {
    if (run < 0 || pos + run > width * height) throw new DatasetError(`${source}: RLE runs exceed the ${height}×${width} image`, source);
    if (i % 2 === 1) {
      for (let j = pos; j < pos + run; j++) {
        const x = Math.floor(j / height);
        const y = j - x * height;
        data[y * width + x] = 255;
      }
    }
    pos += run;
  });
  return { width, height, data };
}
