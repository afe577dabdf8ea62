// Prompt generation speed: mask attributes (number, size, location, bbox) per 512² mask, on masks
// written here; bench/python-mask-attributes.py times the same work on the same files.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticDataset } from '../src/prompts/synthetic-referring.js';
import { readGrayImage } from '../src/imaging/read-image.js';
import { computeMaskAttributes } from '../src/prompts/mask-attributes.js';

export interface PromptFigures {
  mask_attributes_ms: number;
  masks: number;
  /** The mask folder, for the Python reference; removed by `cleanup`. */
  dataset: string;
  cleanup(): void;
}

export async function promptFigures(n = 100): Promise<PromptFigures> {
  const root = mkdtempSync(join(tmpdir(), 'vlsm-bench-prompts-'));
  const cleanup = (): void => rmSync(root, { recursive: true, force: true });
  try {
    await writeSyntheticDataset(root, { n, seed: 0, size: 512 });
    const dir = join(root, 'masks');
    const masks = await Promise.all(readdirSync(dir).map((f) => readGrayImage(join(dir, f))));
    computeMaskAttributes(masks[0]!);
    const t0 = process.hrtime.bigint();
    for (const m of masks) computeMaskAttributes(m, 'medvlsm');
    return { mask_attributes_ms: Number(process.hrtime.bigint() - t0) / 1e6 / masks.length, masks: masks.length, dataset: dir, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}
