// Releases that ship an image folder and a mask folder with matching names (Kvasir-SEG,
// CVC-ClinicDB, ETIS, CVC-ColonDB, CVC-300, ISIC 2016, DFU 2022, the PraNet TestDataset layout).
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { imageLimits } from '../../imaging/image-limits.js';
import { readGrayImage, readImageBytes } from '../../imaging/read-image.js';
import { firstDir, listFiles, notThisRelease, stemOf, type FileSource, type ImportItem } from './import-common.js';

export interface PairedLayout {
  /** Image folder relative to the source root. */
  readonly images: string;
  /** Mask folder relative to the source root. */
  readonly masks: string;
  /** The mask stem for an image stem (default: the same stem). */
  readonly maskStem?: (imageStem: string) => string;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff']);
/** Formats copied byte for byte; others (TIFF) are re-encoded as PNG. */
const KEPT_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export interface PairedFiles {
  readonly imagesDir: string;
  readonly masksDir: string;
  readonly pairs: ReadonlyArray<readonly [image: string, mask: string]>;
}

/**
 * Finds the first layout whose two folders exist and pairs every image with its mask. An image
 * without a mask is an error naming both folders.
 */
export async function findPairs(format: string, src: string, layouts: readonly PairedLayout[], expected: string): Promise<PairedFiles> {
  for (const layout of layouts) {
    const imagesDir = await firstDir(src, [layout.images]);
    const masksDir = await firstDir(src, [layout.masks]);
    if (imagesDir === undefined || masksDir === undefined) continue;
    const images = (await listFiles(imagesDir)).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()));
    const masks = (await listFiles(masksDir)).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()));
    if (images.length === 0) continue;
    const maskByStem = new Map(masks.map((m) => [stemOf(m), m]));
    const pairs: Array<[string, string]> = [];
    const unmatched: string[] = [];
    for (const image of images) {
      const mask = maskByStem.get((layout.maskStem ?? ((s: string) => s))(stemOf(image)));
      if (mask === undefined) unmatched.push(image);
      else pairs.push([image, mask]);
    }
    if (unmatched.length > 0) {
      throw notThisRelease(format, src, `a mask in ${masksDir} for every image in ${imagesDir}; none for ${unmatched.slice(0, 3).join(', ')}${unmatched.length > 3 ? ` and ${unmatched.length - 3} more` : ''}`);
    }
    return { imagesDir, masksDir, pairs };
  }
  throw notThisRelease(format, src, expected);
}

/** Copies JPEG/PNG files as they are; converts TIFF to PNG (masks to 8-bit grey). */
export function sourceFor(path: string, isMask: boolean): { name: string; source: FileSource } {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (KEPT_EXTENSIONS.has(extname(name).toLowerCase())) return { name, source: { copyFrom: path } };
  if (isMask) return { name: `${stemOf(name)}.png`, source: { gray: () => readGrayImage(path) } };
  return {
    name: `${stemOf(name)}.png`,
    source: { bytes: async () => sharp(await readImageBytes(path), { limitInputPixels: imageLimits().maxPixels }).png().toBuffer() },
  };
}

/** Items for paired files; the output mask keeps the image's stem unless `keepMaskName`. */
export function pairedItems(files: PairedFiles, keepMaskName: boolean, extra: (imageStem: string) => Partial<ImportItem> = () => ({})): ImportItem[] {
  return files.pairs.map(([image, mask]) => {
    const img = sourceFor(join(files.imagesDir, image), false);
    const msk = sourceFor(join(files.masksDir, mask), true);
    const maskName = keepMaskName ? msk.name : `${stemOf(img.name)}${extname(msk.name)}`;
    return { imgName: img.name, maskName, image: img.source, mask: msk.source, ...extra(stemOf(image)) };
  });
}

/** The PraNet test-set layouts for one dataset name, plus a plain {images,masks} root. */
export function pranetLayouts(name: string): PairedLayout[] {
  return [
    { images: 'images', masks: 'masks' },
    { images: `TestDataset/${name}/images`, masks: `TestDataset/${name}/masks` },
    { images: `${name}/images`, masks: `${name}/masks` },
  ];
}
