// From checkpoint files to the CNN baselines' keys, in one place.
// Two sources: torchvision ImageNet classification checkpoints (resnet50-0676ba61.pth etc.) for the
// encoder alone, as smp's ResNetEncoder.load_state_dict (which pops fc.weight and fc.bias), and
// whole smp models (`encoder.*`, `decoder.*`, `segmentation_head.*`), possibly saved through a
// DataParallel or Lightning wrapper.
import { CheckpointError } from '../../errors.js';
import { torch } from '../../index.js';
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
 * Loads a torchvision ImageNet checkpoint (a `.pth` of `torchvision.models.resnet50().state_dict()`)
 * into `encoder`, ignoring `fc.*`; every other key must fit (errors name the file, key and shapes).
 */
export async function loadTorchvisionEncoder(encoder: ResNetEncoder, path: string): Promise<void> {
  const loaded = await readStateDict(path);
  try {
    encoder.loadStateDict(torchvisionToEncoderKeys(loaded), { file: path });
  } finally {
    torch.dispose([...loaded.values()]);
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
