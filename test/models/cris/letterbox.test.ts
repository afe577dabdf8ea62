// The fork's letterbox (models/cris/letterbox.ts): the affine geometry in cv2.warpAffine's
// pixel-centre convention, mean padding that normalises to ~0, soft training masks, the inverse
// warp back to the original size, and the CRIS family honouring input.resize (squash unchanged).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import type { GrayImage, RgbImage } from '../../../src/imaging/image-types.js';
import { CLIP_MEAN, CLIP_STD, processImages } from '../../../src/models/image-processor.js';
import { crisConfigSchema, crisR50 } from '../../../src/models/cris/config.js';
import { loadCris } from '../../../src/models/cris/family.js';
import {
  crisForkMasks, letterboxImages, letterboxInverse, letterboxLogitsToOriginal, letterboxMasks, letterboxTransform, letterboxWarp,
} from '../../../src/models/cris/letterbox.js';
import { crisImageProcessing, crisImages } from '../../../src/models/cris/preprocess.js';
import { fixturePath } from '../../helpers.js';

const values = (t: torch.Tensor): number[] => Array.from(t.to('float64').data() as Float64Array);

function solidImage(height: number, width: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(height * width * 3);
  for (let p = 0; p < height * width; p++) data.set(rgb, 3 * p);
  return { height, width, data };
}

/** A 0/1 disk mask centred in the image, radius r. */
function disk(height: number, width: number, r: number): GrayImage {
  const data = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (y - (height - 1) / 2) ** 2 + (x - (width - 1) / 2) ** 2 <= r * r ? 1 : 0;
  return { height, width, data };
}

describe('the CRIS letterbox', () => {
  it("computes the fork's getTransformMat: scale min(H/h, W/w), centred", () => {
    assert.deepEqual(letterboxTransform([200, 400], [416, 416]), { scale: 1.04, offsetX: 0, offsetY: 104, from: [200, 400], to: [416, 416] });
    const tall = letterboxTransform([100, 50], [416, 416]);
    assert.equal(tall.scale, 4.16);
    assert.equal(tall.offsetX, 104);
    assert.equal(tall.offsetY, 0);
    assert.throws(() => letterboxTransform([0, 4], [416, 416]), /positive integers/);
    assert.throws(() => torch.scope(() => letterboxWarp(torch.zeros([1, 3, 4, 4]), letterboxTransform([4, 4], [8, 8]), { fill: [1, 2] })), /2 values for 3 channels/);
    assert.throws(() => torch.scope(() => letterboxWarp(torch.zeros([1, 3, 5, 4]), letterboxTransform([4, 4], [8, 8]))), /expected \[N, C, 4, 4\]/);
  });

  it("puts source pixel (y, x) at (s·y + offsetY, s·x + offsetX), cv2.warpAffine's pixel-centre convention, with a = -0.75 cubic weights", () => {
    torch.scope(() => {
      const t = letterboxTransform([52, 104], [416, 416]); // s = 4, offsetY = 104, offsetX = 0
      const data = new Float32Array(52 * 104);
      data[10 * 104 + 30] = 1;
      const out = letterboxWarp(torch.tensor(data, { shape: [1, 1, 52, 104] }), t, { mode: 'bicubic' }).view([416, 416]);
      const flat = values(out);
      const peak = flat.reduce((best, v, i) => (v > flat[best]! ? i : best), 0);
      assert.deepEqual([Math.floor(peak / 416), peak % 416], [4 * 10 + 104, 4 * 30]);
      assert.ok(Math.abs(flat[peak]! - 1) < 1e-6);
      // One output row down reads source row 10.25: Keys' weight at distance 0.25 with a = -0.75.
      const a = -0.75;
      const d = 0.25;
      assert.ok(Math.abs(flat[(145) * 416 + 120]! - ((a + 2) * d ** 3 - (a + 3) * d ** 2 + 1)) < 1e-5);
      // Four rows down reads source row 11 exactly: 0.
      assert.ok(Math.abs(flat[148 * 416 + 120]!) < 1e-6);
    });
  });

  it('centres a non-square image and pads with the mean, which normalises to 0', () => {
    torch.scope(() => {
      const size = [416, 416] as const;
      // 52 × 104 → scale 4, content rows about 104..311; 104 × 52 → content columns about 104..311.
      const wide = letterboxImages([solidImage(52, 104, [255, 255, 255])], { size, mean: CLIP_MEAN, std: CLIP_STD, roundTo8Bit: false });
      const tall = letterboxImages([solidImage(104, 52, [255, 255, 255])], { size, mean: CLIP_MEAN, std: CLIP_STD, roundTo8Bit: false });
      assert.deepEqual(wide.shape, [1, 3, 416, 416]);
      const white = CLIP_MEAN.map((m, c) => (1 - m) / CLIP_STD[c]!);
      for (const [image, rowsAreContent] of [[wide, true], [tall, false]] as const) {
        const channel0 = image.select(1, 0).view([416, 416]);
        // A line across the padding, through the middle of the other axis.
        const profile = values((rowsAreContent ? channel0.select(1, 208) : channel0.select(0, 208)).contiguous());
        // The cubic kernel reaches 2 source pixels (8 output rows) beyond the content: rows 0..96, 316..415 are pure padding.
        for (let i = 0; i <= 96; i++) assert.ok(Math.abs(profile[i]!) < 1e-5 && Math.abs(profile[415 - i]!) < 1e-5, `padding at ${i}`);
        for (let i = 110; i < 300; i++) assert.ok(Math.abs(profile[i]! - white[0]!) < 1e-4, `content at ${i}`);
        // Centre of the content: s·(h − 1)/2 + offset = 4 · 25.5 + 104 = 206 (pixel centres, as cv2).
        const mass = profile.reduce((acc, v) => acc + v, 0);
        const centre = profile.reduce((acc, v, i) => acc + v * i, 0) / mass;
        assert.ok(Math.abs(centre - 206) < 1e-3, `content centred at ${centre}`);
        // The other axis is filled, with cv2's pixel-centre geometry: output pixel 4k reads source
        // pixel k exactly (white), the pixels between within one source pixel of the edge mix in
        // border taps, and the last three (source 103.25 … 103.75) lie past the last pixel centre.
        const across = values(rowsAreContent ? channel0.select(0, 206) : channel0.select(1, 206));
        const isWhite = (v: number): boolean => Math.abs(v - white[0]!) < 1e-4;
        assert.ok(across.slice(4, 409).every(isWhite) && isWhite(across[0]!) && isWhite(across[412]!));
        assert.ok([1, 2, 3, 409, 410, 411, 413, 414, 415].every((i) => !isWhite(across[i]!)));
      }
      // With 8-bit rounding (the fork's uint8 image) the padding is the rounded mean 123, 117, 104.
      const rounded = letterboxImages([solidImage(52, 104, [255, 255, 255])], { size, mean: CLIP_MEAN, std: CLIP_STD });
      const corner = values(rounded.select(2, 0).select(2, 0).contiguous());
      [123, 117, 104].forEach((v, c) => assert.ok(Math.abs(corner[c]! - (v / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!) < 1e-6));
      assert.ok(corner.every((v) => Math.abs(v) < 0.004));
    });
  });

  it('warps training masks linearly into soft targets with fractional edges and zero padding', () => {
    torch.scope(() => {
      const targets = letterboxMasks([disk(150, 300, 60)], [416, 416]);
      assert.deepEqual(targets.shape, [1, 416, 416]);
      const v = values(targets);
      assert.ok(v.every((x) => x >= 0 && x <= 1 && Math.abs(x * 255 - Math.round(x * 255)) < 1e-4), 'values are k / 255');
      assert.ok(v.some((x) => x > 0 && x < 1), 'fractional edge');
      assert.equal(v.slice(0, 416 * 100).every((x) => x === 0), true, 'padding rows are 0');
      // 0/255 masks give the same targets.
      const m255 = disk(150, 300, 60);
      const scaled = { ...m255, data: m255.data.map((x) => x * 255) };
      assert.equal(letterboxMasks([scaled], [416, 416], { maxValue: 255 }).sub(targets).abs().max().item(), 0);
    });
  });

  for (const [h, w] of [[150, 300], [600, 900], [416, 300]] as const) {
    it(`round-trips a ${h} × ${w} mask: letterbox, inverse warp, threshold`, () => {
      torch.scope(() => {
        const mask = disk(h, w, Math.min(h, w) / 3);
        const soft = letterboxMasks([mask], [416, 416]); // [1, 416, 416]
        const back = letterboxInverse(soft.unsqueeze(1), letterboxTransform([h, w], [416, 416])).view([h, w]);
        const original = torch.tensor(mask.data, { shape: [h, w] }).to('bool');
        // Every pixel that changes lies within one model-input pixel (1/s original pixels) of the edge.
        const band = Math.max(1, 1 / letterboxTransform([h, w], [416, 416]).scale) + 0.5;
        const offEdge = (m: torch.Tensor): number => {
          const d = m.ne(original).data() as Uint8Array;
          let n = 0;
          for (let p = 0; p < d.length; p++) {
            if (!d[p]) continue;
            const y = Math.floor(p / w) - (h - 1) / 2;
            const x = (p % w) - (w - 1) / 2;
            if (Math.abs(Math.hypot(y, x) - Math.min(h, w) / 3) > band) n++;
          }
          return n;
        };
        assert.equal(offEdge(back.gt(0.5)), 0);
        // Through the family's logit path (probabilities → inverse warp → logits again).
        const p = soft.clamp(1e-4, 1 - 1e-4);
        const logits = p.div(p.rsub(1)).log();
        const [restored] = letterboxLogitsToOriginal(logits, [416, 416], [[h, w]]);
        assert.deepEqual(restored!.shape, [h, w]);
        assert.equal(restored!.isfinite().all().item(), true);
        assert.equal(offEdge(restored!.sigmoid().gt(0.5)), 0);
        // Warping the logits themselves (edge padding) decides the same way here.
        const [direct] = letterboxLogitsToOriginal(logits, [416, 416], [[h, w]], { space: 'logits' });
        assert.equal(offEdge(direct!.gt(0)), 0);
      });
    });
  }

  it("follows the fork's output path from stride-4 logits: sigmoid, bicubic to the input, inverse warp, threshold", () => {
    torch.scope(() => {
      const logits = torch.full([2, 1, 24, 24], 2);
      const masks = crisForkMasks(logits, [96, 96], [[48, 96], [30, 20]], 0.35);
      assert.deepEqual(masks.map((m) => m.shape), [[48, 96], [30, 20]]);
      assert.equal(masks[0]!.all().item(), true);
      assert.throws(() => crisForkMasks(logits, [96, 96], [[48, 96]], 0.35), /expected logits \[1, 1, h, w\]/);
    });
  });
});

describe('CRIS input.resize', () => {
  const image = solidImage(40, 70, [200, 30, 90]);
  image.data.forEach((_, i) => (image.data[i] = (i * 37) % 251));

  it('defaults to squash, which is the unchanged medvlsm HEAD pipeline', () => {
    torch.scope(() => {
      const config = crisR50();
      assert.equal(config.input.resize, 'squash');
      assert.equal(crisImages([image], config).sub(processImages([image], crisImageProcessing(config))).abs().max().item(), 0);
    });
  });

  it('letterboxes when asked, and the family maps logits back through the inverse warp', async () => {
    const fixture = fixturePath('cris-tiny');
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-cris-letterbox-'));
    try {
      const config = JSON.parse(readFileSync(join(fixture, 'config.json'), 'utf8')) as { input: Record<string, unknown> };
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, input: { ...config.input, resize: 'letterbox' } }));
      copyFileSync(join(fixture, 'model.safetensors'), join(dir, 'model.safetensors'));
      const model = await loadCris(dir);
      try {
        assert.equal(model.config.input.resize, 'letterbox');
        torch.scope(() => {
          const batch = model.preprocess([image], ['a polyp']);
          assert.deepEqual(batch.pixelValues.shape, [1, 3, 96, 96]);
          // 40 × 70 → scale 96/70, content rows about 20..75: the top rows are padding (≈ 0).
          assert.ok((batch.pixelValues.narrow(2, 0, 18).abs().max().item() as number) < 0.004);
          assert.ok((batch.pixelValues.narrow(2, 30, 30).abs().max().item() as number) > 0.5);
          const logits = model.forward(batch);
          const [original] = model.logitsToOriginal(logits, batch.originalSizes);
          assert.deepEqual(original!.shape, [40, 70]);
          assert.equal(original!.isfinite().all().item(), true);
          const [expected] = letterboxLogitsToOriginal(logits, [96, 96], [[40, 70]]);
          assert.equal(original!.sub(expected!).abs().max().item(), 0);
        });
      } finally {
        model.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown resize, naming the choices', () => {
    assert.throws(() => crisConfigSchema.parse({ input: { resize: 'crop' } }), /squash.*letterbox/s);
  });
});

describe('letterbox through the trainer and the evaluator', () => {
  it('gives letterboxed training targets and maps predictions back to the original size', async () => {
    const { CrisSegmentationModel } = await import('../../../src/models/cris/family.js');
    const { makeBatch } = await import('../../../src/train/batches.js');
    const { crisConfigSchema } = await import('../../../src/models/cris/config.js');
    const { readConfigFile } = await import('../../../src/models/config-file.js');
    const { CRIS } = await import('../../../src/models/cris/model.js');
    const { ClipTokenizer } = await import('../../../src/tokenizers/clip-bpe.js');
    const { createGrayImage, createRgbImage } = await import('../../../src/imaging/image-types.js');
    const { join } = await import('node:path');
    const { fixturePath } = await import('../../helpers.js');
    const config = readConfigFile(crisConfigSchema, fixturePath('cris-tiny', 'config.json'));
    const letterboxed = { ...config, input: { ...config.input, resize: 'letterbox' as const } };
    const model = new CrisSegmentationModel(new CRIS(letterboxed), ClipTokenizer.bundled());
    assert.equal(model.customGeometry, true);
    // A wide 2:1 image: its mask fills the top half, so after letterboxing the target's padding rows are 0.
    const image = createRgbImage(64, 32);
    const mask = createGrayImage(64, 32);
    mask.data.fill(1, 0, 64 * 16);
    const tb = makeBatch(model, [{ sample: { record: { id: 'x', imagePath: 'x', maskPaths: ['x'], metadata: {}, split: 'train' }, promptKey: 'p1', text: 'x' } as never, image, mask }]);
    const [h, w] = model.inputSize;
    assert.deepEqual(tb.masks.shape, [1, h, w]);
    const rows = tb.masks.select(0, 0).sum(1).toArray() as number[];
    assert.equal(rows[0], 0, 'the letterbox padding above the image is background');
    assert.ok(rows[Math.floor(h / 2) - Math.floor(h / 8)]! > 0, 'the mask lands in the upper half of the content');
    const [back] = model.logitsToOriginal(torch.zeros([1, h, w]), [[32, 64]]);
    assert.deepEqual(back!.shape, [32, 64]);
    model.dispose();
  });
});
