// Exporting a loaded model to its home library's format: each family has one home format, and
// the folder written is what that library loads (and what vlsm loads back unchanged).
import { ConfigError } from '../../errors.js';
import { BiomedCLIPSegSegmentationModel } from '../biomedclipseg/family.js';
import { ClipsegSegmentationModel } from '../clipseg/family.js';
import { CnnSegmentationModel } from '../cnn/family.js';
import { CrisSegmentationModel } from '../cris/family.js';
import type { SegmentationModel } from '../types.js';
import { exportClipsegHf } from './clipseg-hf.js';
import { exportCrisPth } from './cris-pth.js';
import { exportBiomedClipSeg } from './open-clip.js';
import { exportSmp } from './smp.js';
import { HOME_FORMATS, type ExportedModel, type ExportOptions, type HomeFormat } from './types.js';

export { HOME_FORMATS, EXPORT_DTYPES, type ExportDtype, type ExportedModel, type ExportOptions, type HomeFormat } from './types.js';
export { crisYaml, CRIS_EXPORT_WEIGHTS } from './cris-pth.js';
export { smpConstructorArguments, SMP_CLASSES, SMP_EXPORT_WEIGHTS } from './smp.js';

/** Each family's home format. */
export const HOME_FORMAT_OF: Readonly<Record<string, HomeFormat>> = {
  clipseg: 'hf',
  'biomedclipseg': 'open_clip',
  'biomedclipseg-d': 'open_clip',
  cris: 'cris',
  unet: 'smp',
  unetplusplus: 'smp',
  deeplabv3plus: 'smp',
};

/** The home format of `family`, checked against an asked `format` ('auto' or undefined: the home one). */
export function homeFormatFor(family: string, format: HomeFormat | 'auto' | undefined): HomeFormat {
  const home = HOME_FORMAT_OF[family];
  if (home === undefined) throw new ConfigError(`export: model family '${family}' has no home format; exportable families: ${Object.keys(HOME_FORMAT_OF).join(', ')}`);
  if (format !== undefined && format !== 'auto' && format !== home) {
    if (!(HOME_FORMATS as readonly string[]).includes(format)) throw new ConfigError(`export: unknown format '${format}'; expected auto or one of ${HOME_FORMATS.join(', ')}`, undefined, 'format');
    throw new ConfigError(`export: model family '${family}' has no '${format}' format; its home format is '${home}' (or use --format auto)`, undefined, 'format');
  }
  return home;
}

/** Writes `model` into the existing folder `dir` in its home format; returns what was written. */
export function exportModel(model: SegmentationModel, dir: string, format: HomeFormat | 'auto' = 'auto', options: ExportOptions = {}): ExportedModel {
  homeFormatFor(model.family, format);
  if (model instanceof ClipsegSegmentationModel) return exportClipsegHf(model, dir, options);
  if (model instanceof BiomedCLIPSegSegmentationModel) return exportBiomedClipSeg(model, dir, options);
  if (model instanceof CrisSegmentationModel) return exportCrisPth(model, dir, options);
  if (model instanceof CnnSegmentationModel) return exportSmp(model, dir, options);
  throw new ConfigError(`export: a '${model.family}' model of an unknown class cannot be exported`);
}
