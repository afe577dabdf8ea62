// A dataset's own prompt types: the keys its test entries carry (P0–P9 for the non-radiology
// families, P0–P7 for CAMUS, P0–P6 for BUSI and CheXlocalize), in number order. Zero-shot over
// datasets of several families scores each with its own set.
import { join } from 'node:path';
import { readAnnotationFile } from '../data/annotation-file.js';
import { DatasetError } from '../errors.js';
import type { PromptType } from '../prompts/prompt-selection.js';

export async function datasetPromptTypes(root: string): Promise<PromptType[]> {
  const file = join(root, 'anns', 'test.json');
  const keys = new Set<string>();
  for (const entry of await readAnnotationFile(file)) for (const key of Object.keys(entry.prompts ?? {})) if (/^p\d+$/.test(key)) keys.add(key);
  if (keys.size === 0) throw new DatasetError(`${file}: its entries carry no prompts p0, p1, …; run "vlsm prompts generate" first or give --prompts`, file);
  return [...keys].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))) as PromptType[];
}
