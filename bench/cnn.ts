// CNN baselines: one training step (forward, BCE-with-logits, backward, SGD) of the full-size
// ResNet-50 UNet, UNet++ and DeepLabV3+ at the paper's batch 16 and 256×256, BatchNorm in train
// mode. On a 2-core CPU each step takes tens of seconds; on a GPU, tens of milliseconds.
// bench/cnn-pytorch-reference.py measures the same with PyTorch for the ratio.
// Run alone: `node dist/bench/cnn.js [batch] [size] [repeat] [device]`.
import { pathToFileURL } from 'node:url';
import { torch } from '../src/index.js';
import { cnnDefaults, cnnArchitectures, type CnnArchitecture } from '../src/models/cnn/config.js';
import { createCnnModel } from '../src/models/cnn/family.js';

export interface CnnBenchOptions {
  batch?: number;
  size?: number;
  /** Timed steps after one warm-up step; the best is reported (default 1). */
  repeat?: number;
  device?: torch.Device;
  architectures?: readonly CnnArchitecture[];
}

/** Figures in milliseconds per training step, e.g. `{ unet_train_step_ms: … }`. */
export type CnnFigures = Partial<Record<`${CnnArchitecture}_train_step_ms`, number>>;

function synchronize(device: torch.Device): void {
  // A scalar read waits for queued kernels on an accelerator.
  if (device !== 'cpu') torch.scope(() => void torch.zeros([1], { device }).item());
}

/** Times a training step of each architecture (ResNet-50 encoder, smp defaults, one class). */
export function cnnTrainStepFigures(o: CnnBenchOptions = {}): CnnFigures {
  const batch = o.batch ?? 16;
  const size = o.size ?? 256;
  const repeat = o.repeat ?? 1;
  const device = o.device ?? 'cpu';
  const out: CnnFigures = {};
  for (const arch of o.architectures ?? cnnArchitectures) {
    const model = createCnnModel(cnnDefaults(arch)).to({ device }).train();
    const optimizer = new torch.optim.SGD(model.parameters(), { lr: 1e-3, momentum: 0.9 });
    const pixels = torch.randn([batch, 3, size, size], { device });
    const masks = torch.rand([batch, 1, size, size], { device }).gt(0.5).float();
    const step = (): void =>
      torch.scope(() => {
        optimizer.zeroGrad();
        const loss = torch.F.binaryCrossEntropyWithLogits(model.forward(pixels), masks);
        loss.backward();
        optimizer.step();
      });
    step(); // warm-up: allocator, optimizer state
    synchronize(device);
    let best = Infinity;
    for (let i = 0; i < repeat; i++) {
      const t0 = process.hrtime.bigint();
      step();
      synchronize(device);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    out[`${arch}_train_step_ms`] = best;
    torch.dispose(pixels, masks);
    model.dispose();
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [batch, size, repeat, device] = process.argv.slice(2);
  const o: CnnBenchOptions = { batch: batch ? Number(batch) : 16, size: size ? Number(size) : 256, repeat: repeat ? Number(repeat) : 1, device: (device ?? 'cpu') as torch.Device };
  console.log(`vlsm CNN training step, batch ${o.batch}, ${o.size}², ${o.device}, libtorch ${torch.version()}, ${torch.getNumThreads()} threads`);
  for (const [key, ms] of Object.entries(cnnTrainStepFigures(o))) console.log(`${key.padEnd(32)}${(ms as number).toFixed(0).padStart(10)} ms`);
}
