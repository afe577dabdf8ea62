// Prompt generation speed: mask attributes (number, size, location, bbox) per 512² mask; the
// reference's extraction takes 6–9 ms per mask (a figure recorded earlier; docs/architecture.md §5).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticDataset } from '../src/prompts/synthetic-referring.js';
import { readGrayImage } from '../src/imaging/read-image.js';
import { computeMaskAttributes } from '../src/prompts/mask-attributes.js';

export async function promptFigures(n = 100): Promise<{ mask_attributes_ms: number; masks: number }> {
  const root = mkdtempSync(join(tmpdir(), 'vlsm-bench-prompts-'));
  try {
    await writeSyntheticDataset(root, { n, seed: 0, size: 512 });
    const masks = await Promise.all(readdirSync(join(root, 'masks')).map((f) => readGrayImage(join(root, 'masks', f))));
    computeMaskAttributes(masks[0]!);
    const t0 = process.hrtime.bigint();
    for (const m of masks) computeMaskAttributes(m, 'medvlsm');
    return { mask_attributes_ms: Number(process.hrtime.bigint() - t0) / 1e6 / masks.length, masks: masks.length };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
