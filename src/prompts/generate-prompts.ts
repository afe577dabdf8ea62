// Prompt generation for a dataset root: reads each mask (and the image when the estimator needs
// it), computes the attributes, fills the family's templates and returns reference-format entries
// that also carry an `attributes` object with every value as rendered.
import { basename, extname, join, posix, relative, sep } from 'node:path';
import type { AnnotationEntry } from '../data/annotation-file.js';
import { skeletonEntry, writeAnnotationFile } from '../data/annotation-file.js';
import { mapLimit } from '../data/map-limit.js';
import type { DatasetRecord } from '../data/record.js';
import { readReferenceDataset } from '../data/reference-layout.js';
import { DatasetError } from '../errors.js';
import { readGrayImage, readRgbImage } from '../imaging/read-image.js';
import { geometryEstimator, vqaQuestions, type ImageAttributeEstimator } from './attribute-estimator.js';
import { busiPrompts, busiTypeOf } from './busi-templates.js';
import { CAMUS_LABELS, camusPrompts } from './camus-templates.js';
import { chexlocalizePrompts, observationOfFinding, orderPathologies, parseChexlocalizeMaskStem } from './chexlocalize-templates.js';
import { CLASS_NAMES, hasBBox, isNonRadiology, type Family } from './families.js';
import { computeMaskAttributes, renderLocations, renderSizes, type CompatMode } from './mask-attributes.js';
import { nonRadiologyPrompts } from './non-radiology-templates.js';
import type { PromptSet } from './prompt-set.js';

export interface GenerateOptions {
  readonly family: Family;
  readonly compat?: CompatMode;
  readonly estimator?: ImageAttributeEstimator;
  /** Masks processed at once (decoding overlaps); default 8. */
  readonly concurrency?: number;
}

const stem = (path: string): string => basename(path, extname(path));

function metadataString(record: DatasetRecord, key: string, where: string): string {
  const value = record.metadata[key];
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new DatasetError(`${where}: CAMUS prompts need metadata.${key} (from Info_2CH.cfg/Info_4CH.cfg); import the dataset with "vlsm data import camus" or add it to the entry's "metadata"`, where);
}

/** Prompts and attributes for one record, plus the bbox when its family has one. */
export async function promptsForRecord(record: DatasetRecord, options: GenerateOptions): Promise<PromptSet & { bbox: [number, number, number, number] }> {
  const family = options.family;
  const mode = options.compat ?? 'medvlsm';
  const estimator = options.estimator ?? geometryEstimator;
  const maskPath = record.maskPaths[0];
  if (maskPath === undefined) throw new DatasetError(`record ${record.id}: has no mask`, record.imagePath);
  const mask = await readGrayImage(maskPath);
  const attrs = computeMaskAttributes(mask, mode);
  const size = renderSizes(attrs.sizes);
  const location = renderLocations(attrs.locations);
  const ask = async (subject: string): Promise<{ shape: string; color?: string }> => {
    return estimator.estimate({ family, sampleId: record.id, mask, loadImage: () => readRgbImage(record.imagePath), questions: vqaQuestions(family, subject) });
  };
  if (isNonRadiology(family)) {
    const cls = CLASS_NAMES[family].singular;
    const { shape, color = '' } = attrs.number === 0 ? { shape: '' } : await ask(cls);
    return { ...nonRadiologyPrompts(family, { number: attrs.number, size, location, shape, color }, mode), bbox: attrs.bbox };
  }
  if (family === 'busi') {
    const type = typeof record.metadata['type'] === 'string' ? busiTypeOf(`_${String(record.metadata['type'])}`) : busiTypeOf(stem(record.imagePath));
    if (type === 'normal' || attrs.number === 0) {
      // An empty tumour mask gets the normal-image prompts (the reference's script asserts instead).
      return { ...busiPrompts({ type: 'normal', number: 0, size, location, shape: '' }, mode), bbox: attrs.bbox };
    }
    const { shape } = await ask('black patch');
    return { ...busiPrompts({ type, number: attrs.number, size, location, shape }, mode), bbox: attrs.bbox };
  }
  if (family === 'camus') {
    const where = maskPath;
    const labelFromPath = /(?:^|[/\\])mask_(\d+)[/\\]/.exec(maskPath)?.[1];
    const label = Number(record.metadata['label'] ?? labelFromPath ?? 1);
    const tokens = stem(maskPath).split('_');
    const view = String(record.metadata['view'] ?? tokens[1] ?? '');
    const phase = String(record.metadata['phase'] ?? tokens[2] ?? '');
    const { shape } = await ask(CAMUS_LABELS[Math.min(3, Math.max(1, label))]!);
    return {
      ...camusPrompts({
        label, view, phase, shape,
        sex: metadataString(record, 'sex', where),
        age: metadataString(record, 'age', where),
        quality: metadataString(record, 'quality', where),
      }, mode, where),
      bbox: attrs.bbox,
    };
  }
  // chexlocalize
  const parsed = parseChexlocalizeMaskStem(stem(maskPath));
  const finding = typeof record.metadata['finding'] === 'string' ? String(record.metadata['finding']) : parsed?.finding;
  if (finding === undefined) {
    throw new DatasetError(`${maskPath}: cannot tell the finding; CheXlocalize masks are named <image stem>_<finding suffix>.png (e.g. _airspace_opacity)`, maskPath);
  }
  const imageStem = stem(record.imagePath);
  const view = imageStem.slice(imageStem.lastIndexOf('_') + 1);
  const listed = record.metadata['pathologies'];
  const pathologies = orderPathologies(Array.isArray(listed) ? listed.map(String) : [observationOfFinding(finding)]);
  const { shape } = await ask(finding);
  return { ...chexlocalizePrompts({ finding, view, shape, location, pathologies }, mode), bbox: attrs.bbox };
}

/** A fresh reference-format entry (§6 schema) when the root has no annotation files. */
function newEntry(root: string, record: DatasetRecord, family: Family, index: number): AnnotationEntry {
  const toName = (folder: string, path: string): string => relative(join(root, folder), path).split(sep).join(posix.sep);
  return skeletonEntry(toName('images', record.imagePath), toName('masks', record.maskPaths[0]!), index, family === 'camus');
}

/**
 * Generates entries for every record of `root`, keyed by split ("train", "val", "test"), or by
 * "all" when the root has no annotation files. Existing entries keep every key; `prompts`,
 * `attributes` and (where the family has one) `bbox` are recomputed.
 */
export async function generateDatasetPrompts(root: string, options: GenerateOptions): Promise<Map<string, AnnotationEntry[]>> {
  const dataset = await readReferenceDataset(root);
  const family = options.family;
  const out = new Map<string, AnnotationEntry[]>();
  const bases: Array<{ record: DatasetRecord; base: AnnotationEntry; key: string }> = [];
  if (dataset.splits.size > 0) {
    let r = 0;
    for (const [split, entries] of dataset.splits) {
      for (const entry of entries) bases.push({ record: dataset.records[r++]!, base: entry, key: split });
    }
  } else {
    dataset.records.forEach((record, i) => bases.push({ record, base: newEntry(root, record, family, i), key: 'all' }));
  }
  const generated = await mapLimit(bases, options.concurrency ?? 8, async ({ record, base }) => {
    const { prompts, attributes, bbox } = await promptsForRecord(record, options);
    const entry: AnnotationEntry = { ...base };
    if (hasBBox(family)) {
      // Keep the reference's key order: bbox first for a new entry.
      const { bbox: _old, ...rest } = entry;
      void _old;
      return { bbox, ...rest, prompts, attributes } as AnnotationEntry;
    }
    return { ...entry, prompts, attributes } as AnnotationEntry;
  });
  bases.forEach(({ key }, i) => {
    const list = out.get(key) ?? [];
    list.push(generated[i]!);
    out.set(key, list);
  });
  return out;
}

/** Writes `<dir>/<key>.json` for each key of `entries`; returns the files written. */
export async function writeGeneratedPrompts(dir: string, entries: ReadonlyMap<string, readonly AnnotationEntry[]>): Promise<string[]> {
  const files: string[] = [];
  for (const [key, list] of entries) {
    const file = join(dir, `${key}.json`);
    await writeAnnotationFile(file, list);
    files.push(file);
  }
  return files;
}
