// `vlsm serve --data ROOT`: a dataset in the reference layout, browsable from the page. Images are
// named by their index in the dataset, never by a path from the request, and every file is checked
// to lie inside ROOT (symlinks resolved) before it is read, as the data loaders do.
import { basename, extname } from 'node:path';
import type { AnnotationEntry, Prompts } from '../data/annotation-file.js';
import { checkRealPathInsideRoot } from '../data/inside-root.js';
import { mapLimit } from '../data/map-limit.js';
import type { DatasetRecord } from '../data/record.js';
import { readReferenceDataset } from '../data/reference-layout.js';
import { openResults } from '../experiments/results/open.js';
import type { GrayImage, RgbImage } from '../imaging/image-types.js';
import { readGrayImage, readRgbImage } from '../imaging/read-image.js';
import type { Family } from '../prompts/families.js';
import { promptsForRecord } from '../prompts/generate-prompts.js';

/** One row of the page's image list. */
export interface BrowseItem {
  id: number;
  name: string;
  split: string;
  className: string;
  /** Attribute values as rendered in the prompts (from the annotation, or generated). */
  attributes: Record<string, string>;
}

/** A stored per-image score of a run in the results database. */
export interface ItemScore {
  run: string;
  dataset: string;
  prompt: string;
  dice: number;
}

export interface BrowseDetail extends BrowseItem {
  /** P0…P9 as vlsm generates them from the mask (the annotation's when generation fails). */
  prompts: Prompts;
  /** The annotation file's own prompts, when it has any. */
  annotatedPrompts: Prompts | undefined;
  scores: ItemScore[];
}

const stemOf = (path: string): string => basename(path, extname(path));

/** A record's class: its metadata's, else the image stem's last "_" token (BUSI's 1_malignant). */
function classOf(record: DatasetRecord): string {
  for (const key of ['class', 'type', 'finding', 'label']) {
    const value = record.metadata[key];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  const stem = stemOf(record.imagePath);
  return stem.includes('_') ? stem.slice(stem.lastIndexOf('_') + 1) : '';
}

export class DatasetBrowser {
  #entries: (AnnotationEntry | undefined)[] = [];
  #records: readonly DatasetRecord[] = [];
  #generated = new Map<number, { prompts: Prompts; attributes: Record<string, string> }>();
  #scores: (ItemScore & { imageId: string })[] | undefined;

  private constructor(readonly root: string, readonly family: Family | undefined, readonly dbPath: string | undefined) {}

  /** Reads ROOT's annotation files (or pairs images/ with masks/) and, when given, opens the results database read-only once to check it. */
  static async open(root: string, o: { family?: Family; db?: string } = {}): Promise<DatasetBrowser> {
    const browser = new DatasetBrowser(root, o.family, o.db);
    const dataset = await readReferenceDataset(root);
    browser.#records = dataset.records;
    const byMask = new Map<string, AnnotationEntry>();
    for (const entries of dataset.splits.values()) for (const e of entries) byMask.set(e.mask_name, e);
    browser.#entries = dataset.records.map((r) => byMask.get(r.id));
    if (o.db) browser.#scores = browser.#readScores();
    return browser;
  }

  get size(): number {
    return this.#records.length;
  }

  #readScores(): (ItemScore & { imageId: string })[] {
    const store = openResults(this.dbPath!, { readonly: true });
    try {
      const runs = new Map(store.listRuns().map((r) => [r.id, r.name ?? r.model ?? `run ${r.id}`]));
      return store.itemMetrics()
        .filter((m) => m.resolution === 'original')
        .map((m) => ({ run: runs.get(m.runId) ?? `run ${m.runId}`, dataset: m.dataset, prompt: m.prompt, dice: m.dice, imageId: m.imageId }));
    } finally {
      store.close();
    }
  }

  /** The record at `id`, or a RangeError naming the valid range. */
  record(id: number): DatasetRecord {
    const record = Number.isInteger(id) ? this.#records[id] : undefined;
    if (!record) throw new RangeError(`no image ${id} in the dataset; ids run from 0 to ${this.#records.length - 1}`);
    return record;
  }

  async #generatedFor(id: number): Promise<{ prompts: Prompts; attributes: Record<string, string> } | undefined> {
    if (!this.family) return undefined;
    const known = this.#generated.get(id);
    if (known) return known;
    const record = this.record(id);
    this.#checkInside(record);
    const { prompts, attributes } = await promptsForRecord(record, { family: this.family });
    const value = { prompts, attributes: { ...attributes } };
    this.#generated.set(id, value);
    return value;
  }

  #checkInside(record: DatasetRecord): void {
    for (const path of [record.imagePath, ...record.maskPaths]) checkRealPathInsideRoot(this.root, path, 'dataset file');
  }

  #item(id: number, generated: { attributes: Record<string, string> } | undefined): BrowseItem {
    const record = this.record(id);
    const annotated = (this.#entries[id] as { attributes?: Record<string, unknown> } | undefined)?.attributes;
    const attributes = annotated ? Object.fromEntries(Object.entries(annotated).map(([k, v]) => [k, String(v)])) : generated?.attributes ?? {};
    return { id, name: basename(record.imagePath), split: record.split ?? '', className: classOf(record), attributes };
  }

  /** Every image with its split, class and attributes (attributes generated once, when the annotation has none). */
  async list(): Promise<BrowseItem[]> {
    const ids = this.#records.map((_, i) => i);
    const generated = await mapLimit(ids, 4, async (id) => ((this.#entries[id] as { attributes?: unknown } | undefined)?.attributes ? undefined : this.#generatedFor(id).catch(() => undefined)));
    return ids.map((id) => this.#item(id, generated[id]));
  }

  async detail(id: number): Promise<BrowseDetail> {
    const record = this.record(id);
    const generated = await this.#generatedFor(id).catch(() => undefined);
    const annotatedPrompts = this.#entries[id]?.prompts;
    const scores = (this.#scores ?? []).filter((s) => s.imageId === record.id || s.imageId === stemOf(record.id));
    return {
      ...this.#item(id, generated),
      prompts: generated?.prompts ?? annotatedPrompts ?? {},
      annotatedPrompts,
      scores: scores.map(({ run, dataset, prompt, dice }) => ({ run, dataset, prompt, dice })),
    };
  }

  async image(id: number): Promise<RgbImage> {
    const record = this.record(id);
    this.#checkInside(record);
    return readRgbImage(record.imagePath);
  }

  /** The ground truth, 0/255 (the first mask of the record). */
  async mask(id: number): Promise<GrayImage> {
    const record = this.record(id);
    this.#checkInside(record);
    const mask = await readGrayImage(record.maskPaths[0]!);
    for (let i = 0; i < mask.data.length; i++) mask.data[i] = mask.data[i]! > 0 ? 255 : 0;
    return mask;
  }
}
