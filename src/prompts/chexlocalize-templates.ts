// CheXlocalize templates, docs/prompts.md §3.2 and §4.3 (plain strings; p6 keeps its trailing space
// in medvlsm mode).
import { CHEXLOCALIZE_FINDINGS, CHEXPERT_OBSERVATIONS, observationOfFinding } from '../data/chexpert-names.js';
import type { CompatMode } from './mask-attributes.js';

export { CHEXLOCALIZE_FINDINGS, CHEXPERT_OBSERVATIONS, observationOfFinding };
import type { PromptSet } from './prompt-set.js';

/** Splits a mask stem `<image stem>_<suffix>` into the image stem and the finding name. */
export function parseChexlocalizeMaskStem(stem: string): { imageStem: string; suffix: string; finding: string } | undefined {
  for (const [suffix, finding] of CHEXLOCALIZE_FINDINGS) {
    if (stem.endsWith(`_${suffix}`)) return { imageStem: stem.slice(0, -suffix.length - 1), suffix, finding };
  }
  return undefined;
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
