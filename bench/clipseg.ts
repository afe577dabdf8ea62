// Full-size CLIPSeg (CIDAS/clipseg-rd64-refined configuration, random weights) inference at 352²,
// in float32 or bf16, in a process of its own (bench/worker.ts) so that its peak memory is its own.
import { torch } from '../src/index.js';
import { clipsegRd64Refined } from '../src/models/clipseg/config.js';
import { CLIPSegForImageSegmentation } from '../src/models/clipseg/model.js';
import { infer, peakRssMib, prepare, resetPeakRss, type Precision } from './precision.js';
import { bestMs } from './timing.js';

export interface ClipsegRun {
  batch1_ms: number;
  batch8_ms_per_image: number;
  /** Peak resident memory of batch-8 inference, the model's weights included. */
  peak_rss_mib: number;
}

export function clipsegRun(precision: Precision): ClipsegRun {
  torch.manualSeed(0);
  const model = prepare(torch.scope(() => new CLIPSegForImageSegmentation(clipsegRd64Refined())), precision);
  const ids = torch.tensor([[49406, 320, 3360, 2522, 6833, 335, 49407]], { dtype: 'int64' }).keep();
  const run = (batch: number): void => infer(precision, () => torch.scope(() => {
    const pixels = torch.randn([batch, 3, 352, 352]);
    model.forward({ pixelValues: pixels, inputIds: ids.expand([batch, -1]) }).logits.sum().item();
  }));
  // Best of 5 and of 2 after a warm-up, as bench/pytorch-clipseg.py: this shared machine's
  // run-to-run spread is 10-20%, and the best run is the one least disturbed by it.
  const batch1 = bestMs(() => run(1), 5);
  resetPeakRss();
  const batch8 = bestMs(() => run(8), 2);
  const figures = { batch1_ms: batch1, batch8_ms_per_image: batch8 / 8, peak_rss_mib: peakRssMib() };
  model.dispose();
  ids.dispose();
  return figures;
}
