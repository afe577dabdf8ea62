// Full-size CLIPSeg (CIDAS/clipseg-rd64-refined configuration, random weights) inference at 352².
import { torch } from '../src/index.js';
import { clipsegRd64Refined } from '../src/models/clipseg/config.js';
import { CLIPSegForImageSegmentation } from '../src/models/clipseg/model.js';
import { bestMs } from './timing.js';

export interface ClipsegFigures {
  batch1_ms: number;
  batch8_ms_per_image: number;
  images_per_s: number;
  vision_share: number;
  peak_rss_mib: number;
}


export function clipsegFigures(): ClipsegFigures {
  torch.manualSeed(0);
  const model = new CLIPSegForImageSegmentation(clipsegRd64Refined()).eval();
  const ids = torch.tensor([[49406, 320, 3360, 2522, 6833, 335, 49407]], { dtype: 'int64' }).keep();
  const run = (batch: number): void => torch.inferenceMode(() => torch.scope(() => {
    const pixels = torch.randn([batch, 3, 352, 352]);
    model.forward({ pixelValues: pixels, inputIds: ids.expand([batch, -1]) });
  }));
  const batch1 = bestMs(() => run(1), 3);
  const batch8 = bestMs(() => run(8), 1);
  const vision = bestMs(() => torch.inferenceMode(() => torch.scope(() => void model.visionActivations(torch.randn([1, 3, 352, 352])))), 3);
  const figures = {
    batch1_ms: batch1,
    batch8_ms_per_image: batch8 / 8,
    images_per_s: 8000 / batch8,
    vision_share: vision / batch1,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
  };
  model.dispose();
  ids.dispose();
  return figures;
}
