// vlsm's models: the registry of families, loading by name, prediction.
export { load, type ModelLoadOptions } from './load.js';
export { families, familyNamed, detectFamily, loadFolder } from './registry.js';
export { predict, predictBatch, type Prediction } from './predict.js';
export type { ModelFamily, SegmentationModel, SegmentationBatch, LoadOptions } from './types.js';
