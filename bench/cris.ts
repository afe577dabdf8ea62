// Full-size CRIS-R50 (CLIP RN50 + config/refcoco/cris_r50.yaml sizes, random weights) inference at
// 416², batch 1 and 8, in inference mode, float32 or bf16.
import { torch } from '../src/index.js';
import { crisR50 } from '../src/models/cris/config.js';
import { CRIS, upsampleLogits } from '../src/models/cris/model.js';
import { infer, peakRssMib, prepare, resetPeakRss, type Precision } from './precision.js';
import { bestMs } from './timing.js';

export interface CrisFigures {
  /** One image and one prompt, to upsampled logits at 416². */
  batch1_ms: number;
  /** Eight images with eight prompts, per image. */
  batch8_ms_per_image: number;
  images_per_s: number;
  /** The image backbone's share of a batch-1 forward. */
  backbone_share: number;
  peak_rss_mib: number;
}


/** A zero-padded 17-token prompt: SOT, "a polyp"-like ids, EOT, padding. */
function promptIds(batch: number): torch.Tensor {
  const row = [49406, 320, 30901, 49407, ...new Array(13).fill(0)];
  return torch.tensor(new BigInt64Array(Array.from({ length: batch }, () => row).flat().map(BigInt)), { shape: [batch, 17] });
}

export function crisFigures(o: { repeat?: number; device?: torch.Device; precision?: Precision } = {}): CrisFigures {
  const repeat = o.repeat ?? 3;
  const precision = o.precision ?? 'fp32';
  torch.manualSeed(0);
  const model = new CRIS(crisR50()).eval();
  if (o.device) model.to(o.device);
  prepare(model, precision);
  const run = (batch: number): void => infer(precision, () => torch.scope(() => {
    const pixels = torch.randn([batch, 3, 416, 416], { device: o.device });
    const logits = model.forward(pixels, promptIds(batch).to(o.device ?? 'cpu'));
    upsampleLogits(logits, [416, 416]).sum().item(); // waits for the device
  }));
  const batch1 = bestMs(() => run(1), repeat);
  resetPeakRss();
  const batch8 = bestMs(() => run(8), 1);
  const peak = peakRssMib();
  const backbone = bestMs(() => infer(precision, () => torch.scope(() => {
    model.visualFeatures(torch.randn([1, 3, 416, 416], { device: o.device }))[2].sum().item();
  })), repeat);
  const figures: CrisFigures = {
    batch1_ms: batch1,
    batch8_ms_per_image: batch8 / 8,
    images_per_s: 8000 / batch8,
    backbone_share: backbone / batch1,
    peak_rss_mib: peak,
  };
  model.dispose();
  return figures;
}

/** The figures bench/run.ts compares with PyTorch's, from a worker process. */
export const crisRun = (precision: Precision): CrisFigures => crisFigures({ precision });
