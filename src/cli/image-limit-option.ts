// The --max-pixels option of the commands that read images: the largest image (width × height)
// decoded, checked from the header before any pixel is decoded.
import { ConfigError } from '../errors.js';
import { DEFAULT_IMAGE_LIMITS, setImageLimits } from '../imaging/image-limits.js';

/** For parseArgs's `options`. */
export const maxPixelsOption = { 'max-pixels': { type: 'string' } } as const;

/** The option's line in a usage text. */
export const maxPixelsUsage = `  --max-pixels N        largest image read, in pixels (width x height; default ${DEFAULT_IMAGE_LIMITS.maxPixels})`;

/** Applies --max-pixels (when given) to every image this process reads. */
export function applyMaxPixels(value: string | undefined): void {
  if (value === undefined) return;
  const maxPixels = Number(value);
  if (!(Number.isSafeInteger(maxPixels) && maxPixels > 0)) throw new ConfigError(`--max-pixels must be a positive integer, got '${value}'`, undefined, '--max-pixels');
  setImageLimits({ maxPixels });
}
