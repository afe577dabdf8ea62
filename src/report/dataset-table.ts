// Table 1: the datasets vlsm imports (src/data's importer registry), the paper's description and
// split sizes, and the sizes counted in the data roots given (entries of anns/{train,val,test}.json).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readAnnotationFile } from '../data/annotation-file.js';
import { IMPORTERS } from '../data/importers/registry.js';
import { SPLITS } from '../data/record.js';
import { ConfigError } from '../errors.js';
import { canonicalDataset } from './paper-results.js';
import type { ReportTable } from './report-table.js';
import type { Cell } from './table-format.js';

interface PaperDataset { category: string; modality: string; organ: string; classes: string; splits: [number, number, number] }

/** The paper's Table 1, as printed. */
const PAPER_TABLE1: Record<string, PaperDataset> = {
  'Kvasir-SEG': { category: 'Non-Radiology', modality: 'Endoscopy', organ: 'Colon', classes: 'Polyp', splits: [800, 100, 100] },
  ClinicDB: { category: 'Non-Radiology', modality: 'Endoscopy', organ: 'Colon', classes: 'Polyp', splits: [490, 61, 61] },
  BKAI: { category: 'Non-Radiology', modality: 'Endoscopy', organ: 'Colon', classes: 'Polyp', splits: [800, 100, 100] },
  ETIS: { category: 'Non-Radiology', modality: 'Endoscopy', organ: 'Colon', classes: 'Polyp', splits: [0, 0, 196] },
  'CVC-ColonDB': { category: 'Non-Radiology', modality: 'Endoscopy', organ: 'Colon', classes: 'Polyp', splits: [0, 0, 380] },
  'CVC-300': { category: 'Non-Radiology', modality: 'Endoscopy', organ: 'Colon', classes: 'Polyp', splits: [0, 0, 60] },
  ISIC: { category: 'Non-Radiology', modality: 'Photography', organ: 'Skin', classes: 'Skin Lesion', splits: [810, 90, 379] },
  DFU: { category: 'Non-Radiology', modality: 'Photography', organ: 'Foot', classes: 'Foot Ulcer', splits: [1600, 200, 200] },
  CAMUS: { category: 'Radiology', modality: 'Ultrasound', organ: 'Heart', classes: 'Myocardium, Left ventricular and Left atrium cavity', splits: [4800, 600, 600] },
  BUSI: { category: 'Radiology', modality: 'Ultrasound', organ: 'Breast', classes: 'Benign and Malignant Tumors', splits: [624, 78, 78] },
  CheXlocalize: {
    category: 'Radiology', modality: 'X-Ray', organ: 'Chest',
    classes: 'Atelectasis, Cardiomegaly, Consolidation, Edema, Enlarged Cardiomediastinum, Lung Lesion, Lung Opacity, Pleural Effusion, Pneumothorax, Support Devices',
    splits: [1279, 446, 452],
  },
};

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** Dataset folders under each root: the root itself when it has anns/, else its sub-folders that do; keyed by paper name. */
export function findDatasetRoots(dataRoots: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const root of dataRoots) {
    if (!isDir(root)) throw new ConfigError(`--data-root ${root}: not a folder`, root);
    const candidates = isDir(join(root, 'anns')) ? [root] : readdirSync(root).sort().map((n) => join(root, n)).filter((p) => isDir(join(p, 'anns')));
    for (const dir of candidates) {
      const name = canonicalDataset(basename(dir));
      if (!found.has(name)) found.set(name, dir);
    }
  }
  return found;
}

/** Entries per split of a reference-layout root (null where the split file is absent). */
async function splitCounts(dir: string): Promise<(number | null)[]> {
  return Promise.all(SPLITS.map(async (split) => {
    const file = join(dir, 'anns', `${split}.json`);
    return existsSync(file) ? (await readAnnotationFile(file)).length : null;
  }));
}

/** Table 1 with the counts of `dataRoots` (none: the paper's description and sizes only). */
export async function datasetTable(dataRoots: readonly string[] = []): Promise<ReportTable> {
  const roots = findDatasetRoots(dataRoots);
  const known = Object.entries(IMPORTERS).map(([format, info]) => ({ format, release: info.release, family: info.family, name: canonicalDataset(format) }));
  const rows: Cell[][] = [];
  for (const d of known) {
    const p = PAPER_TABLE1[d.name];
    const dir = roots.get(d.name);
    const counts = dir ? await splitCounts(dir) : [null, null, null];
    rows.push([d.name, d.release, d.format, p?.category ?? null, p?.modality ?? null, p?.organ ?? null, p?.classes ?? null,
      ...SPLITS.flatMap((_, i) => [counts[i] ?? null, p ? p.splits[i]! : null]), dir ?? null]);
  }
  for (const [name, dir] of roots) {
    if (known.some((d) => d.name === name)) continue;
    const counts = await splitCounts(dir);
    rows.push([name, null, null, null, null, null, null, ...SPLITS.flatMap((_, i) => [counts[i] ?? null, null]), dir]);
  }
  const missing: string[] = [];
  if (dataRoots.length === 0) missing.push('No data roots given (--data-root DIR): the split sizes are the paper\'s only.');
  else {
    const absent = known.filter((d) => !roots.has(d.name)).map((d) => d.name);
    if (absent.length) missing.push(`Not found under ${dataRoots.join(', ')}: ${absent.join(', ')}.`);
  }
  return {
    id: 'table1', title: 'Table 1: datasets and splits',
    caption: 'The datasets vlsm imports (vlsm data import FORMAT), with the paper\'s category, modality, organ and foreground classes, and the number of entries per split counted in the data roots beside the paper\'s.',
    table: {
      columns: ['dataset', 'release', 'format', 'category', 'modality', 'organ', 'classes', 'train', 'train paper', 'val', 'val paper', 'test', 'test paper', 'root'],
      rows,
    },
    rowHeaders: 7, groupSpan: 1,
    from: dataRoots.length ? `data roots ${dataRoots.join(', ')}` : 'the paper\'s Table 1 and vlsm\'s importers',
    source: { suite: null, runIds: [], vlsmVersions: [], commits: [] },
    missing,
  };
}
