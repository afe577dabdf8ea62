// torch.amp: automatic mixed precision (autocast regions, and a gradient scaler for float16 training).
export { autocast, autocastState, isAutocastEnabled, type AutocastOptions, type AutocastDeviceType, type AutocastDType } from './autocast.js';
export { castWeightsForAutocast } from './autocast-weights.js';
export { GradScaler, GradScalerError, type GradScalerOptions, type GradScalerStateDict } from './grad-scaler.js';
