// torch.optim: optimizers, learning-rate schedulers and gradient clipping, with PyTorch 1.13's
// algorithms and state-dict layout. `import { optim } from 'vlsm'` once the lead wires it in.
export { Optimizer, OptimError, type BaseHyper, type ParamGroup, type ParamGroupSpec, type Params, type ParamState, type OptimizerStateDict } from './optimizer.js';
export { SGD, type SGDHyper } from './sgd.js';
export { Adam, type AdamHyper } from './adam.js';
export { AdamW } from './adamw.js';
export {
  LRScheduler, LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR,
  SequentialLR, ChainedScheduler, ReduceLROnPlateau, type ReduceLROnPlateauOptions, type SchedulerStateDict,
} from './lr-scheduler/index.js';
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
