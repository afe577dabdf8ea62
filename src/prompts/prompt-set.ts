// What a template produces for one sample: the prompts and every attribute value used.
import type { Prompts } from '../data/annotation-file.js';

/** Attribute values exactly as rendered in the prompts (`number: "two"`, `size: "small, medium"`). */
export type RenderedAttributes = Record<string, string>;

export interface PromptSet {
  readonly prompts: Prompts;
  readonly attributes: RenderedAttributes;
}
