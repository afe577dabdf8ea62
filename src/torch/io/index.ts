// torch.io: checkpoints in and out. safetensors read and write; torch.save zip archives and
// TorchScript archives read through a restricted unpickler that never executes code.
export {
  loadSafetensors, saveSafetensors, readSafetensorsHeader, dtypeOfSafetensors,
  type SafetensorsEntry, type SafetensorsHeader, type LoadSafetensorsOptions,
} from './safetensors.js';
export {
  loadPytorchCheckpoint, loadStateDict, inspectCheckpoint, detectCheckpointFormat, stripPrefixes,
  type CheckpointFormat, type CheckpointInfo, type TensorInfo, type LoadCheckpointOptions, type LoadStateDictOptions,
} from './checkpoint.js';
export { loadTorchScript, readTorchScriptTensors, type LoadTorchScriptOptions, type TorchScriptTensor } from './torchscript.js';
export { openTorchArchive, PickledTensor, StorageRef, TorchArchive } from './torch-zip.js';
export { ScriptObject, PickleGlobal, unpickle, type UnpicklePolicy } from './pickle.js';
export { saveTorchStateDict, type SaveTorchOptions } from './torch-save.js';
