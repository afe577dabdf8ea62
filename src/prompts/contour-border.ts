// The reference's "border image": scikit-image find_contours at level 128, every contour vertex
// (row, col) floored and set to 255. Marching squares puts a vertex on every grid edge whose two
// pixel values lie on opposite sides of the level (a pixel is "above" when value > level), at the
// linear interpolation from the left/upper pixel: c + (level − v_left)/(v_right − v_left). Every
// crossing edge belongs to some square and every crossing in a square is used, so the vertex set
// is exactly the set of crossing edges; no contour tracing is needed to reproduce the image.

export const CONTOUR_LEVEL = 128;

export interface Window {
  readonly x0: number;
  readonly y0: number;
  /** Exclusive. */
  readonly x1: number;
  /** Exclusive. */
  readonly y1: number;
}

/**
 * Sets `border[y·W + x] = 1` for every floored contour vertex of `values` (a W×H raster) whose
 * crossing edge starts inside `window`. Returns the number of vertices marked.
 */
export function markContourBorder(values: ArrayLike<number>, width: number, height: number, border: Uint8Array, window: Window = { x0: 0, y0: 0, x1: width, y1: height }): number {
  const level = CONTOUR_LEVEL;
  let marked = 0;
  for (let y = window.y0; y < window.y1; y++) {
    const row = y * width;
    for (let x = window.x0; x < window.x1; x++) {
      const v = values[row + x]!;
      const above = v > level;
      if (x + 1 < width) {
        const w = values[row + x + 1]!;
        if ((w > level) !== above) {
          const col = Math.floor(x + (level - v) / (w - v));
          border[row + col] = 1;
          marked++;
        }
      }
      if (y + 1 < height) {
        const w = values[row + width + x]!;
        if ((w > level) !== above) {
          const r = Math.floor(y + (level - v) / (w - v));
          border[r * width + x] = 1;
          marked++;
        }
      }
    }
  }
  return marked;
}
