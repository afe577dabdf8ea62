// Pillow's Image.resize for 8-bit grey and RGB images, bit for bit (libImaging/Resample.c and the
// nearest-neighbour path of Geometry.c; checked against Pillow 9.4). HuggingFace's PIL image processors and torchvision's
// Resize on PIL images resample this way; float interpolation followed by rounding lands within a
// grey level of it but not on it, so model inputs built that way drift from the reference.
//
// The separable filters run as Pillow does: coefficients per output pixel computed in double,
// normalised to sum 1, turned into fixed point with 22 fractional bits (32 - 8 - 2: 8 bits of value
// and 2 of headroom for negative lobes); a horizontal pass into a temporary image (rounded and
// clipped to 8 bits), then a vertical pass over only the rows it needs. When shrinking, the filter
// support grows by the scale factor (antialiasing).
import type { GrayImage, RgbImage } from './image-types.js';

/** Pillow's resampling filters. */
export type PilFilter = 'nearest' | 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos';

/** PIL.Image.Resampling codes, as `resample` in a HuggingFace preprocessor_config.json holds them. */
export const PIL_RESAMPLE_CODES: Readonly<Record<number, PilFilter>> = { 0: 'nearest', 1: 'lanczos', 2: 'bilinear', 3: 'bicubic', 4: 'box', 5: 'hamming' };

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

function sinc(x: number): number {
  if (x === 0) return 1;
  const t = x * Math.PI;
  return Math.sin(t) / t;
}

// Pillow writes the Hamming constants as C floats (0.54f, 0.46f): Math.fround keeps its values.
const HAMMING_A = Math.fround(0.54);
const HAMMING_B = Math.fround(0.46);

const FILTERS: Record<Exclude<PilFilter, 'nearest'>, { support: number; weight: (x: number) => number }> = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, weight: (x) => { x = Math.abs(x); return x < 1 ? 1 - x : 0; } },
  hamming: {
    support: 1,
    weight: (x) => {
      x = Math.abs(x);
      if (x === 0) return 1;
      if (x >= 1) return 0;
      const t = x * Math.PI;
      return (Math.sin(t) / t) * (HAMMING_A + HAMMING_B * Math.cos(t));
    },
  },
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      x = Math.abs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

/** Fixed-point coefficients of one axis: output i reads `count[i]` inputs from `first[i]` on. */
interface AxisCoefficients {
  first: Int32Array;
  count: Int32Array;
  /** `taps` coefficients per output pixel, 22 fractional bits. */
  weights: Int32Array;
  taps: number;
}

function axisCoefficients(inSize: number, outSize: number, filter: Exclude<PilFilter, 'nearest'>): AxisCoefficients {
  const { support: baseSupport, weight } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = baseSupport * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const k = new Float64Array(taps);
  const inverse = 1 / filterScale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const n = hi - lo;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      k[j] = weight((j + lo - center + 0.5) * inverse);
      sum += k[j]!;
    }
    for (let j = 0; j < n; j++) {
      const w = sum !== 0 ? k[j]! / sum : k[j]!;
      weights[i * taps + j] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[i] = lo;
    count[i] = n;
  }
  return { first, count, weights, taps };
}

/** Fixed-point sum → 8 bits: arithmetic shift, then clip to 0..255. */
function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

// The sums use int32 arithmetic (Math.imul, | 0) as Pillow's C does; with 22 fractional bits and
// 8-bit inputs they stay well inside int32.

/** Horizontal pass over rows [rowStart, rowStart + rows) of `src` (width × channels interleaved). */
function resampleRows(src: Uint8Array, width: number, rowStart: number, rows: number, channels: number, c: AxisCoefficients, outWidth: number): Uint8Array {
  const out = new Uint8Array(outWidth * rows * channels);
  const { first, count, weights, taps } = c;
  for (let y = 0; y < rows; y++) {
    const rowIn = (y + rowStart) * width * channels;
    let o = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const n = count[x]!;
      let k = x * taps;
      let p = rowIn + first[x]! * channels;
      if (channels === 3) {
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let j = 0; j < n; j++, k++, p += 3) {
          const w = weights[k]!;
          s0 = (s0 + Math.imul(src[p]!, w)) | 0;
          s1 = (s1 + Math.imul(src[p + 1]!, w)) | 0;
          s2 = (s2 + Math.imul(src[p + 2]!, w)) | 0;
        }
        out[o++] = clip8(s0);
        out[o++] = clip8(s1);
        out[o++] = clip8(s2);
      } else {
        let s0 = HALF;
        for (let j = 0; j < n; j++, k++, p++) s0 = (s0 + Math.imul(src[p]!, weights[k]!)) | 0;
        out[o++] = clip8(s0);
      }
    }
  }
  return out;
}

/** Vertical pass: output row y mixes rows first[y] - rowShift … of `src` (width × channels). */
function resampleColumns(src: Uint8Array, width: number, channels: number, c: AxisCoefficients, rowShift: number, outHeight: number): Uint8Array {
  const stride = width * channels;
  const out = new Uint8Array(stride * outHeight);
  const { first, count, weights, taps } = c;
  const sums = new Int32Array(stride);
  for (let y = 0; y < outHeight; y++) {
    const top = (first[y]! - rowShift) * stride;
    const n = count[y]!;
    const k = y * taps;
    const rowOut = y * stride;
    // Two and three taps (most shrinking by less than 2×) unrolled; otherwise row by row, so that
    // every read and write runs along memory.
    if (n === 2) {
      const w0 = weights[k]!;
      const w1 = weights[k + 1]!;
      const r1 = top + stride;
      for (let i = 0; i < stride; i++) out[rowOut + i] = clip8((HALF + Math.imul(src[top + i]!, w0) + Math.imul(src[r1 + i]!, w1)) | 0);
      continue;
    }
    if (n === 3) {
      const w0 = weights[k]!;
      const w1 = weights[k + 1]!;
      const w2 = weights[k + 2]!;
      const r1 = top + stride;
      const r2 = r1 + stride;
      for (let i = 0; i < stride; i++) out[rowOut + i] = clip8((HALF + Math.imul(src[top + i]!, w0) + Math.imul(src[r1 + i]!, w1) + Math.imul(src[r2 + i]!, w2)) | 0);
      continue;
    }
    sums.fill(HALF);
    for (let j = 0; j < n; j++) {
      const w = weights[k + j]!;
      const row = top + j * stride;
      for (let i = 0; i < stride; i++) sums[i] = (sums[i]! + Math.imul(src[row + i]!, w)) | 0;
    }
    for (let i = 0; i < stride; i++) out[rowOut + i] = clip8(sums[i]!);
  }
  return out;
}

/** One separable resize, horizontal pass first (ImagingResampleInner). */
function resampleSeparable(data: Uint8Array, width: number, height: number, channels: number, outWidth: number, outHeight: number, filter: Exclude<PilFilter, 'nearest'>): Uint8Array {
  const vertical = axisCoefficients(height, outHeight, filter);
  let current = data;
  let currentWidth = width;
  let rowShift = 0;
  if (outWidth !== width) {
    // Only the source rows the vertical pass will read.
    const firstRow = vertical.first[0]!;
    const lastRow = vertical.first[outHeight - 1]! + vertical.count[outHeight - 1]!;
    current = resampleRows(data, width, firstRow, lastRow - firstRow, channels, axisCoefficients(width, outWidth, filter), outWidth);
    currentWidth = outWidth;
    rowShift = firstRow;
  }
  if (outHeight !== height) return resampleColumns(current, currentWidth, channels, vertical, rowShift, outHeight);
  return current === data ? data.slice() : current;
}

/** Nearest neighbour as Pillow's ImagingScaleAffine: source ⌊(i + ½)·in/out⌋, accumulated in double. */
function resampleNearest(data: Uint8Array, width: number, height: number, channels: number, outWidth: number, outHeight: number): Uint8Array {
  const columns = nearestIndices(width, outWidth);
  const rows = nearestIndices(height, outHeight);
  const out = new Uint8Array(outWidth * outHeight * channels);
  for (let y = 0; y < outHeight; y++) {
    const rowIn = rows[y]! * width * channels;
    const rowOut = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const from = rowIn + columns[x]! * channels;
      const to = rowOut + x * channels;
      for (let ch = 0; ch < channels; ch++) out[to + ch] = data[from + ch]!;
    }
  }
  return out;
}

function nearestIndices(inSize: number, outSize: number): Int32Array {
  const step = inSize / outSize;
  const indices = new Int32Array(outSize);
  // Pillow adds the step to a running coordinate rather than multiplying, and so do we: the
  // rounding of that sum decides ties.
  let position = step * 0.5;
  for (let i = 0; i < outSize; i++) {
    indices[i] = Math.min(inSize - 1, Math.trunc(position));
    position += step;
  }
  return indices;
}

function channelsOf(image: GrayImage | RgbImage, op: string): 1 | 3 {
  const pixels = image.width * image.height;
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1) {
    throw new RangeError(`${op}: image size ${image.width}×${image.height} is not a positive integer size`);
  }
  if (image.data.length === pixels) return 1;
  if (image.data.length === pixels * 3) return 3;
  throw new RangeError(`${op}: a ${image.width}×${image.height} image holds ${image.data.length} bytes; expected ${pixels} (grey) or ${pixels * 3} (RGB)`);
}

/**
 * Resizes an 8-bit grey or RGB image to `width` × `height` exactly as Pillow's
 * `Image.resize((width, height), filter)` does (no box, no reducing_gap). An image already at that
 * size comes back as a copy, as in Pillow.
 */
export function pilResize<T extends GrayImage | RgbImage>(image: T, width: number, height: number, filter: PilFilter): T {
  const channels = channelsOf(image, 'pilResize');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`pilResize: output size ${width}×${height} must be positive integers`);
  }
  if (!Object.hasOwn(FILTERS, filter) && filter !== 'nearest') throw new RangeError(`pilResize: unknown filter "${filter as string}"; use one of nearest, box, bilinear, hamming, bicubic, lanczos`);
  const { width: w, height: h, data } = image;
  let out: Uint8Array;
  if (w === width && h === height) out = data.slice();
  else if (filter === 'nearest') out = resampleNearest(data, w, h, channels, width, height);
  // Pillow 12.2 resizes images over 100 times taller than wide height first; earlier versions
  // (Debian's 9.4 that checks this code, and those the reference pipelines ran) do not, nor do we.
  else out = resampleSeparable(data, w, h, channels, width, height, filter);
  return { width, height, data: out } as T;
}
