// COCO RLE encoders, the inverse of src/data/importers/coco-rle.ts: the tests write CheXlocalize-style
// annotations with them and check that decoding gives back the mask.
import type { GrayImage } from '../../src/imaging/image-types.js';

/** Encodes a mask as uncompressed COCO counts (column-major). */
export function maskToRleCounts(mask: GrayImage): number[] {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < mask.width; x++) {
    for (let y = 0; y < mask.height; y++) {
      const v = mask.data[y * mask.width + x]! >= 128 ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** Encodes counts as pycocotools' compressed string. */
export function encodeRleCounts(counts: readonly number[]): string {
  let out = '';
  counts.forEach((count, i) => {
    let x = i > 2 ? count - counts[i - 2]! : count;
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  });
  return out;
}
