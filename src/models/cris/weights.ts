// From checkpoint files to the CRIS module's keys, in one place: DataParallel's `module.` prefix
// and the `{'state_dict': …}` wrapper of CRIS's train.py go, names stay. The backbone may come from
// OpenAI's CLIP TorchScript archive (RN50.pt), as the reference builds it: CRIS.__init__ runs
// build_model(torch.jit.load(RN50.pt).state_dict()) and the CRIS checkpoint is loaded over that.
import { existsSync } from 'node:fs';
import { CheckpointError } from '../../errors.js';
import * as torch from '../../torch/index.js';

type Tensor = torch.Tensor;

/** Entries of OpenAI's CLIP state dict that are sizes, not weights (build_model deletes them). */
const CLIP_SIZE_ENTRIES = new Set(['input_resolution', 'context_length', 'vocab_size']);

/**
 * CRIS keys from a state dict: strips `module.` (DataParallel) wherever present. Keys are
 * otherwise kept as they are; loadStateDict reports what does not fit.
 */
export function normalizeCrisKeys(stateDict: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, value] of stateDict) {
    const name = key.startsWith('module.') ? key.slice('module.'.length) : key;
    if (out.has(name)) throw new CheckpointError(`CRIS weights: both '${name}' and 'module.${name}' are present`, undefined, name);
    out.set(name, value);
  }
  return out;
}

/**
 * The CRIS backbone from an OpenAI CLIP state dict (RN50.pt's `visual.*`, `transformer.*`, …):
 * each key gains `backbone.`; the size entries are dropped. CRIS's own attention-pool residual
 * (`visual.attnpool.connect.*`) is not in OpenAI's file; the CRIS checkpoint supplies it.
 */
export function clipToCrisBackbone(clip: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, value] of clip) {
    if (CLIP_SIZE_ENTRIES.has(key)) continue;
    out.set(`backbone.${key}`, value);
  }
  return out;
}

/** CRIS weights over the backbone weights: CRIS's entries win, as loading it second does. */
export function combineCrisWeights(cris: ReadonlyMap<string, Tensor>, clipBackbone?: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>(clipBackbone ? clipToCrisBackbone(clipBackbone) : []);
  for (const [key, value] of normalizeCrisKeys(cris)) out.set(key, value);
  return out;
}

export interface LoadCrisWeightsOptions {
  /** OpenAI CLIP TorchScript archive (RN50.pt) providing the backbone under the CRIS weights. */
  clipPretrain?: string;
  device?: torch.Device;
}

/**
 * Reads a CRIS checkpoint (safetensors, or a torch.save archive with or without the
 * `state_dict` wrapper and `module.` prefixes) and optionally an OpenAI RN50.pt under it. Tensors
 * the CRIS file repeats replace the CLIP ones; tensors replaced are freed.
 */
export async function loadCrisWeights(path: string, options: LoadCrisWeightsOptions = {}): Promise<Map<string, Tensor>> {
  if (!existsSync(path)) throw new CheckpointError(`CRIS weights: ${path} does not exist`, path);
  const cris = await torch.io.loadStateDict(path, { device: options.device, stripPrefix: [] });
  if (!options.clipPretrain) return normalizeCrisKeys(cris);
  if (!existsSync(options.clipPretrain)) throw new CheckpointError(`CRIS weights: the CLIP backbone archive ${options.clipPretrain} does not exist`, options.clipPretrain);
  const clip = await torch.io.loadTorchScript(options.clipPretrain, { device: options.device });
  const combined = combineCrisWeights(cris, clip);
  const kept = new Set(combined.values());
  torch.dispose([...clip.values()].filter((t) => !kept.has(t)));
  return combined;
}
