// The paper's result tables as data (assets/paper-results/*.csv, transcribed from the arXiv text;
// docs/training.md §5), parsed into one record shape so our runs can be set beside
// them. Dataset and model names are matched through `canonicalDataset` / `canonicalModel`, which
// know the spellings used by the paper, the reference's data/ folders and our importers.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { parseCsv } from './table-format.js';

export interface PaperResult {
  /** "table3", "table4", "table6", "table7", "table8". */
  table: string;
  /** Table 3: Individual / Pooled / Endoscopy Pooled; Table 4: "trained on <dataset>"; Table 8: Zero-shot / Finetuning; else null. */
  setting: string | null;
  model: string;
  /** The (test) dataset; null in Table 8 (MIMIC-CXR reports, not public). */
  dataset: string | null;
  /** P0 … P9 where the table is per prompt; else null. */
  prompt: string | null;
  /** Dice ×100, as printed. */
  mean: number;
  /** Sample std ×100 where printed; else null. */
  std: number | null;
}

/** The folder of the shipped CSVs (assets/paper-results in the package). */
export function paperResultsDir(): string {
  const dir = join(packageRoot(), 'assets', 'paper-results');
  if (!existsSync(join(dir, 'table3.csv'))) throw new ConfigError(`cannot find ${dir}/table3.csv; the vlsm package is incomplete`, dir);
  return dir;
}

const HEADERS: Record<string, string[]> = {
  'finetune_setting,model,dataset,dice': ['setting', 'model', 'dataset', 'mean'],
  'trained_on,model,tested_on,dice': ['trainedOn', 'model', 'dataset', 'mean'],
  'model,dataset,prompt,dice_mean,dice_std': ['model', 'dataset', 'prompt', 'mean', 'std'],
  'model,setting,prompt,dice_mean,dice_std': ['model', 'setting', 'prompt', 'mean', 'std'],
};

/** Parses one of the paper-results CSVs; `file` names it in errors and `table` is its name. */
export function parsePaperResults(text: string, table: string, file = `${table}.csv`): PaperResult[] {
  const rows = parseCsv(text).filter((r) => !(r.length === 1 && r[0] === ''));
  if (rows.length === 0) throw new ConfigError(`${file}: empty; expected a header line`, file);
  const header = rows[0].join(',');
  const fields = HEADERS[header];
  if (!fields) throw new ConfigError(`${file}: unknown header "${header}"; expected one of: ${Object.keys(HEADERS).join(' | ')}`, file);
  return rows.slice(1).map((cells, i) => {
    if (cells.length !== fields.length) throw new ConfigError(`${file}, line ${i + 2}: ${cells.length} fields, the header has ${fields.length}`, file);
    const r: Record<string, string> = Object.fromEntries(fields.map((f, j) => [f, cells[j]]));
    const number = (name: string): number => {
      const v = Number(r[name]);
      if (r[name] === '' || !Number.isFinite(v)) throw new ConfigError(`${file}, line ${i + 2}: ${name} "${r[name]}" is not a number`, file, name);
      return v;
    };
    return {
      table,
      setting: r.trainedOn !== undefined ? `trained on ${r.trainedOn}` : (r.setting ?? null),
      model: r.model,
      dataset: r.dataset ?? null,
      prompt: r.prompt ?? null,
      mean: number('mean'),
      std: r.std !== undefined ? number('std') : null,
    };
  });
}

export const PAPER_TABLES = ['table3', 'table4', 'table6', 'table7', 'table8'] as const;

/** Every shipped table (or the named ones), parsed. */
export function loadPaperResults(tables: readonly string[] = PAPER_TABLES, dir = paperResultsDir()): PaperResult[] {
  return tables.flatMap((t) => {
    if (!(PAPER_TABLES as readonly string[]).includes(t)) throw new ConfigError(`unknown paper table '${t}'; tables: ${PAPER_TABLES.join(', ')}`);
    const file = join(dir, `${t}.csv`);
    return parsePaperResults(readFileSync(file, 'utf8'), t, file);
  });
}

const key = (name: string): string => name.toLowerCase().replace(/\+/g, 'plus').replace(/[^a-z0-9]/g, '');

const DATASET_ALIASES: Record<string, string[]> = {
  'Kvasir-SEG': ['kvasir', 'kvasirpolyp'],
  ClinicDB: ['cvcclinicdb', 'clinicdbpolyp'],
  BKAI: ['bkaiigh', 'bkaipolyp', 'bkaiighneopolyp'],
  ISIC: ['isic2016'],
  DFU: ['dfu2022', 'dfuc2022'],
  CAMUS: [],
  BUSI: [],
  CheXlocalize: [],
  'CVC-300': ['cvc300polyp'],
  'CVC-ColonDB': ['colondb', 'colondbpolyp', 'cvccolondbpolyp'],
  ETIS: ['etislarib', 'etislaribpolypdb', 'etispolyp'],
};

const MODEL_ALIASES: Record<string, string[]> = {
  CRIS: [],
  CLIPSeg: [],
  BiomedCLIPSeg: [],
  'BiomedCLIPSeg-D': ['biomedclipsegd'],
  UNet: [],
  'UNet++': ['unetplusplus'],
  'DeepLabv3+': ['deeplabv3plus'],
  SOTA: [],
};

function lookup(table: Record<string, string[]>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [canonical, aliases] of Object.entries(table)) for (const a of [canonical, ...aliases]) map.set(key(a), canonical);
  return map;
}
const DATASETS = lookup(DATASET_ALIASES);
const MODELS = lookup(MODEL_ALIASES);

/** The paper's spelling of a dataset name ("kvasir_polyp", "kvasir-seg" → "Kvasir-SEG"); the name itself when unknown. */
export const canonicalDataset = (name: string): string => DATASETS.get(key(name)) ?? name;

/** The paper's spelling of a model name ("clipseg" → "CLIPSeg", "unetplusplus" → "UNet++"); the name itself when unknown. */
export const canonicalModel = (name: string): string => MODELS.get(key(name)) ?? name;
