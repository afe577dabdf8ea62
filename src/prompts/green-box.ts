// The reference's VQA input (docs/prompts.md §2.2): a green outline box around the first border
// region (raster order, box area > 4) of the mask, 10 px margin, 5 px line, for plugging in an
// external VQA model on the same pictures the reference showed OFA.
import type { GrayImage, RgbImage } from '../imaging/image-types.js';
import { labelComponents } from './connected-components.js';
import { markContourBorder } from './contour-border.js';
import type { BBox } from './mask-attributes.js';

/** The wrapper's box: the first border region with area > 4, or (W, H, 0, 0) when none. */
export function vqaBox(mask: GrayImage): BBox {
  const border = new Uint8Array(mask.width * mask.height);
  markContourBorder(mask.data, mask.width, mask.height, border);
  for (const r of labelComponents(border, mask.width, mask.height, 8).components) {
    const box: BBox = [r.minX, r.minY, r.maxX + 1, r.maxY + 1];
    if ((box[2] - box[0]) * (box[3] - box[1]) > 4) return box;
  }
  return [mask.width, mask.height, 0, 0];
}

/** A copy of `image` with the green box drawn as PIL draws an outline of width 5 (inside the corners). */
export function drawGreenBox(image: RgbImage, mask: GrayImage, margin = 10, lineWidth = 5): RgbImage {
  const out = { width: image.width, height: image.height, data: Uint8Array.from(image.data) };
  const [bx1, by1, bx2, by2] = vqaBox(mask);
  if (bx2 <= bx1 || by2 <= by1) return out;
  const x1 = Math.max(0, bx1 - margin), y1 = Math.max(0, by1 - margin);
  const x2 = Math.min(image.width, bx2 + margin), y2 = Math.min(image.height, by2 + margin);
  for (let y = y1; y <= y2; y++) {
    for (let x = x1; x <= x2; x++) {
      if (x >= image.width || y >= image.height) continue;
      const onEdge = x < x1 + lineWidth || x > x2 - lineWidth || y < y1 + lineWidth || y > y2 - lineWidth;
      if (!onEdge) continue;
      const o = 3 * (y * image.width + x);
      out.data[o] = 0;
      out.data[o + 1] = 255;
      out.data[o + 2] = 0;
    }
  }
  return out;
}
