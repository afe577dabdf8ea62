// CVC-ColonDB in the PraNet layout `TestDataset/CVC-ColonDB/{images,masks}/<n>.png` (or a plain
// {images,masks} root). Test only (paper: 0/0/380).
import type { ImportPlan } from './import-common.js';
import { findPairs, pairedItems, pranetLayouts } from './paired-folders.js';

export async function planCvcColonDb(src: string): Promise<ImportPlan> {
  const files = await findPairs('CVC-ColonDB', src, pranetLayouts('CVC-ColonDB'), 'images/ and masks/ (or TestDataset/CVC-ColonDB/{images,masks}) with matching <n>.png files');
  return { format: 'cvc-colondb', items: pairedItems(files, false, () => ({ split: 'test' })), ratios: { val: 0, test: 1 }, seed: 444 };
}
