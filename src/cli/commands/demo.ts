// `vlsm demo`: the README's main job on bundled data. At this stage of the project it trains a
// small convolutional segmenter from scratch on the 12 bundled BUSI breast-ultrasound images
// (train split) and reports Dice on the held-out ones, exercising the whole engine: image decoding,
// tensors, nn modules, autograd, AdamW, scopes and mask writing.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { torch } from '../../index.js';
import type { GrayImage, RgbImage } from '../../imaging/image-types.js';
import { readGrayImage, readRgbImage } from '../../imaging/read-image.js';
import { resizeNearest, resizeSmooth } from '../../imaging/resize.js';
import { writeGrayPng } from '../../imaging/write-image.js';
import { packageRoot } from '../../torch/native.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

interface Sample { name: string; split: string; image: RgbImage; mask: GrayImage }

const usage = `usage: vlsm demo [--epochs N] [--size PX] [--seed S] [--out DIR]

Trains a small convolutional segmenter on the bundled BUSI sample (assets/busi-sample, CC0) and
reports Dice on its held-out images; writes the predicted masks to DIR (default demo-output/).`;

/** conv3x3 → BN → ReLU, twice. */
class DoubleConv extends nn.Module {
  readonly block: torch.nn.Sequential;
  constructor(inChannels: number, outChannels: number) {
    super();
    this.block = this.registerModule('block', new nn.Sequential(
      new nn.Conv2d(inChannels, outChannels, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(outChannels), new nn.ReLU(),
      new nn.Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(outChannels), new nn.ReLU(),
    ));
  }
  forward(x: Tensor): Tensor {
    return this.block.forward(x);
  }
}

/** A two-level U-Net: enough to learn the lesion shapes of a dozen images. */
class TinyUNet extends nn.Module {
  readonly down1 = this.registerModule('down1', new DoubleConv(3, 16));
  readonly down2 = this.registerModule('down2', new DoubleConv(16, 32));
  readonly bottom = this.registerModule('bottom', new DoubleConv(32, 64));
  readonly up2 = this.registerModule('up2', new DoubleConv(64 + 32, 32));
  readonly up1 = this.registerModule('up1', new DoubleConv(32 + 16, 16));
  readonly head = this.registerModule('head', new nn.Conv2d(16, 1, 1));

  /** [B, 3, H, W] → logits [B, H, W]. */
  forward(x: Tensor): Tensor {
    return torch.scope(() => {
      const s1 = this.down1.forward(x); // [B, 16, H, W]
      const s2 = this.down2.forward(F.maxPool2d(s1, 2)); // [B, 32, H/2, W/2]
      const b = this.bottom.forward(F.maxPool2d(s2, 2)); // [B, 64, H/4, W/4]
      const u2 = this.up2.forward(torch.cat([F.interpolate(b, { scaleFactor: 2, mode: 'nearest' }), s2], 1));
      const u1 = this.up1.forward(torch.cat([F.interpolate(u2, { scaleFactor: 2, mode: 'nearest' }), s1], 1));
      return this.head.forward(u1).squeeze(1);
    });
  }
}

async function loadSamples(root: string): Promise<Sample[]> {
  const { readFile } = await import('node:fs/promises');
  const entries = JSON.parse(await readFile(join(root, 'anns.json'), 'utf8')) as { img_name: string; mask_name: string; split: string }[];
  return Promise.all(entries.map(async (e) => ({
    name: e.img_name,
    split: e.split,
    image: await readRgbImage(join(root, 'images', e.img_name)),
    mask: await readGrayImage(join(root, 'masks', e.mask_name)),
  })));
}

const mean = [0.485, 0.456, 0.406];
const std = [0.229, 0.224, 0.225];

/** Squash-resizes images to size², normalises with ImageNet statistics: [B, 3, size, size]. */
async function toBatch(samples: readonly Sample[], size: number): Promise<{ pixels: Tensor; masks: Tensor }> {
  const n = samples.length;
  const pixels = new Float32Array(n * 3 * size * size);
  const masks = new Float32Array(n * size * size);
  for (const [i, s] of samples.entries()) {
    const image = await resizeSmooth(s.image, size, size, 3);
    const mask = resizeNearest(s.mask, size, size);
    for (let p = 0; p < size * size; p++) {
      for (let c = 0; c < 3; c++) pixels[((i * 3 + c) * size * size) + p] = (image.data[p * 3 + c]! / 255 - mean[c]!) / std[c]!;
      masks[i * size * size + p] = mask.data[p]! > 127 ? 1 : 0;
    }
  }
  return { pixels: torch.tensor(pixels, { shape: [n, 3, size, size] }), masks: torch.tensor(masks, { shape: [n, size, size] }) };
}

/** Soft Dice loss over each image, averaged. */
function diceLoss(logits: Tensor, target: Tensor): Tensor {
  return torch.scope(() => {
    const p = logits.sigmoid().flatten(1);
    const t = target.flatten(1);
    const dice = p.mul(t).sum(1).mul(2).add(1).div(p.sum(1).add(t.sum(1)).add(1));
    return dice.rsub(1).mean();
  });
}

/** Dice of thresholded predictions per image (empty vs empty scores 1). */
function diceScores(logits: Tensor, target: Tensor): number[] {
  return torch.scope(() => {
    const p = logits.gt(0).float().flatten(1);
    const t = target.flatten(1);
    const inter = p.mul(t).sum(1).toArray() as number[];
    const total = p.sum(1).add(t.sum(1)).toArray() as number[];
    return inter.map((x, i) => (total[i] === 0 ? 1 : (2 * x) / total[i]!));
  });
}

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: '60' },
      size: { type: 'string', default: '96' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string', default: 'demo-output' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const epochs = Number(values.epochs);
  const size = Number(values.size);
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`--epochs must be a positive integer, got '${values.epochs}'`);
  if (!Number.isInteger(size) || size < 16 || size % 4 !== 0) throw new RangeError(`--size must be a multiple of 4, at least 16, got '${values.size}'`);
  torch.manualSeed(Number(values.seed));

  const info = torch.info();
  console.log(`vlsm demo: libtorch ${info.libtorchVersion}, ${info.threads} threads, ${info.cudaAvailable ? 'CUDA available' : 'CPU'}`);
  const root = join(packageRoot(), 'assets', 'busi-sample');
  const samples = await loadSamples(root);
  const train = samples.filter((s) => s.split === 'train');
  const held = samples.filter((s) => s.split !== 'train');
  console.log(`data: ${samples.length} BUSI images (${train.length} train, ${held.length} held out) from ${root}, resized to ${size}x${size}`);

  const trainBatch = await toBatch(train, size);
  const heldBatch = await toBatch(held, size);
  const model = new TinyUNet();
  const optimizer = new torch.optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 1e-4 });
  console.log(`model: tiny U-Net, ${model.numParameters().toLocaleString('en')} parameters; AdamW lr 3e-3; loss BCE + Dice`);

  const started = Date.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const loss = torch.scope(() => {
      optimizer.zeroGrad();
      const logits = model.forward(trainBatch.pixels);
      const l = F.binaryCrossEntropyWithLogits(logits, trainBatch.masks).add(diceLoss(logits, trainBatch.masks));
      l.backward();
      optimizer.step();
      return l.item();
    });
    if (epoch === 1 || epoch % 10 === 0 || epoch === epochs) {
      model.eval();
      const dice = torch.noGrad(() => torch.scope(() => diceScores(model.forward(heldBatch.pixels), heldBatch.masks)));
      const meanDice = dice.reduce((a, b) => a + b, 0) / dice.length;
      console.log(`epoch ${String(epoch).padStart(3)}  loss ${loss.toFixed(4)}  held-out Dice ${meanDice.toFixed(3)}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }

  model.eval();
  await mkdir(values.out!, { recursive: true });
  const logits = torch.noGrad(() => model.forward(heldBatch.pixels));
  for (const [i, s] of held.entries()) {
    // Back to the original size: bilinear on the logits, then the threshold.
    const mask = torch.scope(() => {
      const up = F.interpolate(logits.select(0, i).view([1, 1, size, size]), { size: [s.image.height, s.image.width], mode: 'bilinear', alignCorners: false });
      return up.gt(0).to('uint8').mul(255).data() as Uint8Array;
    });
    await writeGrayPng(join(values.out!, s.name), { width: s.image.width, height: s.image.height, data: mask });
  }
  const final = diceScores(logits, heldBatch.masks);
  console.log(`held-out Dice per image: ${held.map((s, i) => `${s.name} ${final[i]!.toFixed(3)}`).join(', ')}`);
  console.log(`predicted masks written to ${values.out}/`);
  torch.dispose(logits, trainBatch.pixels, trainBatch.masks, heldBatch.pixels, heldBatch.masks);
  optimizer.dispose();
  model.dispose();
  return 0;
}
