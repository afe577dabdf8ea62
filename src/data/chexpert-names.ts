// CheXlocalize finding names and CheXpert observation columns, shared by the importer and the
// prompt templates (docs/prompts.md §3.8, §4.3).

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

/** The mask suffix of a finding name: lower case, spaces to "_" ("Airspace Opacity" → "airspace_opacity"). */
export function findingSuffix(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '_');
}

/** The CheXpert observation counted for a finding: Airspace Opacity is CheXpert's Lung Opacity. */
export function observationOfFinding(finding: string): string {
  return finding === 'Airspace Opacity' ? 'Lung Opacity' : finding;
}
