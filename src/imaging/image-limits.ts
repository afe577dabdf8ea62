// How large an image vlsm agrees to read. A few kilobytes of PNG can declare 16,000 × 16,000
// pixels, and decoding it (then converting it to float for a model) would take gigabytes; so the
// header is checked against `maxPixels` before any pixel is decoded, and the file against
// `maxBytes` before it is read. The process-wide defaults are what the CLI's --max-pixels sets.

export interface ImageLimits {
  /** Largest width × height decoded. */
  readonly maxPixels: number;
  /** Largest encoded file read, in bytes. */
  readonly maxBytes: number;
}

/** 40 megapixels (the web server's limit too) and 512 MiB of encoded bytes. */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = Object.freeze({ maxPixels: 40_000_000, maxBytes: 512 * 1024 * 1024 });

let current: ImageLimits = DEFAULT_IMAGE_LIMITS;

function checkLimit(name: keyof ImageLimits, value: number): void {
  if (!(Number.isSafeInteger(value) && value > 0)) throw new RangeError(`image ${name} must be a positive integer, got ${value}`);
}

/** The limits image readers use when a call gives none. */
export function imageLimits(): ImageLimits {
  return current;
}

/** Changes the process-wide limits (fields left out keep their value); returns the new ones. */
export function setImageLimits(limits: Partial<ImageLimits>): ImageLimits {
  for (const [name, value] of Object.entries(limits)) if (value !== undefined) checkLimit(name as keyof ImageLimits, value);
  current = Object.freeze({ ...current, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) });
  return current;
}
