// TorchScript archives (torch.jit.save; OpenAI's CLIP RN50.pt and ViT-B-16.pt): `<root>/data.pkl`
// pickles the module tree as `__torch__.<path>` class objects built with NEWOBJ + BUILD over
// attribute dicts. vlsm reads that tree as inert records (class name + attributes) with the same
// restricted unpickler, and never runs the compiled code in `<root>/code/`. It only reads that
// code's class headers (`__parameters__ = [...]`, `__buffers__ = [...]`) to tell parameters and
// buffers from other tensor attributes.
import { CheckpointError } from '../../errors.js';
import type { Device } from '../device.js';
import type { Tensor } from '../tensor.js';
import { readingCheckpoint } from './checkpoint-file.js';
import { ScriptObject } from './pickle.js';
import { materializeTensors, openTorchArchive, PickledTensor, unpickleEntry, type TorchArchive } from './torch-zip.js';

export interface TorchScriptTensor {
  /** Module path, e.g. `visual.conv1.weight`. */
  name: string;
  kind: 'parameter' | 'buffer' | 'attribute';
  tensor: PickledTensor;
}

interface ClassMembers {
  parameters: Set<string>;
  buffers: Set<string>;
}

/** Reads `__parameters__` and `__buffers__` of a class from its code file, if present. */
function classMembers(archive: TorchArchive, className: string, cache: Map<string, ClassMembers | null>): ClassMembers | null {
  if (cache.has(className)) return cache.get(className)!;
  const parts = className.split('.');
  const name = parts.pop()!;
  const file = `code/${parts.join('/')}.py`;
  let members: ClassMembers | null = null;
  if (archive.has(file)) {
    const lines = archive.read(file).toString('utf8').split('\n');
    const start = lines.findIndex((l) => l.startsWith(`class ${name}(`) || l.startsWith(`class ${name}:`));
    if (start >= 0) {
      members = { parameters: new Set(), buffers: new Set() };
      for (let i = start + 1; i < lines.length && !lines[i].startsWith('class '); i++) {
        const m = /^\s+__(parameters|buffers)__\s*=\s*\[(.*)\]\s*$/.exec(lines[i]);
        if (!m) continue;
        const names = [...m[2].matchAll(/"([^"]*)"|'([^']*)'/g)].map((x) => x[1] ?? x[2]);
        for (const n of names) members[m[1] as 'parameters' | 'buffers'].add(n);
      }
    }
  }
  cache.set(className, members);
  return members;
}

/** The module tree of a TorchScript archive, its tensors still unread. */
export function readTorchScriptTensors(archive: TorchArchive): TorchScriptTensor[] {
  const root = unpickleEntry(archive, { entry: 'data.pkl', storageDir: 'data', torchScript: true });
  if (!(root instanceof ScriptObject)) {
    throw new CheckpointError(`${archive.path}: a TorchScript archive whose data.pkl holds no module`, archive.path);
  }
  const cache = new Map<string, ClassMembers | null>();
  const out: TorchScriptTensor[] = [];
  const seen = new Set<ScriptObject>([root]);
  // Depth first in attribute order, iteratively: module nesting depth is no limit.
  const pending: [Iterator<[unknown, unknown]>, string, ClassMembers | null][] = [[root.attributes.entries(), '', classMembers(archive, root.className, cache)]];
  while (pending.length > 0) {
    const [attributes, prefix, members] = pending[pending.length - 1];
    const next = attributes.next();
    if (next.done) {
      pending.pop();
      continue;
    }
    const [key, value] = next.value;
    const name = prefix + String(key);
    if (value instanceof ScriptObject) {
      if (seen.has(value)) continue;
      seen.add(value);
      pending.push([value.attributes.entries(), `${name}.`, classMembers(archive, value.className, cache)]);
    } else if (value instanceof PickledTensor) {
      const kind = !members ? 'parameter' : members.parameters.has(String(key)) ? 'parameter' : members.buffers.has(String(key)) ? 'buffer' : 'attribute';
      out.push({ name, kind, tensor: value });
    }
  }
  return out;
}

export interface LoadTorchScriptOptions {
  device?: Device;
  /** Also return tensors that are plain attributes (neither parameter nor buffer). Default false. */
  includeAttributes?: boolean;
}

/**
 * The parameters and buffers of a TorchScript archive by module path (`visual.conv1.weight`),
 * like `torch.jit.load(path).state_dict()`, without running any of its code.
 */
export async function loadTorchScript(path: string, options: LoadTorchScriptOptions = {}): Promise<Map<string, Tensor>> {
  return readingCheckpoint(path, async () => {
    const archive = await openTorchArchive(path);
    if (!archive.isTorchScript) {
      throw new CheckpointError(`${path}: not a TorchScript archive (no code/ or constants.pkl); load it with loadStateDict or loadPytorchCheckpoint`, path);
    }
    return torchScriptStateDict(archive, options);
  });
}

/** As loadTorchScript, on an open archive. Synchronous: tensors are created in the caller's scope. */
export function torchScriptStateDict(archive: TorchArchive, options: LoadTorchScriptOptions = {}): Map<string, Tensor> {
  const chosen = readTorchScriptTensors(archive).filter((t) => options.includeAttributes || t.kind !== 'attribute');
  const tensors = materializeTensors(archive, chosen.map((t) => [t.tensor, t.name] as [PickledTensor, string]), options.device);
  return new Map(chosen.map((t) => [t.name, tensors.get(t.tensor)!]));
}
