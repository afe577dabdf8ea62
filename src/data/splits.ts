// Seeded train/val/test splits with the paper's ratios, grouped (by patient) where a dataset has
// groups, and membership taken from the reference's own split files when the user has them.
import { ConfigError } from '../errors.js';
import type { Split } from './record.js';
import { createRandom } from './seeded-random.js';

export interface SplitRatios {
  readonly val: number;
  readonly test: number;
}

/**
 * Assigns each id to a split: groups (default: each id its own group) are shuffled with `seed`,
 * then round(val·G) groups go to val, round(test·G) to test, the rest to train. Ids keep their
 * input order inside each split.
 */
export function splitIds(ids: readonly string[], ratios: SplitRatios, seed: number, groupOf: (id: string) => string = (id) => id): Map<string, Split> {
  if (!(ratios.val >= 0 && ratios.test >= 0 && ratios.val + ratios.test <= 1)) {
    throw new ConfigError(`split ratios val ${ratios.val} and test ${ratios.test} must be ≥ 0 and sum to at most 1`, undefined, 'ratios');
  }
  const groups = [...new Set(ids.map(groupOf))].sort();
  const order = createRandom(seed).shuffle(groups);
  const nVal = Math.round(ratios.val * groups.length);
  const nTest = Math.min(groups.length - nVal, Math.round(ratios.test * groups.length));
  const splitOfGroup = new Map<string, Split>();
  order.forEach((group, i) => splitOfGroup.set(group, i < nVal ? 'val' : i < nVal + nTest ? 'test' : 'train'));
  return new Map(ids.map((id) => [id, splitOfGroup.get(groupOf(id))!]));
}

/** Like `splitIds`, but separately inside each stratum (BUSI splits per class). */
export function splitIdsStratified(ids: readonly string[], ratios: SplitRatios, seed: number, stratumOf: (id: string) => string, groupOf?: (id: string) => string): Map<string, Split> {
  const out = new Map<string, Split>();
  const strata = [...new Set(ids.map(stratumOf))].sort();
  strata.forEach((stratum, i) => {
    for (const [id, split] of splitIds(ids.filter((id) => stratumOf(id) === stratum), ratios, seed + i, groupOf)) out.set(id, split);
  });
  return out;
}
