// Full-size BiomedCLIPSeg (BiomedCLIP-PubMedBERT_256-vit_base_patch16_224 + the
// CIDAS/clipseg-rd64-refined decoder, random weights) inference at 224², prompts of 256 tokens.
import { torch } from '../src/index.js';
import { biomedClipPubMedBert256 } from '../src/models/biomedclip/config.js';
import { biomedClipSegConfig } from '../src/models/biomedclipseg/config.js';
import { BiomedCLIPSeg } from '../src/models/biomedclipseg/model.js';
import { clipsegRd64Refined } from '../src/models/clipseg/config.js';
import { infer, peakRssMib, prepare, resetPeakRss, type Precision } from './precision.js';
import { bestMs } from './timing.js';

export interface BiomedClipSegFigures {
  /** One image and its prompt, end to end (ViT to block 10, BERT, decoder). */
  batch1_ms: number;
  batch8_ms_per_image: number;
  images_per_s: number;
  /** Share of batch 1 spent in the ViT (what a frozen-feature cache saves). */
  vision_share: number;
  /** Share of batch 1 spent in BERT on the 256-token prompt (what a prompt cache saves). */
  text_share: number;
  peak_rss_mib: number;
}


/** Measures on `device` (default cpu); CUDA runs are synchronised by reading a value back. */
export function biomedClipSegFigures(device: torch.Device = 'cpu', precision: Precision = 'fp32'): BiomedClipSegFigures {
  torch.manualSeed(0);
  const model = prepare(new BiomedCLIPSeg(biomedClipSegConfig(biomedClipPubMedBert256(), clipsegRd64Refined()), { decoderSeed: 0 }).eval().to(device), precision);
  // "[CLS] a polyp in the colon [SEP]" padded to 256, as medvlsm tokenizes (ids illustrative).
  const ids = new BigInt64Array(256);
  [2n, 1037n, 26572n, 1999n, 1996n, 6472n, 3n].forEach((id, i) => (ids[i] = id));
  const inputIds = torch.tensor(ids, { shape: [1, 256], device }).keep();
  const attentionMask = inputIds.ne(0).long().keep();
  const sync = (t: torch.Tensor): void => void t.flatten().select(0, 0).item();
  const run = (batch: number): void => infer(precision, () => torch.scope(() => {
    const pixelValues = torch.randn([batch, 3, 224, 224], { device });
    const { logits } = model.forward({ pixelValues, inputIds: inputIds.expand([batch, -1]), attentionMask: attentionMask.expand([batch, -1]) });
    sync(logits);
  }));
  const batch1 = bestMs(() => run(1), 3);
  resetPeakRss();
  const batch8 = bestMs(() => run(8), 1);
  const peak = peakRssMib();
  const vision = bestMs(() => infer(precision, () => torch.scope(() => sync(model.visionActivations(torch.randn([1, 3, 224, 224], { device }))[0]))), 3);
  const text = bestMs(() => infer(precision, () => torch.scope(() => sync(model.conditionalEmbeddings(inputIds, attentionMask)))), 3);
  const figures = {
    batch1_ms: batch1,
    batch8_ms_per_image: batch8 / 8,
    images_per_s: 8000 / batch8,
    vision_share: vision / batch1,
    text_share: text / batch1,
    peak_rss_mib: peak,
  };
  model.dispose();
  torch.dispose(inputIds, attentionMask);
  return figures;
}

/** The figures bench/run.ts compares with PyTorch's, from a worker process. */
export const biomedClipSegRun = (precision: Precision): BiomedClipSegFigures => biomedClipSegFigures('cpu', precision);
