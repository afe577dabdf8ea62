// CVC-300 (the EndoScene test set) in the PraNet layout `TestDataset/CVC-300/{images,masks}`.
// Test only (paper: 0/0/60; the reference's own cvc300 files are copies of ColonDB's, §5).
import type { ImportPlan } from './import-common.js';
import { findPairs, pairedItems, pranetLayouts } from './paired-folders.js';

export async function planCvc300(src: string): Promise<ImportPlan> {
  const files = await findPairs('CVC-300', src, pranetLayouts('CVC-300'), 'images/ and masks/ (or TestDataset/CVC-300/{images,masks}) with matching <n>.png files');
  return { format: 'cvc-300', items: pairedItems(files, false, () => ({ split: 'test' })), ratios: { val: 0, test: 1 }, seed: 444 };
}
