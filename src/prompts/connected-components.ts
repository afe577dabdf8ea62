// Connected-component labelling of a binary raster, 4- or 8-connected. Labels are numbered in
// raster order of each component's first pixel (top-most row, then left-most), like SciPy's
// ndimage.label and scikit-image's label, which the reference uses.

export interface Component {
  /** 1-based label, in raster order of the first pixel. */
  readonly label: number;
  /** Raster index (y·W + x) of the first pixel. */
  readonly first: number;
  readonly pixelCount: number;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

export interface Labelling {
  /** 0 for background, else the component label. */
  readonly labels: Int32Array;
  readonly components: readonly Component[];
}

/** Labels the pixels where `inside[i] !== 0`. */
export function labelComponents(inside: Uint8Array, width: number, height: number, connectivity: 4 | 8): Labelling {
  const labels = new Int32Array(width * height);
  const components: Component[] = [];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < inside.length; start++) {
    if (inside[start] === 0 || labels[start] !== 0) continue;
    const label = components.length + 1;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    let count = 0;
    let minX = width, minY = height, maxX = -1, maxY = -1;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      count++;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      // Explicit neighbour checks: this loop is the hot path of prompt generation.
      const up = y > 0, down = y + 1 < height, left = x > 0, right = x + 1 < width;
      if (left && inside[i - 1] !== 0 && labels[i - 1] === 0) { labels[i - 1] = label; stack[top++] = i - 1; }
      if (right && inside[i + 1] !== 0 && labels[i + 1] === 0) { labels[i + 1] = label; stack[top++] = i + 1; }
      if (up) {
        const j = i - width;
        if (inside[j] !== 0 && labels[j] === 0) { labels[j] = label; stack[top++] = j; }
        if (connectivity === 8) {
          if (left && inside[j - 1] !== 0 && labels[j - 1] === 0) { labels[j - 1] = label; stack[top++] = j - 1; }
          if (right && inside[j + 1] !== 0 && labels[j + 1] === 0) { labels[j + 1] = label; stack[top++] = j + 1; }
        }
      }
      if (down) {
        const j = i + width;
        if (inside[j] !== 0 && labels[j] === 0) { labels[j] = label; stack[top++] = j; }
        if (connectivity === 8) {
          if (left && inside[j - 1] !== 0 && labels[j - 1] === 0) { labels[j - 1] = label; stack[top++] = j - 1; }
          if (right && inside[j + 1] !== 0 && labels[j + 1] === 0) { labels[j + 1] = label; stack[top++] = j + 1; }
        }
      }
    }
    components.push({ label, first: start, pixelCount: count, minX, minY, maxX, maxY });
  }
  return { labels, components };
}
