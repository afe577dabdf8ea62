// Reading and writing the reference layout `<root>/{images,masks,anns}`. A mask is found at
// `masks/<mask_name>`, an image at `images/<img_name>` (names may hold sub-folders, as CAMUS's do);
// every path is resolved inside the root.
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, posix } from 'node:path';
import { DatasetError } from '../errors.js';
import { readAnnotationFile, type AnnotationEntry } from './annotation-file.js';
import { checkRealPathInsideRoot, resolveInsideRoot } from './inside-root.js';
import { SPLITS, type DatasetRecord, type Split } from './record.js';

export interface ReferenceDataset {
  readonly root: string;
  /** Entries per split file found under `anns/` (empty when the root has no `anns/`). */
  readonly splits: ReadonlyMap<Split, readonly AnnotationEntry[]>;
  readonly records: readonly DatasetRecord[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export function annotationPath(root: string, split: Split): string {
  return join(root, 'anns', `${split}.json`);
}

/** Resolves `name` inside `<root>/<folder>`; errors name the dataset root as in the style guide. */
function resolveInFolder(root: string, folder: string, name: string, where: string, file?: string): string {
  return resolveInsideRoot(join(root, folder), name, where, file, root);
}

/** Turns one annotation entry into a record, resolving its paths inside `root`. */
export function entryToRecord(root: string, entry: AnnotationEntry, split: Split | undefined, where: string, file?: string): DatasetRecord {
  const imagePath = resolveInFolder(root, 'images', entry.img_name, `${where}: image path`, file);
  const maskPath = resolveInFolder(root, 'masks', entry.mask_name, `${where}: mask path`, file);
  return {
    id: entry.mask_name,
    imagePath,
    maskPaths: [maskPath],
    metadata: { ...(entry.metadata ?? {}) },
    split,
  };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const items = await readdir(dir, { withFileTypes: true });
  for (const item of items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (item.name.startsWith('.')) continue;
    const rel = prefix === '' ? item.name : `${prefix}/${item.name}`;
    if (item.isDirectory()) out.push(...(await listFiles(join(dir, item.name), rel)));
    else if (item.isFile()) out.push(rel);
  }
  return out;
}

const stemOf = (name: string): string => basename(name, extname(name));

/**
 * Finds the image a mask belongs to: same folder (with `mask_<k>` levels removed), then the
 * mask's stem, then the stem with trailing `_token`s removed one at a time (`ISIC_1_Segmentation`
 * → `ISIC_1`, `…_frontal_edema` → `…_frontal`, `…_gt` → `…`).
 */
export function pairImageForMask(maskName: string, imageNames: readonly string[]): string | undefined {
  const folder = posix.dirname(maskName).split('/').filter((part) => part !== '.' && !/^mask_\d+$/.test(part)).join('/');
  const byStem = new Map<string, string>();
  for (const name of imageNames) {
    const dir = posix.dirname(name) === '.' ? '' : posix.dirname(name);
    if (dir === folder && !byStem.has(stemOf(name))) byStem.set(stemOf(name), name);
  }
  let stem = stemOf(posix.basename(maskName));
  for (;;) {
    const hit = byStem.get(stem);
    if (hit !== undefined) return hit;
    const cut = stem.lastIndexOf('_');
    if (cut <= 0) return undefined;
    stem = stem.slice(0, cut);
  }
}

/** Pairs every file under `masks/` with its image under `images/`; records have no split. */
export async function pairImagesAndMasks(root: string): Promise<DatasetRecord[]> {
  for (const sub of ['images', 'masks']) {
    if (!(await exists(join(root, sub)))) throw new DatasetError(`${root}: no ${sub}/ folder; expected the reference layout <root>/{images,masks[,anns]}`, root);
  }
  const images = await listFiles(join(root, 'images'));
  const masks = await listFiles(join(root, 'masks'));
  const records: DatasetRecord[] = [];
  for (const mask of masks) {
    const image = pairImageForMask(mask, images);
    if (image === undefined) throw new DatasetError(`${join(root, 'masks', mask)}: no image for this mask under ${join(root, 'images')}`, join(root, 'masks', mask));
    records.push({ id: mask, imagePath: join(root, 'images', image), maskPaths: [join(root, 'masks', mask)], metadata: {}, split: undefined });
  }
  return records;
}

/** Reads `<root>/anns/{train,val,test}.json` when present, else pairs `images/` with `masks/`. */
export async function readReferenceDataset(root: string): Promise<ReferenceDataset> {
  if (!(await exists(root))) throw new DatasetError(`${root}: dataset root does not exist`, root);
  const splits = new Map<Split, AnnotationEntry[]>();
  const records: DatasetRecord[] = [];
  if (await exists(join(root, 'anns'))) {
    for (const split of SPLITS) {
      const file = annotationPath(root, split);
      if (!(await exists(file))) continue;
      checkRealPathInsideRoot(root, file, 'annotation file', file);
      const entries = await readAnnotationFile(file);
      splits.set(split, entries);
      entries.forEach((entry, i) => records.push(entryToRecord(root, entry, split, `${file}, entry ${i}`, file)));
    }
    if (splits.size === 0) throw new DatasetError(`${join(root, 'anns')}: no train.json, val.json or test.json`, join(root, 'anns'));
    return { root, splits, records };
  }
  return { root, splits, records: await pairImagesAndMasks(root) };
}
