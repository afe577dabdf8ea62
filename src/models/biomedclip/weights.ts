// From a checkpoint's keys to open_clip CustomTextCLIP's, in one place: wrappers and stale
// buffers go, names stay (open_clip's own load_checkpoint does the same two things).
import type * as torch from '../../torch/index.js';

type Tensor = torch.Tensor;

/** Non-persistent BERT buffers that checkpoints written with older transformers versions hold. */
const staleBuffers = ['text.transformer.embeddings.position_ids', 'text.transformer.embeddings.token_type_ids'];

/**
 * Accepts open_clip keys (`visual.*`, `text.*`, `logit_scale`) as open_clip_pytorch_model.bin and
 * open_clip_model.safetensors hold them, also under DataParallel's `module.` prefix. Drops the
 * stale `position_ids` / `token_type_ids` buffers (open_clip's load_checkpoint deletes them too).
 */
export function normalizeBiomedClipKeys(stateDict: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, value] of stateDict) {
    const name = key.startsWith('module.') ? key.slice('module.'.length) : key;
    if (staleBuffers.includes(name)) continue;
    out.set(name, value);
  }
  return out;
}
