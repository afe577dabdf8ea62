// The one public door of vlsm.
export * as torch from './torch/index.js';
export * as errors from './errors.js';
export * as models from './models/index.js';
export * as tokenizers from './tokenizers/index.js';
export * as hub from './hub/index.js';
