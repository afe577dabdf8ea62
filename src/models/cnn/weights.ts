// From checkpoint files to the CNN baselines' keys, in one place.
// Two sources: torchvision ImageNet classification checkpoints (resnet50-0676ba61.pth etc.) for the
// encoder alone, as smp's ResNetEncoder.load_state_dict (which pops fc.weight and fc.bias), and
// whole smp models (`encoder.*`, `decoder.*`, `segmentation_head.*`), possibly saved through a
// DataParallel or Lightning wrapper.
import { CheckpointError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { ResNetEncoder } from './resnet.js';
import type { SmpSegmentationModel } from './base.js';

type Tensor = torch.Tensor;

/**
 * A torchvision ResNet state dict → the encoder's: the classifier (`fc.*`) goes, nothing else
 * changes (smp's encoder is torchvision's ResNet). Also accepts the encoder's keys under an
 * `encoder.` prefix (taken from a whole smp checkpoint).
 */
export function torchvisionToEncoderKeys(stateDict: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const prefixed = [...stateDict.keys()].some((k) => k.startsWith('encoder.'));
  for (const [key, value] of stateDict) {
    if (prefixed && !key.startsWith('encoder.')) continue;
    const name = prefixed ? key.slice('encoder.'.length) : key;
    if (name === 'fc.weight' || name === 'fc.bias') continue;
    out.set(name, value);
  }
  return out;
}

/**
 * A whole-model checkpoint's keys → smp's: removes `module.` (DataParallel), and `net.` / `model.`
 * (Lightning modules holding the smp model under those attributes) when every key has it.
 */
export function normalizeCnnKeys(stateDict: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  let entries = [...stateDict];
  for (const prefix of ['module.', 'net.', 'model.']) {
    if (entries.length > 0 && entries.every(([k]) => k.startsWith(prefix))) entries = entries.map(([k, v]) => [k.slice(prefix.length), v]);
  }
  return new Map(entries);
}

async function readStateDict(path: string): Promise<Map<string, Tensor>> {
  try {
    return await torch.io.loadStateDict(path);
  } catch (cause) {
    if (cause instanceof CheckpointError) throw cause;
    throw new CheckpointError(`${path}: cannot read the checkpoint (${(cause as Error).message})`, path, undefined, { cause });
  }
}

/**
 * An RGB stem convolution [out, 3, k, k] for `inChannels` inputs, as smp's patch_first_conv does
 * for pretrained weights: one channel takes the sum over RGB; other counts repeat R, G, B
 * cyclically, scaled by 3 / inChannels.
 */
export function adaptFirstConv(weight: Tensor, inChannels: number): Tensor {
  return torch.scope(() => {
    if (inChannels === 1) return weight.sum(1, { keepdim: true }); // [out, 1, k, k]
    const channels = Array.from({ length: inChannels }, (_, i) => weight.narrow(1, i % 3, 1));
    return torch.cat(channels, 1).mul(3 / inChannels); // [out, inChannels, k, k]
  });
}

/**
 * Loads a torchvision ImageNet checkpoint (a `.pth` of `torchvision.models.resnet50().state_dict()`)
 * into `encoder`, ignoring `fc.*`; every other key must fit (errors name the file, key and shapes).
 * An encoder built for other than 3 input channels gets the RGB stem adapted (adaptFirstConv).
 */
export async function loadTorchvisionEncoder(encoder: ResNetEncoder, path: string): Promise<void> {
  const loaded = await readStateDict(path);
  const adapted: Tensor[] = [];
  try {
    const keys = torchvisionToEncoderKeys(loaded);
    const stem = keys.get('conv1.weight');
    const inChannels = encoder.conv1.inChannels;
    if (stem && inChannels !== 3 && stem.ndim === 4 && stem.size(1) === 3) {
      const patched = adaptFirstConv(stem, inChannels);
      adapted.push(patched);
      keys.set('conv1.weight', patched);
    }
    encoder.loadStateDict(keys, { file: path });
  } finally {
    torch.dispose([...loaded.values(), ...adapted]);
  }
}

/** Loads a whole smp model checkpoint (safetensors or torch.save) into `model`, strictly. */
export async function loadCnnWeights(model: SmpSegmentationModel, path: string): Promise<void> {
  const loaded = await readStateDict(path);
  try {
    model.loadStateDict(normalizeCnnKeys(loaded), { file: path });
  } finally {
    torch.dispose([...loaded.values()]);
  }
}
