// Learning-rate schedulers, as torch.optim.lr_scheduler in PyTorch 1.13: the same chainable
// (recursive) formulas, so the learning rates equal PyTorch's bit for bit, and state dicts with
// PyTorch's field names. Call `scheduler.step()` after `optimizer.step()`, once per epoch (or
// per iteration, as the schedule is defined).
export { LRScheduler, type SchedulerStateDict } from './base.js';
export { LambdaLR, MultiplicativeLR } from './lambda.js';
export { StepLR, MultiStepLR } from './step.js';
export { ConstantLR, LinearLR } from './warmup.js';
export { ExponentialLR } from './exponential.js';
export { PolynomialLR } from './polynomial.js';
export { CosineAnnealingLR } from './cosine.js';
export { SequentialLR, ChainedScheduler } from './composite.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau.js';
