// (image, prompt, mask) triplets for training and evaluation: the records of one split of a
// reference-layout root, each with the text chosen for the requested prompt type (PROMPTS.md
// §3.7). Where the reference draws anew with Python's global random on every __getitem__, vlsm
// draws from (seed, sample, epoch), so an epoch's prompts can be recomputed.
import type { AnnotationEntry } from '../data/annotation-file.js';
import type { DatasetRecord, Split } from '../data/record.js';
import { readReferenceDataset } from '../data/reference-layout.js';
import { DatasetError } from '../errors.js';
import { selectPrompt, type PromptType } from './prompt-selection.js';

export interface PromptedSample {
  readonly record: DatasetRecord;
  /** The prompt key used (p0…pN; for type "random" the one drawn). */
  readonly promptKey: string;
  readonly text: string;
}

export interface PromptedSplitOptions {
  readonly promptType: PromptType;
  readonly seed: number;
  readonly epoch?: number;
}

/** Texts for the entries of one split; entries without prompts are an error naming the file. */
export function promptedSamples(records: readonly DatasetRecord[], entries: readonly AnnotationEntry[], options: PromptedSplitOptions, file: string): PromptedSample[] {
  return entries.map((entry, i) => {
    if (entry.prompts === undefined) {
      throw new DatasetError(`${file}, entry ${i}: has no prompts; run "vlsm prompts generate" first`, file);
    }
    const { key, text } = selectPrompt(entry.prompts, options.promptType, options.seed, entry.mask_name, options.epoch ?? 0);
    return { record: records[i]!, promptKey: key, text };
  });
}

/** Reads `<root>/anns/<split>.json` and returns its samples with their chosen texts. */
export async function readPromptedSplit(root: string, split: Split, options: PromptedSplitOptions): Promise<PromptedSample[]> {
  const dataset = await readReferenceDataset(root);
  const entries = dataset.splits.get(split);
  const file = `${root}/anns/${split}.json`;
  if (entries === undefined) throw new DatasetError(`${file}: no such split file; this root has ${[...dataset.splits.keys()].join(', ') || 'no anns/ files'}`, file);
  const records = dataset.records.filter((r) => r.split === split);
  return promptedSamples(records, entries, options, file);
}
