// The page's prompt chips: the attributes a dataset family's templates P1–P9 are written with,
// suggested from the current mask by vlsm's own estimators (mask attributes for number, size and
// location; the geometry estimator for shape and colour), and composed into prompts by the
// family's own template functions, so a prompt built on the page is worded as the models were
// trained on (docs/prompts.md §3).
import type { Prompts } from '../data/annotation-file.js';
import { ConfigError } from '../errors.js';
import type { GrayImage, RgbImage } from '../imaging/image-types.js';
import { geometryEstimator, vqaQuestions } from '../prompts/attribute-estimator.js';
import { busiPrompts, type BusiType } from '../prompts/busi-templates.js';
import { CAMUS_LABELS, camusPrompts } from '../prompts/camus-templates.js';
import { CHEXLOCALIZE_FINDINGS, chexlocalizePrompts, observationOfFinding } from '../prompts/chexlocalize-templates.js';
import { CLASS_NAMES, isNonRadiology, parseFamily, type Family } from '../prompts/families.js';
import { COLOR_WORDS, SHAPE_WORDS } from '../prompts/geometry-estimator.js';
import { computeMaskAttributes, GRID_WORDS, renderLocations, renderSizes, SIZE_ORDER } from '../prompts/mask-attributes.js';
import { nonRadiologyPrompts } from '../prompts/non-radiology-templates.js';

/** One attribute chip: its name in the templates, its current value and, when closed, the choices. */
export interface Chip {
  name: string;
  value: string;
  options?: readonly string[];
}

export interface ChipSuggestion {
  family: Family;
  chips: Chip[];
  /** Every template's prompt for these values, p0…p9 as the family defines them. */
  prompts: Prompts;
}

const shapes = (family: Family): string[] => [...new Set(Object.values(SHAPE_WORDS[family]))];
const numbers = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];

/** The chips of a family, with default values (before any mask suggests better ones). */
export function chipsOf(family: Family): Chip[] {
  const geometry: Chip[] = [
    { name: 'number', value: '1', options: numbers },
    { name: 'size', value: 'small', options: SIZE_ORDER },
    { name: 'location', value: 'center', options: GRID_WORDS },
    { name: 'shape', value: shapes(family)[0]!, options: shapes(family) },
  ];
  if (isNonRadiology(family)) return [...geometry, { name: 'color', value: COLOR_WORDS[family][0]!, options: COLOR_WORDS[family] }];
  if (family === 'busi') return [{ name: 'type', value: 'malignant', options: ['benign', 'malignant', 'normal'] }, ...geometry];
  if (family === 'camus') {
    return [
      { name: 'label', value: '1', options: Object.keys(CAMUS_LABELS) },
      { name: 'view', value: '4CH', options: ['2CH', '4CH'] },
      { name: 'phase', value: 'ED', options: ['ED', 'ES'] },
      { name: 'shape', value: shapes(family)[0]!, options: shapes(family) },
      { name: 'sex', value: 'F', options: ['F', 'M'] },
      { name: 'age', value: '60' },
      { name: 'quality', value: 'Good', options: ['Good', 'Medium', 'Poor'] },
    ];
  }
  return [
    { name: 'finding', value: CHEXLOCALIZE_FINDINGS[0]![1], options: CHEXLOCALIZE_FINDINGS.map(([, name]) => name) },
    { name: 'view', value: 'frontal', options: ['frontal', 'lateral'] },
    { name: 'shape', value: shapes(family)[0]!, options: shapes(family) },
    { name: 'location', value: 'center', options: GRID_WORDS },
  ];
}

function valueOf(values: Readonly<Record<string, string>>, name: string, family: Family): string {
  const value = values[name];
  if (typeof value !== 'string') throw new ConfigError(`the ${family} templates need a value for '${name}'`, undefined, name);
  return value.trim();
}

function wholeNumber(text: string, name: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 0 && n <= 1000)) throw new ConfigError(`'${name}' must be a whole number from 0 to 1000, got ${JSON.stringify(text)}`, undefined, name);
  return n;
}

/** The family's prompts p0…p9 for chip values (every chip of `chipsOf(family)` must be given). */
export function composePrompts(family: Family, values: Readonly<Record<string, string>>): Prompts {
  const v = (name: string): string => valueOf(values, name, family);
  if (isNonRadiology(family)) {
    return nonRadiologyPrompts(family, { number: wholeNumber(v('number'), 'number'), size: v('size'), location: v('location'), shape: v('shape'), color: v('color') }, 'medvlsm').prompts;
  }
  if (family === 'busi') {
    const type = v('type') as BusiType;
    if (!['benign', 'malignant', 'normal'].includes(type)) throw new ConfigError(`'type' must be benign, malignant or normal, got ${JSON.stringify(type)}`, undefined, 'type');
    return busiPrompts({ type, number: wholeNumber(v('number'), 'number'), size: v('size'), location: v('location'), shape: v('shape') }, 'medvlsm').prompts;
  }
  if (family === 'camus') {
    return camusPrompts({ label: wholeNumber(v('label'), 'label'), view: v('view'), phase: v('phase'), sex: v('sex'), age: v('age'), quality: v('quality'), shape: v('shape') }, 'medvlsm', 'the page').prompts;
  }
  const finding = v('finding');
  return chexlocalizePrompts({ finding, view: v('view'), shape: v('shape'), location: v('location'), pathologies: [observationOfFinding(finding)] }, 'medvlsm').prompts;
}

/** The subject the reference's VQA question names, for the estimator's request. */
function subjectOf(family: Family, values: Readonly<Record<string, string>>): string {
  if (isNonRadiology(family)) return CLASS_NAMES[family].singular;
  if (family === 'busi') return 'black patch';
  if (family === 'camus') return CAMUS_LABELS[Number(values['label'] ?? 1)] ?? CAMUS_LABELS[1]!;
  return values['finding'] ?? 'the finding';
}

/**
 * Chips for `mask` (0/255 at the image's size): number, size and location from the mask's
 * components, shape (and colour) from the geometry estimator; the attributes a mask cannot tell
 * (BUSI's type, CAMUS's view and phase) keep `given` values or the defaults.
 */
export async function suggestChips(familyName: string, mask: GrayImage, image: RgbImage, given: Readonly<Record<string, string>> = {}): Promise<ChipSuggestion> {
  const family = parseFamily(familyName, 'family');
  const chips = chipsOf(family).map((chip) => ({ ...chip, value: given[chip.name] ?? chip.value }));
  const values = Object.fromEntries(chips.map((c) => [c.name, c.value]));
  const attributes = computeMaskAttributes(mask, 'medvlsm');
  const estimated = attributes.number === 0 ? { shape: undefined, color: undefined } : await geometryEstimator.estimate({
    family, mask, sampleId: 'page', loadImage: async () => image, questions: vqaQuestions(family, subjectOf(family, values)),
  });
  const fromMask: Record<string, string | undefined> = {
    number: String(attributes.number),
    size: renderSizes(attributes.sizes) || undefined,
    location: renderLocations(attributes.locations) || undefined,
    shape: estimated.shape || undefined,
    color: estimated.color || undefined,
  };
  if (family === 'busi' && attributes.number === 0) fromMask['type'] = 'normal';
  for (const chip of chips) {
    const suggested = fromMask[chip.name];
    if (suggested !== undefined && given[chip.name] === undefined) chip.value = suggested;
  }
  return { family, chips, prompts: composePrompts(family, Object.fromEntries(chips.map((c) => [c.name, c.value]))) };
}
