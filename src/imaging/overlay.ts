// A mask drawn over its image, for people to look at: `vlsm segment --overlay`, the demo, the web page.
import type { GrayImage, RgbImage } from './image-types.js';

/** The mask tinted red over the image at 40%, its contour drawn in yellow. */
export function overlay(image: RgbImage, mask: GrayImage): RgbImage {
  const { width, height } = image;
  const out = new Uint8Array(image.data);
  const inside = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < width && y < height && mask.data[y * width + x]! > 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside(x, y)) continue;
      const p = 3 * (y * width + x);
      const edge = !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1);
      if (edge) {
        out[p] = 255;
        out[p + 1] = 255;
        out[p + 2] = 0;
      } else {
        out[p] = Math.round(0.6 * out[p]! + 0.4 * 255);
        out[p + 1] = Math.round(0.6 * out[p + 1]!);
        out[p + 2] = Math.round(0.6 * out[p + 2]!);
      }
    }
  }
  return { width, height, data: out };
}
