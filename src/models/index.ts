// vlsm's models: the registry of families, loading by name, prediction.
export { load, type ModelLoadOptions } from './load.js';
export { families, familyNamed, detectFamily, loadFolder } from './registry.js';
export { predict, predictBatch } from './predict.js';
export { SegmentationModelBase, loadInto } from './base.js';
export { RESAMPLES, parseResample, resampleLogits, thresholdLogits, type Resample } from './resample.js';
export type { ModelFamily, SegmentationModel, SegmentationBatch, LoadOptions, Prediction, PostprocessOptions } from './types.js';
