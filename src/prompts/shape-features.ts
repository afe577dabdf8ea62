// Geometry of a binary region for deterministic shape naming: area, perimeter, circularity,
// elongation (principal-axis ratio), convexity (area / convex-hull area), extent (area / area of
// the box aligned with the principal axes) and the number of hull corners.

export interface ShapeFeatures {
  readonly area: number;
  readonly perimeter: number;
  /** 4πA/P², 1 for a disc, ≈0.785 for a square, ≈0.6 for an equilateral triangle. */
  readonly circularity: number;
  /** √(λ1/λ2) of the second moments, ≥ 1. */
  readonly elongation: number;
  /** Area over convex-hull area, ≤ 1. */
  readonly convexity: number;
  /** Area over the principal-axis bounding-box area: 1 for rectangles, π/4 for ellipses, ½ for triangles. */
  readonly extent: number;
  /** Vertices of the convex hull after dropping those with a turn under 20°. */
  readonly corners: number;
}

type Point = readonly [number, number];

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Andrew's monotone chain on points sorted by x then y. */
function convexHull(points: Point[]): Point[] {
  if (points.length < 3) return points.slice();
  const lower: Point[] = [];
  for (const p of points) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

function polygonArea(poly: readonly Point[]): number {
  let sum = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return Math.abs(sum) / 2;
}

function significantCorners(hull: readonly Point[], minTurnDegrees: number): number {
  // Merge near-collinear hull vertices, then count the turns left.
  let poly = hull.slice();
  let changed = true;
  while (changed && poly.length > 3) {
    changed = false;
    for (let i = 0; i < poly.length; i++) {
      const prev = poly[(i - 1 + poly.length) % poly.length]!;
      const cur = poly[i]!;
      const next = poly[(i + 1) % poly.length]!;
      const a1 = Math.atan2(cur[1] - prev[1], cur[0] - prev[0]);
      const a2 = Math.atan2(next[1] - cur[1], next[0] - cur[0]);
      let turn = Math.abs(a2 - a1) * (180 / Math.PI);
      if (turn > 180) turn = 360 - turn;
      if (turn < minTurnDegrees) {
        poly.splice(i, 1);
        changed = true;
        break;
      }
    }
  }
  return poly.length;
}

/** Features of the pixels where `inside[y·W + x] !== 0`; undefined for an empty region. */
export function shapeFeatures(inside: Uint8Array, width: number, height: number): ShapeFeatures | undefined {
  let area = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, edges = 0;
  const corners: Point[] = [];
  for (let y = 0; y < height; y++) {
    let first = -1, last = -1;
    for (let x = 0; x < width; x++) {
      if (inside[y * width + x] === 0) continue;
      area++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
      if (first < 0) first = x;
      last = x;
      if (x === 0 || inside[y * width + x - 1] === 0) edges++;
      if (x === width - 1 || inside[y * width + x + 1] === 0) edges++;
      if (y === 0 || inside[(y - 1) * width + x] === 0) edges++;
      if (y === height - 1 || inside[(y + 1) * width + x] === 0) edges++;
    }
    if (first >= 0) corners.push([first, y], [first, y + 1], [last + 1, y], [last + 1, y + 1]);
  }
  if (area === 0) return undefined;
  const mx = sx / area, my = sy / area;
  // Central second moments (one pass: raw sums minus the mean's share), plus a pixel's own 1/12.
  const cxx = sxx / area - mx * mx + 1 / 12;
  const cyy = syy / area - my * my + 1 / 12;
  const cxy = sxy / area - mx * my;
  const mean = (cxx + cyy) / 2;
  const diff = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy ** 2);
  const l1 = mean + diff, l2 = Math.max(mean - diff, 1e-12);
  const theta = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
  const ux = Math.cos(theta), uy = Math.sin(theta);
  corners.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const hull = convexHull(corners);
  let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
  for (const [x, y] of hull) {
    const u = x * ux + y * uy;
    const v = -x * uy + y * ux;
    minU = Math.min(minU, u); maxU = Math.max(maxU, u);
    minV = Math.min(minV, v); maxV = Math.max(maxV, v);
  }
  // A 4-connected boundary overestimates a smooth outline's length by about 4/π.
  const perimeter = edges * (Math.PI / 4);
  return {
    area,
    perimeter,
    circularity: Math.min(1, (4 * Math.PI * area) / (perimeter * perimeter)),
    elongation: Math.sqrt(l1 / l2),
    convexity: Math.min(1, area / Math.max(polygonArea(hull), 1)),
    extent: Math.min(1, area / Math.max((maxU - minU) * (maxV - minV), 1)),
    corners: significantCorners(hull, 20),
  };
}
