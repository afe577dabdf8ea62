// The one record type every dataset adapter produces.

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/**
 * One (image, masks) sample. Paths are absolute and already checked to lie inside the dataset
 * root. `metadata` holds what prompts need beyond pixels (BUSI tumour type, CAMUS view, …) and,
 * for pooled datasets, `dataset`: the source dataset's name.
 */
export interface DatasetRecord {
  readonly id: string;
  readonly imagePath: string;
  readonly maskPaths: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly split: Split | undefined;
}
