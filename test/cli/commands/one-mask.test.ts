// `vlsm segment`, `vlsm eval` (evaluate), `vlsm serve` (the server's /api/segment) and predict turn
// the same model, image and prompt into the same mask, bit for bit, for the family's default
// resample and for ones chosen explicitly; the trainer's validation thresholds the same way.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runSegment } from '../../../src/cli/commands/segment.js';
import * as torch from '../../../src/torch/index.js';
import { evaluate } from '../../../src/eval/evaluate.js';
import type { GrayImage } from '../../../src/imaging/image-types.js';
import { decodeGrayImage, readGrayImage, readRgbImage } from '../../../src/imaging/read-image.js';
import { load } from '../../../src/models/load.js';
import type { Resample } from '../../../src/models/resample.js';
import type { SegmentationModel } from '../../../src/models/types.js';
import { createServer } from '../../../src/server/app.js';
import { batchDice } from '../../../src/train/trainer.js';
import { repoRoot, fixturePath } from '../../helpers.js';

const fixture = fixturePath('clipseg-tiny');
const imagePath = join(repoRoot, 'assets', 'busi-sample', 'images', '1_malignant.png');
const maskPath = join(repoRoot, 'assets', 'busi-sample', 'masks', '1_malignant.png');
const prompt = 'a malignant tumour';

async function viaServer(model: SegmentationModel, resample: Resample | undefined, threshold: number): Promise<GrayImage> {
  const server = createServer({ model, port: 0, resample });
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const image = readFileSync(imagePath).toString('base64');
    const reply = await fetch(`http://127.0.0.1:${port}/api/segment`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image, prompt, threshold }) });
    assert.equal(reply.status, 200);
    const body = (await reply.json()) as { maskPng: string };
    return decodeGrayImage(Buffer.from(body.maskPng, 'base64'), 'the server mask');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function viaEvaluate(model: SegmentationModel, resample: Resample | undefined, threshold: number, dir: string): Promise<GrayImage> {
  const record = { id: '1_malignant.png', imagePath, maskPaths: [maskPath], metadata: {}, split: 'test' as const };
  await evaluate(model, [{ record, promptKey: 'p1', text: prompt }], { threshold, resample, masksDir: dir });
  return readGrayImage(join(dir, '1_malignant.png'));
}

async function viaSegment(modelDir: string, resample: Resample | undefined, threshold: number, dir: string): Promise<GrayImage> {
  const out = join(dir, 'segment.png');
  const args = ['--model', modelDir, '--image', imagePath, '--prompt', prompt, '--out', out, '--threshold', String(threshold)];
  assert.equal(await runSegment(resample ? [...args, '--resample', resample] : args), 0);
  return readGrayImage(out);
}

describe('one mask from the same logits on every path', () => {
  let modelDir: string;
  let work: string;
  let model: SegmentationModel;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'vlsm-one-mask-'));
    modelDir = join(work, 'model');
    mkdirSync(modelDir);
    copyFileSync(join(fixture, 'config.json'), join(modelDir, 'config.json'));
    copyFileSync(join(fixture, 'model.safetensors'), join(modelDir, 'model.safetensors'));
    writeFileSync(join(modelDir, 'preprocessor_config.json'), JSON.stringify({ size: { height: 64, width: 64 } }));
    model = await load(modelDir);
  });

  after(() => {
    model.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  for (const resample of [undefined, 'bilinear-logits', 'bicubic-probabilities'] as const) {
    it(`segment, eval, serve and predict agree (${resample ?? 'the family default'})`, async () => {
      const image = await readRgbImage(imagePath);
      // The tiny model's probabilities sit in a narrow band: threshold at their median, so the
      // mask has both values and a path that resampled differently would show.
      const { probabilities } = model.predict(image, prompt, { resample });
      const sorted = Float32Array.from(probabilities).sort();
      const threshold = sorted[Math.floor(sorted.length / 2)]!;
      const predicted = model.predict(image, prompt, { resample, threshold }).mask;
      const foreground = predicted.data.filter((v) => v === 255).length;
      assert.ok(foreground > 0 && foreground < predicted.data.length, 'the mask has both values');

      const dir = mkdtempSync(join(work, 'out-'));
      const paths = {
        segment: await viaSegment(modelDir, resample, threshold, dir),
        evaluate: await viaEvaluate(model, resample, threshold, dir),
        serve: await viaServer(model, resample, threshold),
      };
      for (const [name, mask] of Object.entries(paths)) {
        assert.deepEqual([mask.width, mask.height], [image.width, image.height], name);
        assert.ok(Buffer.from(mask.data).equals(Buffer.from(predicted.data)), `${name}: the mask differs from predict's`);
      }
    });
  }

  it("the trainer's validation Dice scores the mask that postprocess gives at model resolution", async () => {
    const image = await readRgbImage(imagePath);
    const [h, w] = model.inputSize;
    torch.inferenceMode(() => torch.scope(() => {
      const logits = model.forward(model.preprocess([image], [prompt]));
      const sorted = Float32Array.from(logits.sigmoid().float().data() as Float32Array).sort();
      const threshold = sorted[Math.floor(sorted.length / 3)]!;
      const truth = new Float32Array(h * w).map((_, p) => (p % w < w / 2 ? 1 : 0)); // the left half
      const [dice] = batchDice(logits, torch.tensor(truth, { shape: [1, h, w] }), threshold);
      const mask = model.postprocess(logits, [[h, w]], { threshold })[0]!.mask.data;
      let inter = 0;
      let total = 0;
      for (let p = 0; p < mask.length; p++) {
        const predicted = mask[p] ? 1 : 0;
        inter += predicted * truth[p]!;
        total += predicted + truth[p]!;
      }
      assert.ok(inter > 0 && inter < total / 2, 'a partial overlap');
      assert.ok(Math.abs(dice! - (2 * inter) / total) < 1e-12, `trainer ${dice} vs postprocess ${(2 * inter) / total}`);
    }));
  });

  it('the resamples really differ on this image (so agreeing above means something)', async () => {
    const image = await readRgbImage(imagePath);
    const threshold = 0.5;
    const { probabilities } = model.predict(image, prompt, { resample: 'nearest-mask' });
    const bilinear = model.predict(image, prompt, { resample: 'bilinear-logits', threshold }).probabilities;
    assert.ok(probabilities.some((p, i) => Math.abs(p - bilinear[i]!) > 1e-4));
  });
});
