// Checkpoint keys for BiomedCLIPSeg: `biomedclip.*` (open_clip's CustomTextCLIP) and `decoder.*`
// (HuggingFace CLIPSegDecoder), from the files they come in.
import type * as torch from '../../torch/index.js';
import { CheckpointError } from '../../errors.js';
import { normalizeBiomedClipKeys } from '../biomedclip/weights.js';
import { normalizeClipsegKeys } from '../clipseg/weights.js';

type Tensor = torch.Tensor;

const openClipKey = /^(visual|text|logit_scale)\b/;

/**
 * Accepts a whole BiomedCLIPSeg state dict: ours (`biomedclip.*`, `decoder.*`), medvlsm's
 * Lightning checkpoint (`net.biomedclip.*`, `net.decoder.*`), the same under `module.` or `model.`,
 * or bare open_clip keys (`visual.*`, `text.*`, `logit_scale`) mixed with `decoder.*`. Drops the
 * stale BERT buffers.
 */
export function normalizeBiomedClipSegKeys(stateDict: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const encoder = new Map<string, Tensor>();
  const out = new Map<string, Tensor>();
  for (const [key, value] of stateDict) {
    let name = key;
    for (const prefix of ['module.', 'net.', 'model.']) if (name.startsWith(prefix)) name = name.slice(prefix.length);
    if (name.startsWith('biomedclip.')) encoder.set(name.slice('biomedclip.'.length), value);
    else if (openClipKey.test(name)) encoder.set(name, value);
    else out.set(name, value);
  }
  for (const [name, value] of normalizeBiomedClipKeys(encoder)) out.set(`biomedclip.${name}`, value);
  return out;
}

/**
 * The `decoder.*` tensors of a CLIPSeg checkpoint (HuggingFace CLIPSegForImageSegmentation keys,
 * any wrapper normalizeClipsegKeys accepts), for BiomedCLIPSeg-D. `file` names it in errors.
 */
export function clipsegDecoderTensors(stateDict: ReadonlyMap<string, Tensor>, file = 'the CLIPSeg checkpoint'): Map<string, Tensor> {
  const out = new Map([...normalizeClipsegKeys(stateDict)].filter(([name]) => name.startsWith('decoder.')));
  if (out.size === 0) {
    const some = [...stateDict.keys()].slice(0, 5).join(', ');
    throw new CheckpointError(`${file}: holds no CLIPSeg decoder tensors (no key starts with "decoder."; keys: ${some}${stateDict.size > 5 ? ', …' : ''})`, file);
  }
  return out;
}
