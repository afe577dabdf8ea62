// Times a full-size CLIPSeg (rd64-refined's configuration, random weights) at 352² in float32 and
// under bf16 autocast (--precision bf16), batch 1 and 8, with the masks' agreement between the two.
// Run after `npx tsc -p tsconfig.json`: node tools/time-autocast-clipseg.mjs [repeats] [batches, e.g. 1,8]
import { torch } from '../dist/src/index.js';
import { clipsegFromConfig } from '../dist/src/models/clipseg/family.js';
import { inferLogits } from '../dist/src/models/precision.js';
import { createRgbImage } from '../dist/src/imaging/image-types.js';

const repeats = Number(process.argv[2] ?? 3);
torch.manualSeed(0);
const model = clipsegFromConfig({});
model.module.eval();

function image(seed) {
  const img = createRgbImage(352, 352);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 131 + seed * 17 + ((i >> 7) % 61)) % 256;
  return img;
}

function time(batch, precision) {
  model.precision = precision;
  const images = Array.from({ length: batch }, (_, i) => image(i));
  const prompts = images.map(() => 'a small round polyp');
  let best = Infinity;
  let logits;
  for (let r = 0; r < repeats + 1; r++) {
    torch.inferenceMode(() => torch.scope(() => {
      const b = model.preprocess(images, prompts);
      const start = process.hrtime.bigint();
      const out = inferLogits(model, b);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r > 0) best = Math.min(best, ms); // the first run warms up oneDNN's kernels
      logits?.dispose();
      logits = out.keep();
    }));
  }
  return { ms: best / batch, logits };
}

const rows = {};
const batches = (process.argv[3] ?? '1,8').split(',').map(Number);
for (const batch of batches) {
  const fp32 = time(batch, 'fp32');
  const bf16 = time(batch, 'bf16');
  const agreement = torch.scope(() => {
    const a = fp32.logits.gt(0);
    const b = bf16.logits.gt(0);
    const inter = a.logicalAnd(b).sum().item();
    const union = a.logicalOr(b).sum().item();
    return union === 0 ? 1 : inter / union;
  });
  rows[`fp32_batch${batch}_ms_per_image`] = +fp32.ms.toFixed(1);
  rows[`bf16_batch${batch}_ms_per_image`] = +bf16.ms.toFixed(1);
  rows[`bf16_vs_fp32_batch${batch}`] = +(bf16.ms / fp32.ms).toFixed(3);
  rows[`mask_iou_batch${batch}`] = +agreement.toFixed(4);
}
console.log(JSON.stringify({ threads: torch.getNumThreads(), repeats, ...rows }, null, 1));
