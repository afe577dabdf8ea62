// Finding and reading a checkpoint folder's weights file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import * as torch from '../torch/index.js';

/** The first of `candidates` present in `folder`, or a CheckpointError listing what was looked for. */
export function findWeightsFile(folder: string, candidates: readonly string[]): string {
  for (const name of candidates) {
    const path = join(folder, name);
    if (existsSync(path)) return path;
  }
  throw new CheckpointError(`${folder}: no weights file; expected one of ${candidates.join(', ')}`, folder);
}

/** Loads a state dict from safetensors or a PyTorch zip archive, on `device`. */
export async function readWeights(path: string, device?: torch.Device): Promise<Map<string, torch.Tensor>> {
  return torch.io.loadStateDict(path, { device });
}
