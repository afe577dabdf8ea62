// CheXlocalize templates, PROMPTS.md §3.2 and §4.3 (plain strings; p6 keeps its trailing space
// in medvlsm mode).
import type { CompatMode } from './mask-attributes.js';
import type { PromptSet } from './prompt-set.js';

/** The 10 mask suffixes in the reference script's order, with their finding names. */
export const CHEXLOCALIZE_FINDINGS: ReadonlyArray<readonly [suffix: string, name: string]> = [
  ['enlarged_cardiomediastinum', 'Enlarged Cardiomediastinum'],
  ['cardiomegaly', 'Cardiomegaly'],
  ['lung_lesion', 'Lung Lesion'],
  ['airspace_opacity', 'Airspace Opacity'],
  ['edema', 'Edema'],
  ['consolidation', 'Consolidation'],
  ['atelectasis', 'Atelectasis'],
  ['pneumothorax', 'Pneumothorax'],
  ['pleural_effusion', 'Pleural Effusion'],
  ['support_devices', 'Support Devices'],
];

/** CheXpert observation columns in order (the order of pathology lists). */
export const CHEXPERT_OBSERVATIONS = [
  'No Finding', 'Enlarged Cardiomediastinum', 'Cardiomegaly', 'Lung Opacity', 'Lung Lesion', 'Edema', 'Consolidation',
  'Pneumonia', 'Atelectasis', 'Pneumothorax', 'Pleural Effusion', 'Pleural Other', 'Fracture', 'Support Devices',
] as const;

/** Splits a mask stem `<image stem>_<suffix>` into the image stem and the finding name. */
export function parseChexlocalizeMaskStem(stem: string): { imageStem: string; suffix: string; finding: string } | undefined {
  for (const [suffix, finding] of CHEXLOCALIZE_FINDINGS) {
    if (stem.endsWith(`_${suffix}`)) return { imageStem: stem.slice(0, -suffix.length - 1), suffix, finding };
  }
  return undefined;
}

/** The CheXpert observation counted for a finding: Airspace Opacity is CheXpert's Lung Opacity. */
export function observationOfFinding(finding: string): string {
  return finding === 'Airspace Opacity' ? 'Lung Opacity' : finding;
}

/** Orders pathology names by CheXpert column order and drops "No Finding". */
export function orderPathologies(names: Iterable<string>): string[] {
  const set = new Set(names);
  return CHEXPERT_OBSERVATIONS.filter((name) => name !== 'No Finding' && set.has(name));
}

export interface ChexlocalizeValues {
  readonly finding: string;
  /** "frontal" or "lateral". */
  readonly view: string;
  readonly shape: string;
  readonly location: string;
  /** Present pathologies in CheXpert order. */
  readonly pathologies: readonly string[];
}

export function chexlocalizePrompts(values: ChexlocalizeValues, mode: CompatMode): PromptSet {
  const { finding, view, shape, location } = values;
  const pathologies = values.pathologies.join(', ');
  const verb = mode === 'corrected' && values.pathologies.length === 1 ? 'is present.' : 'are present.';
  const p4 = `${finding} of shape ${shape}, and located in ${location} of the ${view} view of a Chest Xray.`;
  return {
    prompts: {
      p0: '',
      p1: `${finding} in a chest Xray.`,
      p2: `${finding} in the ${view} view of a Chest Xray.`,
      p3: `${finding} of shape ${shape} in the ${view} view of a Chest Xray.`,
      p4,
      p5: `${p4} ${pathologies} ${verb}`,
      p6: mode === 'medvlsm' ? `${finding} in a Chest Xray. ${pathologies} ${verb} ` : `${finding} in a Chest Xray. ${pathologies} ${verb}`,
    },
    attributes: { finding, view, shape, location, pathologies },
  };
}
