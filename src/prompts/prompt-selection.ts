// How a loader picks the text for a sample (PROMPTS.md §3.7): a list prompt gives one of its
// alternatives, and prompt type "random" picks uniformly among p1..pN first. vlsm makes the
// choice from a seed and the sample's key (and epoch), so runs are reproducible.
import type { Prompts } from '../data/annotation-file.js';
import { ConfigError } from '../errors.js';
import { createRandom } from '../data/seeded-random.js';

export type PromptType = `p${number}` | 'random';

export function parsePromptType(value: string): PromptType {
  if (value === 'random' || /^p\d+$/.test(value)) return value as PromptType;
  throw new ConfigError(`prompt type "${value}" is not p0, p1, … or random`, undefined, 'prompt_type');
}

/** The prompt keys p1..pN present in `prompts`, in numeric order (p0 excluded). */
export function nonEmptyPromptKeys(prompts: Prompts): string[] {
  return Object.keys(prompts)
    .filter((k) => k !== 'p0')
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/**
 * Chooses the text for one sample. `sampleKey` identifies the sample (e.g. its mask name);
 * the same (seed, sampleKey, epoch) always gives the same text.
 */
export function selectPrompt(prompts: Prompts, type: PromptType, seed: number, sampleKey: string, epoch = 0): { key: string; text: string } {
  const rng = createRandom(`${seed}\u0000${sampleKey}\u0000${epoch}`);
  let key: string = type;
  if (type === 'random') {
    const keys = nonEmptyPromptKeys(prompts);
    if (keys.length === 0) throw new ConfigError(`sample ${sampleKey}: prompt type random needs at least p1`, undefined, 'prompt_type');
    key = rng.choice(keys);
  }
  const value = prompts[key];
  if (value === undefined) throw new ConfigError(`sample ${sampleKey}: has no prompt ${key}; it has ${Object.keys(prompts).join(', ')}`, undefined, 'prompt_type');
  if (typeof value === 'string') return { key, text: value };
  if (value.length === 0) throw new ConfigError(`sample ${sampleKey}: prompt ${key} is an empty list`, undefined, 'prompt_type');
  return { key, text: rng.choice(value) };
}
