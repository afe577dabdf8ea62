// The CNN baselines behind the model-family contract: folders, preprocessing, image-only use.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { cnnFamilies, deeplabV3PlusFamily, loadCnnModel, unetFamily, unetPlusPlusFamily } from '../../../src/models/cnn/family.js';
import { preprocessCnnImages, resizedSize } from '../../../src/models/cnn/preprocess.js';
import { assertClose, det, fixturePath, readJson } from '../../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'vlsm-cnn-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface PilResized { height: number; width: number; pixels_hex: string }
const preprocessReference = readJson<{ preprocess: { width: number; height: number; size: number; square: PilResized; shorter_side: PilResized } }>(fixturePath('cnn', 'reference.json')).preprocess;
const tiny = readJson<{ tiny: Record<string, { block: string; layers: number[]; width: number; classes: number; decoder_channels: number[]; input: number[] }> }>(fixturePath('cnn', 'reference.json')).tiny;

function makeFolder(name: string, config: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  for (const [target, source] of Object.entries(files)) copyFileSync(source, join(dir, target));
  return dir;
}

const unetConfig = (extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const c = tiny.unet;
  return { arch: 'unet', encoder_params: { block: c.block, layers: c.layers, width: c.width }, decoder_channels: c.decoder_channels, classes: c.classes, image_size: 32, ...extra };
};

describe('CNN model families', () => {
  it('are image-only and say so', () => {
    assert.deepEqual(cnnFamilies.map((f) => [f.name, f.usesPrompt]), [['unet', false], ['unetplusplus', false], ['deeplabv3plus', false]]);
    for (const f of cnnFamilies) assert.match(f.description, /ignores the prompt/);
  });

  it("recognise a folder by config.json's arch", () => {
    assert.equal(unetFamily.detect('x', { arch: 'unet' }), true);
    assert.equal(unetPlusPlusFamily.detect('x', { arch: 'unet' }), false);
    assert.equal(deeplabV3PlusFamily.detect('x', { arch: 'deeplabv3plus' }), true);
    assert.equal(unetFamily.detect('x', { model_type: 'clipseg' }), false);
    assert.equal(unetFamily.detect('x', undefined), false);
  });

  it('load a whole smp checkpoint and reproduce its logits as [B, H, W], ignoring the prompts', async () => {
    const weights = await torch.io.loadStateDict(fixturePath('cnn', 'unet.pt'), { key: 'state_dict' });
    const expected = await torch.io.loadStateDict(fixturePath('cnn', 'unet.pt'), { key: 'expected' });
    const dir = makeFolder('unet-whole', unetConfig());
    // Saved as a Lightning module would: every key under `net.`.
    torch.io.saveSafetensors(join(dir, 'model.safetensors'), new Map([...weights].map(([k, v]) => [`net.${k}`, v])));
    const model = await unetFamily.load(dir);
    assert.equal(model.family, 'unet');
    assert.equal(model.usesPrompt, false);
    assert.deepEqual(model.inputSize, [32, 32]);
    assert.equal(model.module.training, false);
    torch.scope(() => {
      const pixelValues = det(tiny.unet.input, { dtype: 'float32' });
      const logits = torch.noGrad(() => model.forward({ pixelValues, originalSizes: [[32, 32], [32, 32]] }));
      const want = expected.get('logits')!;
      assertClose(logits, Array.from(want.to('float64').data() as Float64Array), 1e-4, 'logits', [2, 32, 32]);
      const resized = model.logitsToOriginal(logits, [[40, 50], [16, 16]]);
      assert.deepEqual(resized.map((t) => t.shape), [[40, 50], [16, 16]]);
    });
    const image = { width: 50, height: 40, data: new Uint8Array(50 * 40 * 3).fill(128) };
    const batch = model.preprocess([image], ['a polyp']);
    assert.deepEqual(batch.pixelValues.shape, [1, 3, 32, 32]);
    assert.equal(batch.inputIds, undefined);
    torch.dispose([...weights.values(), ...expected.values(), batch.pixelValues]);
    model.dispose();
  });

  it('start the encoder from a torchvision ImageNet checkpoint (encoder.pth) when no model weights are present', async () => {
    const c = tiny.unetplusplus;
    const config = { arch: 'unetplusplus', encoder_params: { block: c.block, layers: c.layers, width: c.width }, decoder_channels: c.decoder_channels, classes: c.classes };
    const dir = makeFolder('unetplusplus-imagenet', config, { 'encoder.pth': fixturePath('cnn', 'resnet-tiny-torchvision.pth') });
    const model = await loadCnnModel(dir);
    const reference = await torch.io.loadStateDict(fixturePath('cnn', 'unetplusplus.pt'), { key: 'state_dict' });
    assert.equal(model.module.encoder.conv1.weight.sub(reference.get('encoder.conv1.weight')!).abs().max().item(), 0);
    torch.dispose([...reference.values()]);
    model.dispose();
  });

  it('say which files they looked for when a folder has no weights', async () => {
    const dir = makeFolder('unet-empty', unetConfig());
    await assert.rejects(unetFamily.load(dir), /no weights: expected one of model\.safetensors, pytorch_model\.bin, model\.pth, model\.pt \(a trained model\) or encoder\.pth/);
    const random = makeFolder('unet-random', unetConfig({ encoder_weights: null }));
    const model = await unetFamily.load(random);
    model.dispose();
  });

  it('refuse a folder of another architecture, naming the right family', async () => {
    const dir = makeFolder('unet-as-deeplab', unetConfig({ encoder_weights: null }));
    await assert.rejects(deeplabV3PlusFamily.load(dir), /arch is 'unet', not 'deeplabv3plus'; load it with the 'unet' family/);
  });

  it('report config errors by field', async () => {
    const dir = makeFolder('unet-bad', { arch: 'unet', decoder_channels: [16, 8] });
    await assert.rejects(unetFamily.load(dir), /field 'decoder_channels': Model depth is 5, but you provide decoder_channels for 2 blocks/);
  });
});

describe('CNN preprocessing', () => {
  it("resizes to a square by default and keeps the aspect ratio with 'shorter-side' (torchvision Resize(int))", () => {
    assert.deepEqual(resizedSize(530, 622), [256, 256]);
    assert.deepEqual(resizedSize(530, 622, 256, 'shorter-side'), [256, 300]);
    assert.deepEqual(resizedSize(700, 500, 256, 'shorter-side'), [358, 256]);
  });

  it('normalises with the ImageNet mean and standard deviation', () => {
    const image = { width: 300, height: 200, data: new Uint8Array(300 * 200 * 3) };
    for (let i = 0; i < image.data.length; i += 3) image.data.set([10, 128, 250], i);
    const batch = preprocessCnnImages([image]);
    assert.deepEqual(batch.pixelValues.shape, [1, 3, 256, 256]);
    assert.deepEqual(batch.originalSizes, [[200, 300]]);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    [10, 128, 250].forEach((v, c) => {
      const channel = batch.pixelValues.select(1, c);
      assert.ok(Math.abs(channel.min().item() - (v / 255 - mean[c]) / std[c]) < 1e-5 && Math.abs(channel.max().item() - (v / 255 - mean[c]) / std[c]) < 1e-5, `channel ${c}`);
    });
    batch.pixelValues.dispose();
  });

  it("matches torchvision's Resize on PIL images within one 8-bit level, square and shorter-side", () => {
    const { width, height, size, square, shorter_side: shorterSide } = preprocessReference;
    const image = { width, height, data: new Uint8Array(width * height * 3) };
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) image.data[3 * (y * width + x) + c] = Math.floor(127.5 + 127.5 * Math.sin(0.3 * x + 0.2 * y + c));
    for (const [resize, want] of [['square', square], ['shorter-side', shorterSide]] as const) {
      const batch = preprocessCnnImages([image], { size, resize });
      assert.deepEqual(batch.pixelValues.shape, [1, 3, want.height, want.width]);
      // Back to 8-bit levels: x · std · 255 + mean · 255, channels last as PIL's bytes.
      const levels = torch.scope(() => {
        const std = torch.tensor(Float32Array.from([0.229, 0.224, 0.225], (v) => v * 255), { shape: [1, 3, 1, 1] });
        const mean = torch.tensor(Float32Array.from([0.485, 0.456, 0.406], (v) => v * 255), { shape: [1, 3, 1, 1] });
        return Array.from(batch.pixelValues.mul(std).add(mean).round().permute(0, 2, 3, 1).contiguous().to('float64').data() as Float64Array);
      });
      const pil = Buffer.from(want.pixels_hex, 'hex');
      const worst = levels.reduce((m, v, i) => Math.max(m, Math.abs(v - pil[i]!)), 0);
      assert.ok(worst <= 1, `${resize}: ${worst} levels from PIL`);
      batch.pixelValues.dispose();
    }
  });

  it("refuses to batch images of different aspect ratios under 'shorter-side', saying what to do", () => {
    const a = { width: 300, height: 200, data: new Uint8Array(300 * 200 * 3) };
    const b = { width: 200, height: 200, data: new Uint8Array(200 * 200 * 3) };
    assert.throws(() => preprocessCnnImages([a, b], { resize: 'shorter-side' }), /image 1 \(200×200\) resizes to 256×256 but image 0 to 384×256; with resize 'shorter-side' a batch needs one aspect ratio/);
  });
});
