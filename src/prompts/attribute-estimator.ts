// The interface through which shape and colour are named. The default is deterministic geometry
// and colour naming; an external VQA model (the reference used OFA-Large, docs/prompts.md §2) plugs in
// by implementing `ImageAttributeEstimator`, and receives the reference's exact questions.
import type { GrayImage, RgbImage } from '../imaging/image-types.js';
import type { Family } from './families.js';
import { COLOR_WORDS, estimateColor, estimateShape } from './geometry-estimator.js';

export interface AttributeRequest {
  readonly family: Family;
  /** The sample's mask name (its record id), for estimators that look answers up. */
  readonly sampleId: string;
  /** Decodes the sample's image (RGB) on demand: shape-only estimators never pay for it. */
  loadImage(): Promise<RgbImage>;
  readonly mask: GrayImage;
  /** The reference's VQA questions for this sample (§2.3); colour only for non-radiology. */
  readonly questions: { readonly shape: string; readonly color?: string };
}

export interface ImageAttributeEstimator {
  readonly name: string;
  estimate(request: AttributeRequest): Promise<{ shape: string; color?: string }>;
}

/** Question text of §2.3. `subject` is the query name, label or finding. */
export function vqaQuestions(family: Family, subject: string): { shape: string; color?: string } {
  switch (family) {
    case 'busi':
      return { shape: 'What is the shape of black patch enclosed in the green box?' };
    case 'camus':
      return { shape: `What is the shape of the ${subject.toLowerCase()} enclosed in the green box?` };
    case 'chexlocalize':
      return { shape: `What is the shape of ${subject} enclosed in green box?` };
    default:
      return {
        shape: `What is the shape of ${subject} enclosed in green box?`,
        color: `What is the color of ${subject} enclosed in green box?`,
      };
  }
}

/** Deterministic default: geometry for shape, CIELAB nearest colour word for colour. */
export const geometryEstimator: ImageAttributeEstimator = {
  name: 'geometry',
  async estimate({ family, mask, loadImage }) {
    const shape = estimateShape(mask, family) ?? '';
    if (COLOR_WORDS[family].length === 0) return { shape };
    return { shape, color: estimateColor(await loadImage(), mask, COLOR_WORDS[family]) ?? '' };
  },
};
