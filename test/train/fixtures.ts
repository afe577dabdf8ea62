// A tiny CLIPSeg and a small synthetic dataset for trainer tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { torch } from '../../src/index.js';
import { writeSyntheticDataset } from '../../src/prompts/synthetic-referring.js';
import { clipsegFromConfig, type ClipsegSegmentationModel } from '../../src/models/clipseg/family.js';
import { readPromptedSplit } from '../../src/prompts/prompted-samples.js';
import type { PromptType } from '../../src/prompts/prompt-selection.js';

export const TINY_CLIPSEG = {
  text_config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2 },
  vision_config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, image_size: 64, patch_size: 16 },
  projection_dim: 16,
  extract_layers: [0, 1],
  reduce_dim: 16,
  decoder_num_attention_heads: 2,
  decoder_intermediate_size: 32,
};

export function tinyClipseg(seed = 0): ClipsegSegmentationModel {
  torch.manualSeed(seed);
  return clipsegFromConfig(TINY_CLIPSEG, [64, 64]);
}

let dataset: Promise<string> | undefined;
/** 24 synthetic 64×64 images (written once per test process). */
export function syntheticRoot(): Promise<string> {
  dataset ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'vlsm-synth-'));
    await writeSyntheticDataset(root, { n: 24, seed: 1, size: 64 });
    return root;
  })();
  return dataset;
}

export async function samples(split: 'train' | 'val' | 'test', promptType: PromptType = 'p6', epoch = 0) {
  return readPromptedSplit(await syntheticRoot(), split, { promptType, seed: 0, epoch });
}
