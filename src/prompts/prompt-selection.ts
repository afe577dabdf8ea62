// How a loader picks the text for a sample (docs/prompts.md §3.7, docs/training.md §2.3): a list prompt
// gives one of its templates, and prompt type "random" first picks a prompt key. vlsm makes every
// choice from a seed and the sample's key (and epoch), so runs are reproducible.
//
// Where the reference's code paths differ (docs/training.md §7 items 12 and 13), both are options:
// - `random` draws among p1..pN (medvlsm HEAD, the default) or among p0..pN (the fork, which
//   produced the published pooled-all CRIS runs): `randomIncludesP0`.
// - a list prompt gives a seeded `'random'` template (HEAD, every split; the fork's training),
//   the `'first'` (the fork's validation), or `'all'` of them (the fork's test: each is run and
//   scored, and the last one's mask is the reported prediction).
import type { Prompts } from '../data/annotation-file.js';
import { ConfigError } from '../errors.js';
import { createRandom } from '../data/seeded-random.js';

export type PromptType = `p${number}` | 'random';

/** Which template of a list prompt a sample gets: one seeded draw, the first, or every one. */
export type TemplateChoice = 'random' | 'first' | 'all';
export const templateChoices: readonly TemplateChoice[] = ['random', 'first', 'all'];

export interface SelectOptions {
  /** Prompt type `random` may draw p0 too (the fork); default false (HEAD: p1..pN only). */
  randomIncludesP0?: boolean;
  /** Default 'random'. */
  templates?: TemplateChoice;
}

/** One chosen text; `template` is its index in the prompt's list (0 for a string) of `templateCount`. */
export interface SelectedPrompt {
  key: string;
  text: string;
  template: number;
  templateCount: number;
}

export function parsePromptType(value: string): PromptType {
  if (value === 'random' || /^p\d+$/.test(value)) return value as PromptType;
  throw new ConfigError(`prompt type "${value}" is not p0, p1, … or random`, undefined, 'prompt_type');
}

export function parseTemplateChoice(value: string, field = 'templates'): TemplateChoice {
  if ((templateChoices as readonly string[]).includes(value)) return value as TemplateChoice;
  throw new ConfigError(`template choice "${value}" is not ${templateChoices.join(', ')}`, undefined, field);
}

const byNumber = (a: string, b: string): number => Number(a.slice(1)) - Number(b.slice(1));

/** The prompt keys p1..pN present in `prompts`, in numeric order (p0 excluded). */
export function nonEmptyPromptKeys(prompts: Prompts): string[] {
  return Object.keys(prompts).filter((k) => k !== 'p0').sort(byNumber);
}

/** The keys prompt type `random` draws from: p1..pN, or p0..pN when `includeP0` (and p0 exists). */
export function randomPromptKeys(prompts: Prompts, includeP0 = false): string[] {
  return includeP0 ? Object.keys(prompts).sort(byNumber) : nonEmptyPromptKeys(prompts);
}

/**
 * The texts for one sample: one for templates 'random' and 'first', every template of the chosen
 * prompt (in list order) for 'all'. `sampleKey` identifies the sample (e.g. its mask name); the same
 * (seed, sampleKey, epoch, options) always gives the same texts. With the default options the draws
 * are those vlsm always made.
 */
export function selectPrompts(prompts: Prompts, type: PromptType, seed: number, sampleKey: string, epoch = 0, o: SelectOptions = {}): SelectedPrompt[] {
  const rng = createRandom(`${seed}\u0000${sampleKey}\u0000${epoch}`);
  let key: string = type;
  if (type === 'random') {
    const keys = randomPromptKeys(prompts, o.randomIncludesP0);
    if (keys.length === 0) throw new ConfigError(`sample ${sampleKey}: prompt type random needs at least ${o.randomIncludesP0 ? 'p0' : 'p1'}`, undefined, 'prompt_type');
    key = rng.choice(keys);
  }
  const value = prompts[key];
  if (value === undefined) throw new ConfigError(`sample ${sampleKey}: has no prompt ${key}; it has ${Object.keys(prompts).join(', ')}`, undefined, 'prompt_type');
  if (typeof value === 'string') return [{ key, text: value, template: 0, templateCount: 1 }];
  if (value.length === 0) throw new ConfigError(`sample ${sampleKey}: prompt ${key} is an empty list`, undefined, 'prompt_type');
  const templateCount = value.length;
  switch (o.templates ?? 'random') {
    case 'all': return value.map((text, template) => ({ key, text, template, templateCount }));
    case 'first': return [{ key, text: value[0]!, template: 0, templateCount }];
    case 'random': {
      const template = rng.int(templateCount);
      return [{ key, text: value[template]!, template, templateCount }];
    }
  }
}

/** The one text for a sample (templates 'random' or 'first'; see selectPrompts). */
export function selectPrompt(prompts: Prompts, type: PromptType, seed: number, sampleKey: string, epoch = 0, o: SelectOptions & { templates?: 'random' | 'first' } = {}): SelectedPrompt {
  return selectPrompts(prompts, type, seed, sampleKey, epoch, o)[0]!;
}
