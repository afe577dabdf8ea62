// What every importer shares: a list of items (image source, mask source, grouping, metadata)
// becomes `<dst>/{images,masks,anns}` with splits from the reference's split files, fixed by the
// release, or seeded with the paper's ratios.
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { DatasetError } from '../../errors.js';
import type { GrayImage } from '../../imaging/image-types.js';
import { writeFileAtomic, writeGrayPng } from '../../imaging/write-image.js';
import { describeFileKind } from '../../regular-file.js';
import { readAnnotationFile, skeletonEntry, writeAnnotationFile, type AnnotationEntry } from '../annotation-file.js';
import { resolveInsideRoot } from '../inside-root.js';
import { mapLimit } from '../map-limit.js';
import { SPLITS, type Split } from '../record.js';
import { splitIds, splitIdsStratified, type SplitRatios } from '../splits.js';

export interface ImportOptions {
  /** Seed of the split draw (default: the reference's, per dataset). */
  readonly seed?: number;
  /** A folder with the reference's `train.json`/`val.json`/`test.json`: membership is taken from them. */
  readonly splitsDir?: string;
  /** Progress and warnings. */
  readonly log?: (line: string) => void;
}

export type FileSource =
  | { readonly copyFrom: string }
  | { readonly gray: () => Promise<GrayImage> }
  | { readonly bytes: () => Promise<Buffer> };

export interface ImportItem {
  /** Image name relative to `images/` (may contain a sub-folder). */
  readonly imgName: string;
  /** Mask name relative to `masks/`. */
  readonly maskName: string;
  readonly image: FileSource;
  readonly mask: FileSource;
  /** Items of one group (patient) share a split. Default: the image name. */
  readonly group?: string;
  /** Splits are drawn separately per stratum (BUSI: per class). */
  readonly stratum?: string;
  /** A split fixed by the release (ISIC's official test set). */
  readonly split?: Split;
  readonly metadata?: Record<string, unknown>;
}

export interface ImportPlan {
  readonly format: string;
  readonly items: readonly ImportItem[];
  /** Ratios for items without a fixed split. */
  readonly ratios: SplitRatios;
  /** The reference's seed for this dataset. */
  readonly seed: number;
  /** CAMUS entries carry only img_name, mask_name (and prompts). */
  readonly minimalEntries?: boolean;
}

export interface ImportResult {
  readonly format: string;
  readonly destination: string;
  readonly counts: Readonly<Record<Split, number>>;
  /** Items left out because the given split files do not list them. */
  readonly unlisted: number;
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Sorted plain file names in `dir` (no folders, no dot files). */
export async function listFiles(dir: string): Promise<string[]> {
  const items = await readdir(dir, { withFileTypes: true });
  return items.filter((i) => i.isFile() && !i.name.startsWith('.')).map((i) => i.name).sort(naturalCompare);
}

/** Sorted sub-folder names of `dir`. */
export async function listDirs(dir: string): Promise<string[]> {
  const items = await readdir(dir, { withFileTypes: true });
  return items.filter((i) => i.isDirectory() && !i.name.startsWith('.')).map((i) => i.name).sort(naturalCompare);
}

/** "2" before "10": names compared with digit runs as numbers. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export const stemOf = (name: string): string => basename(name, extname(name));

/** The first of `candidates` (relative to `src`) that is a folder, or undefined. */
export async function firstDir(src: string, candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    const path = join(src, candidate);
    if (await isDirectory(path)) return path;
  }
  return undefined;
}

/** The error for a source that does not look like the release. */
export function notThisRelease(format: string, src: string, expected: string): DatasetError {
  return new DatasetError(`${src} does not look like ${format}: expected ${expected}`, src);
}

/** Every split each name (img_name, mask_name and their base names) is listed in; `train` whether a train.json was there. */
async function membershipFromSplitFiles(dir: string): Promise<{ membership: Map<string, Set<Split>>; train: boolean }> {
  const membership = new Map<string, Set<Split>>();
  const add = (name: string, split: Split): void => {
    membership.set(name, (membership.get(name) ?? new Set<Split>()).add(split));
  };
  let found = 0;
  for (const split of SPLITS) {
    const file = join(dir, `${split}.json`);
    if (!(await stat(file).then(() => true, () => false))) continue;
    found++;
    for (const entry of await readAnnotationFile(file)) {
      for (const name of [entry.img_name, entry.mask_name]) {
        add(name, split);
        add(basename(name), split);
      }
    }
  }
  if (found === 0) throw new DatasetError(`${dir}: no train.json, val.json or test.json to take splits from`, dir);
  return { membership, train: await stat(join(dir, 'train.json')).then(() => true, () => false) };
}

/**
 * The split of an item from the split files. A name listed in several splits (CAMUS val and test
 * both list patient0001–0050, from the training and the testing release) is resolved by the
 * item's sub-folder: `test/…` goes to test, anything else to the first other split listing it.
 */
function splitFromMembership(item: ImportItem, membership: ReadonlyMap<string, ReadonlySet<Split>>): Split | undefined {
  const splits = membership.get(item.maskName) ?? membership.get(item.imgName) ?? membership.get(basename(item.maskName)) ?? membership.get(basename(item.imgName));
  if (splits === undefined) return undefined;
  if (splits.size === 1) return [...splits][0];
  if (item.imgName.startsWith('test/') && splits.has('test')) return 'test';
  return SPLITS.find((s) => s !== 'test' && splits.has(s)) ?? [...splits][0];
}

async function writeSource(source: FileSource, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  if ('copyFrom' in source) {
    // A FIFO or device under the source folder would block the copy or never end it.
    const stats = await stat(source.copyFrom);
    if (!stats.isFile()) throw new DatasetError(`${source.copyFrom}: cannot import it: it is ${describeFileKind(stats)}, not a regular file`, source.copyFrom);
    await copyFile(source.copyFrom, path);
  }
  else if ('gray' in source) await writeGrayPng(path, await source.gray());
  else await writeFileAtomic(path, await source.bytes());
}

/** Writes the plan's files and annotation files under `dst`. */
export async function writeImport(plan: ImportPlan, dst: string, options: ImportOptions = {}): Promise<ImportResult> {
  const log = options.log ?? (() => {});
  if (plan.items.length === 0) throw new DatasetError(`${plan.format}: found no image/mask pairs to import`);
  if (await isDirectory(join(dst, 'anns'))) {
    throw new DatasetError(`${dst} already holds a dataset (anns/ exists); import into an empty folder`, dst);
  }
  const splitOf = new Map<ImportItem, Split>();
  let unlisted = 0;
  if (options.splitsDir !== undefined) {
    const { membership, train } = await membershipFromSplitFiles(options.splitsDir);
    // Without a train.json (CAMUS's shipped splits), what val and test do not list is the training
    // split, as the paper's counts imply (docs/prompts.md §5).
    let toTrain = 0;
    for (const item of plan.items) {
      const split = splitFromMembership(item, membership);
      if (split !== undefined) splitOf.set(item, split);
      else if (!train) {
        splitOf.set(item, 'train');
        toTrain++;
      } else unlisted++;
    }
    if (toTrain > 0) log(`${toTrain} item(s) not listed in ${options.splitsDir}, which has no train.json, go to train`);
    if (unlisted > 0) log(`warning: ${unlisted} item(s) are not listed in ${options.splitsDir} and were left out`);
  } else {
    const free = plan.items.filter((item) => item.split === undefined);
    for (const item of plan.items) if (item.split !== undefined) splitOf.set(item, item.split);
    const ids = free.map((item) => item.imgName + '\u0000' + item.maskName);
    const byId = new Map(free.map((item, i) => [ids[i]!, item]));
    const seed = options.seed ?? plan.seed;
    const groupOf = (id: string): string => { const item = byId.get(id)!; return item.group ?? item.imgName; };
    const assigned = free.some((item) => item.stratum !== undefined)
      ? splitIdsStratified(ids, plan.ratios, seed, (id) => byId.get(id)!.stratum ?? '', groupOf)
      : splitIds(ids, plan.ratios, seed, groupOf);
    for (const [id, split] of assigned) splitOf.set(byId.get(id)!, split);
  }
  const kept = plan.items.filter((item) => splitOf.has(item));
  const written = new Set<string>();
  await mapLimit(kept, 8, async (item) => {
    const imagePath = resolveInsideRoot(join(dst, 'images'), item.imgName, `${plan.format}: image name`, undefined, dst);
    const maskPath = resolveInsideRoot(join(dst, 'masks'), item.maskName, `${plan.format}: mask name`, undefined, dst);
    if (!written.has(imagePath)) {
      written.add(imagePath);
      await writeSource(item.image, imagePath);
    }
    await writeSource(item.mask, maskPath);
  });
  const entries = new Map<Split, AnnotationEntry[]>(SPLITS.map((s) => [s, []]));
  const counts: Record<Split, number> = { train: 0, val: 0, test: 0 };
  kept.forEach((item, i) => {
    const split = splitOf.get(item)!;
    const entry = skeletonEntry(item.imgName, item.maskName, i, plan.minimalEntries ?? false);
    entries.get(split)!.push(item.metadata === undefined ? entry : { ...entry, metadata: item.metadata });
    counts[split]++;
  });
  for (const [split, list] of entries) await writeAnnotationFile(join(dst, 'anns', `${split}.json`), list);
  log(`${plan.format}: wrote ${kept.length} entries to ${dst} (train ${counts.train}, val ${counts.val}, test ${counts.test})`);
  return { format: plan.format, destination: dst, counts, unlisted };
}
