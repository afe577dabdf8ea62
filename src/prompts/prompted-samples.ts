// (image, prompt, mask) triplets for training and evaluation: the records of one split of a
// reference-layout root, each with the text chosen for the requested prompt type (docs/prompts.md
// §3.7). Where the reference draws anew with Python's global random on every __getitem__, vlsm
// draws from (seed, sample, epoch), so an epoch's prompts can be recomputed. With templates 'all'
// an entry gives one sample per template of its prompt, in list order (the fork's test).
import { readAnnotationFile, type AnnotationEntry } from '../data/annotation-file.js';
import type { DatasetRecord, Split } from '../data/record.js';
import { entryToRecord, readReferenceDataset } from '../data/reference-layout.js';
import { DatasetError } from '../errors.js';
import { selectPrompts, type PromptType, type TemplateChoice } from './prompt-selection.js';

export interface PromptedSample {
  readonly record: DatasetRecord;
  /** The prompt key used (p0…pN; for type "random" the one drawn). */
  readonly promptKey: string;
  readonly text: string;
  /** The text's index in the prompt's template list (0 for a string prompt), of `templateCount`. */
  readonly template?: number;
  readonly templateCount?: number;
}

/** Whether `sample` holds the last template of its prompt (true when it says nothing). */
export const isLastTemplate = (sample: Pick<PromptedSample, 'template' | 'templateCount'>): boolean =>
  sample.template === undefined || sample.templateCount === undefined || sample.template === sample.templateCount - 1;

export interface PromptedSplitOptions {
  readonly promptType: PromptType;
  readonly seed: number;
  readonly epoch?: number;
  /** Prompt type `random` may draw p0 (the fork); default false (HEAD). */
  readonly randomIncludesP0?: boolean;
  /** Which template(s) of a list prompt: default 'random'; 'all' gives a sample per template. */
  readonly templates?: TemplateChoice;
}

/** Texts for the entries of one split; entries without prompts are an error naming the file. */
export function promptedSamples(records: readonly DatasetRecord[], entries: readonly AnnotationEntry[], options: PromptedSplitOptions, file: string): PromptedSample[] {
  return entries.flatMap((entry, i) => {
    if (entry.prompts === undefined) {
      throw new DatasetError(`${file}, entry ${i}: has no prompts; run "vlsm prompts generate" first`, file);
    }
    const selected = selectPrompts(entry.prompts, options.promptType, options.seed, entry.mask_name, options.epoch ?? 0, {
      randomIncludesP0: options.randomIncludesP0,
      templates: options.templates,
    });
    return selected.map(({ key, text, template, templateCount }) => ({ record: records[i]!, promptKey: key, text, template, templateCount }));
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

/**
 * The samples of an alternative annotation file (e.g. perturbed prompts) for the images and masks
 * of `root`: paths resolve inside the root as its own anns/ files do; nothing is copied.
 */
export async function readPromptedFile(root: string, file: string, split: Split, options: PromptedSplitOptions): Promise<PromptedSample[]> {
  const entries = await readAnnotationFile(file);
  const records = entries.map((entry, i) => entryToRecord(root, entry, split, `${file}, entry ${i}`, file));
  return promptedSamples(records, entries, options, file);
}
