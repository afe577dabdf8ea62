// Filling annotation polygons (CheXlocalize's gt_annotations): interior by even-odd scanlines
// through pixel centres, plus the outline itself, as CheXlocalize's own `create_mask` does with
// PIL `ImageDraw.polygon(coords, outline=1, fill=1)` (rajpurkarlab/cheXlocalize). PIL's exact
// edge rasterisation is not reproduced: boundary pixels can differ by one.
import type { GrayImage } from '../../imaging/image-types.js';

type Point = readonly [number, number];

function drawLine(data: Uint8Array, width: number, height: number, a: Point, b: Point): void {
  let x0 = Math.round(a[0]), y0 = Math.round(a[1]);
  const x1 = Math.round(b[0]), y1 = Math.round(b[1]);
  const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    if (x0 >= 0 && x0 < width && y0 >= 0 && y0 < height) data[y0 * width + x0] = 255;
    if (x0 === x1 && y0 === y1) break;
    const e2 = 2 * err;
    if (e2 >= dy) { err += dy; x0 += sx; }
    if (e2 <= dx) { err += dx; y0 += sy; }
  }
}

/** Fills each polygon (a list of [x, y] points in pixel coordinates) into a W×H 0/255 mask. */
export function fillPolygons(polygons: ReadonlyArray<ReadonlyArray<Point>>, width: number, height: number): GrayImage {
  const data = new Uint8Array(width * height);
  for (const polygon of polygons) {
    if (polygon.length === 0) continue;
    for (let y = 0; y < height; y++) {
      const cy = y + 0.5;
      const xs: number[] = [];
      for (let i = 0; i < polygon.length; i++) {
        const a = polygon[i]!, b = polygon[(i + 1) % polygon.length]!;
        if ((a[1] <= cy && b[1] > cy) || (b[1] <= cy && a[1] > cy)) xs.push(a[0] + ((cy - a[1]) / (b[1] - a[1])) * (b[0] - a[0]));
      }
      xs.sort((p, q) => p - q);
      for (let i = 0; i + 1 < xs.length; i += 2) {
        const from = Math.max(0, Math.ceil(xs[i]! - 0.5));
        const to = Math.min(width - 1, Math.floor(xs[i + 1]! - 0.5));
        for (let x = from; x <= to; x++) data[y * width + x] = 255;
      }
    }
    for (let i = 0; i < polygon.length; i++) drawLine(data, width, height, polygon[i]!, polygon[(i + 1) % polygon.length]!);
  }
  return { width, height, data };
}
