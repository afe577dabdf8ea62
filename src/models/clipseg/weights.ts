// From a checkpoint's keys to CLIPSegForImageSegmentation's, in one place (as HuggingFace's
// convert_clipseg_original_pytorch_to_hf.py): wrappers and stale buffers go, names stay.
import type * as torch from '../../torch/index.js';

type Tensor = torch.Tensor;

/**
 * Accepts HuggingFace CLIPSegForImageSegmentation keys (`clip.*`, `decoder.*`), the same under a
 * `clipseg.` or `model.` wrapper (medvlsm's Lightning module saves `net.model.*`-style prefixes
 * through its own wrapper), and a bare CLIPSegModel (`text_model.*`). Drops the non-persistent
 * `position_ids` buffers that older transformers versions saved.
 */
export function normalizeClipsegKeys(stateDict: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, value] of stateDict) {
    let name = key;
    for (const prefix of ['module.', 'net.', 'model.', 'clipseg.']) if (name.startsWith(prefix)) name = name.slice(prefix.length);
    if (/^(text_model|vision_model|visual_projection|text_projection|logit_scale)\b/.test(name)) name = `clip.${name}`;
    if (name.endsWith('.position_ids')) continue;
    out.set(name, value);
  }
  return out;
}
