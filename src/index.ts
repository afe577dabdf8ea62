// The one public door of vlsm.
export * as errors from './errors.js';
