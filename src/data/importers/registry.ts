// Importer registry: plain data, one row per public release.
import { ConfigError, DatasetError } from '../../errors.js';
import { planBkaiIgh } from './bkai-igh.js';
import { planBusi } from './busi.js';
import { planCamus } from './camus.js';
import { planChexlocalize } from './chexlocalize.js';
import { planCvc300 } from './cvc-300.js';
import { planCvcClinicDb } from './cvc-clinicdb.js';
import { planCvcColonDb } from './cvc-colondb.js';
import { planDfu2022 } from './dfu-2022.js';
import { planEtisLarib } from './etis-larib.js';
import { isDirectory, writeImport, type ImportOptions, type ImportPlan, type ImportResult } from './import-common.js';
import { planIsic2016 } from './isic-2016.js';
import { planKvasirSeg } from './kvasir-seg.js';

export interface ImporterInfo {
  readonly release: string;
  /** Prompt family of the imported dataset. */
  readonly family: 'endoscopy' | 'isic' | 'dfu' | 'busi' | 'camus' | 'chexlocalize';
  readonly plan: (src: string, options: PlanOptions) => Promise<ImportPlan>;
}

export interface PlanOptions {
  /** Output size where the reference resampled: CAMUS side (352), CheXlocalize short side (512); 0 keeps the original. */
  readonly resize?: number;
}

export const IMPORTERS: Readonly<Record<string, ImporterInfo>> = {
  'kvasir-seg': { release: 'Kvasir-SEG', family: 'endoscopy', plan: planKvasirSeg },
  'cvc-clinicdb': { release: 'CVC-ClinicDB', family: 'endoscopy', plan: planCvcClinicDb },
  'bkai-igh': { release: 'BKAI-IGH NeoPolyp', family: 'endoscopy', plan: planBkaiIgh },
  'etis-larib': { release: 'ETIS-LaribPolypDB', family: 'endoscopy', plan: planEtisLarib },
  'cvc-colondb': { release: 'CVC-ColonDB', family: 'endoscopy', plan: planCvcColonDb },
  'cvc-300': { release: 'CVC-300', family: 'endoscopy', plan: planCvc300 },
  'isic-2016': { release: 'ISIC 2016 Part 1', family: 'isic', plan: planIsic2016 },
  'dfu-2022': { release: 'DFUC 2022', family: 'dfu', plan: planDfu2022 },
  camus: { release: 'CAMUS', family: 'camus', plan: (src, o) => planCamus(src, o.resize === undefined ? {} : { size: o.resize }) },
  busi: { release: 'BUSI', family: 'busi', plan: planBusi },
  chexlocalize: { release: 'CheXlocalize', family: 'chexlocalize', plan: (src, o) => planChexlocalize(src, o.resize === undefined ? {} : { shortSide: o.resize }) },
};

export function importerFor(format: string): ImporterInfo {
  const info = IMPORTERS[format];
  if (info === undefined) throw new ConfigError(`unknown dataset format "${format}"; supported formats: ${Object.keys(IMPORTERS).join(', ')}`, undefined, 'FORMAT');
  return info;
}

/** Imports `src` (a release's native layout) into the reference layout at `dst`. */
export async function importDataset(format: string, src: string, dst: string, options: ImportOptions & PlanOptions = {}): Promise<ImportResult> {
  const info = importerFor(format);
  if (!(await isDirectory(src))) throw new DatasetError(`${src}: source folder does not exist`, src);
  if (options.resize !== undefined && !(Number.isInteger(options.resize) && options.resize >= 0)) {
    throw new ConfigError(`--resize must be a whole number of pixels ≥ 0, got ${options.resize}`, undefined, '--resize');
  }
  return writeImport(await info.plan(src, options), dst, options);
}
