// Export to each family's home format: the files written hold exactly the keys and shapes of the
// home library's reference state dict (test/fixtures/export/home-keys.json, from the fixtures the
// original implementations wrote; tools/make-export-key-lists.py), and vlsm, loading the exported
// folder, gives bit-identical logits.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as torch from '../../../src/torch/index.js';
import { exportModel, homeFormatFor } from '../../../src/models/export/index.js';
import { detectFamily, loadFolder } from '../../../src/models/registry.js';
import type { SegmentationModel } from '../../../src/models/types.js';
import type { RgbImage } from '../../../src/imaging/image-types.js';
import { fixturePath, readJson } from '../../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'vlsm-export-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

type KeyList = [string, number[], string][];
const golden = readJson<Record<string, KeyList>>(fixturePath('export', 'home-keys.json'));
const tiny = readJson<{ tiny: Record<string, { block: string; layers: number[]; width: number; classes: number; decoder_channels: number[] | number; rates?: number[] }> }>(fixturePath('cnn', 'reference.json')).tiny;

/** A smooth RGB pattern, deterministic. */
function image(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.floor(127.5 + 127.5 * Math.sin(0.3 * x + 0.2 * y + c));
  return { width, height, data };
}

function logits(model: SegmentationModel): Float32Array {
  return torch.inferenceMode(() => torch.scope(() => {
    const batch = model.preprocess([image(70, 50), image(40, 60)], ['a small round polyp', 'the left ventricle']);
    return model.forward(batch).to('float32').data() as Float32Array;
  }));
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** [key, shape, dtype] of a file as written, sorted by key. */
async function keysOf(path: string): Promise<KeyList> {
  const tensors = await torch.io.loadStateDict(path, { stripPrefix: [] });
  try {
    return [...tensors].map(([k, t]) => [k, t.shape, t.dtype] as [string, number[], string]).sort(([a], [b]) => (a < b ? -1 : 1));
  } finally {
    torch.dispose([...tensors.values()]);
  }
}

const sorted = (list: KeyList): KeyList => [...list].sort(([a], [b]) => (a < b ? -1 : 1));

function cnnFolder(arch: string): string {
  const c = tiny[arch]!;
  const dir = join(scratch, `${arch}-source`);
  mkdirSync(dir, { recursive: true });
  const config: Record<string, unknown> = { arch, encoder_name: 'resnet50', encoder_params: { block: c.block, layers: c.layers, width: c.width }, decoder_channels: c.decoder_channels, classes: 1, image_size: arch === 'deeplabv3plus' ? 48 : 32, encoder_weights: null };
  if (c.rates) config.decoder_atrous_rates = c.rates;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  copyFileSync(fixturePath('cnn', `${arch}.pt`), join(dir, 'model.pt'));
  return dir;
}

interface Case {
  family: string;
  source: () => string;
  /** Golden list name → the file the export writes it to. */
  files: Record<string, string>;
  /** The keys as written carry this prefix over the golden ones. */
  prefix?: string;
}

const cases: Case[] = [
  { family: 'clipseg', source: () => fixturePath('clipseg-tiny'), files: { 'clipseg/model.safetensors': 'model.safetensors' } },
  { family: 'biomedclipseg', source: () => fixturePath('biomedclipseg-tiny'), files: { 'biomedclipseg/open_clip_model.safetensors': 'open_clip_model.safetensors', 'biomedclipseg/decoder.safetensors': 'decoder.safetensors' } },
  { family: 'cris', source: () => fixturePath('cris-tiny'), files: { 'cris/cris.pth': 'cris.pth' }, prefix: 'module.' },
  // UNet++ has two classes in the fixture; its one-class export is covered by the constructor JSON test below.
  { family: 'unet', source: () => cnnFolder('unet'), files: { 'unet/model.pth': 'model.pth' } },
  { family: 'deeplabv3plus', source: () => cnnFolder('deeplabv3plus'), files: { 'deeplabv3plus/model.pth': 'model.pth' } },
];

describe('export to the home format', () => {
  for (const c of cases) {
    it(`${c.family}: home keys and shapes, and identical logits when vlsm loads the export`, async () => {
      const model = await loadFolder(c.source());
      const out = join(scratch, c.family);
      mkdirSync(out);
      try {
        assert.equal(model.family, c.family);
        const exported = exportModel(model, out, 'auto', { sourceFolder: c.source() });
        assert.equal(exported.format, homeFormatFor(c.family, 'auto'));
        assert.deepEqual(exported.files, readdirSync(out).sort(), 'the files listed are the files written');
        for (const [list, file] of Object.entries(c.files)) {
          const written = await keysOf(join(out, file));
          const expected = sorted(golden[list]!).map(([k, s, d]) => [`${c.prefix ?? ''}${k}`, s, d] as [string, number[], string]);
          assert.deepEqual(written, expected, `${file} holds the keys, shapes and dtypes of ${list}`);
        }
        assert.equal(detectFamily(out).name === c.family || (c.family === 'biomedclipseg' && detectFamily(out).name.startsWith('biomedclipseg')), true);
        const reloaded = await loadFolder(out);
        try {
          assert.equal(maxDiff(logits(reloaded), logits(model)), 0, 'bit-identical logits');
        } finally {
          reloaded.dispose();
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('unetplusplus: keys of smp.UnetPlusPlus, two classes, logits identical through module.forward', async () => {
    const dir = cnnFolder('unetplusplus');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, classes: 2 }));
    const model = await loadFolder(dir);
    const out = join(scratch, 'unetplusplus');
    mkdirSync(out);
    try {
      exportModel(model, out);
      assert.deepEqual(await keysOf(join(out, 'model.pth')), sorted(golden['unetplusplus/model.pth']!));
      const spec = readJson<{ class: string; arguments: Record<string, unknown> }>(join(out, 'smp_config.json'));
      assert.equal(spec.class, 'segmentation_models_pytorch.UnetPlusPlus');
      assert.deepEqual(spec.arguments, { encoder_name: 'resnet50', encoder_depth: 5, encoder_weights: null, in_channels: 3, classes: 2, activation: null, decoder_channels: [8, 8, 4, 4, 4], decoder_use_batchnorm: true, decoder_attention_type: null });
      const reloaded = await loadFolder(out);
      try {
        const run = (m: SegmentationModel): Float32Array => torch.inferenceMode(() => torch.scope(() => (m.module as unknown as { forward(x: torch.Tensor): torch.Tensor }).forward(m.preprocess([image(40, 30)], ['x']).pixelValues).data() as Float32Array));
        assert.equal(maxDiff(run(reloaded), run(model)), 0);
      } finally {
        reloaded.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it('CRIS without the module. prefix; bf16 and fp16 exports store the weights rounded once to half precision', async () => {
    const model = await loadFolder(fixturePath('cris-tiny'));
    try {
      const bare = join(scratch, 'cris-bare');
      mkdirSync(bare);
      exportModel(model, bare, 'cris', { modulePrefix: false });
      assert.deepEqual(await keysOf(join(bare, 'cris.pth')), sorted(golden['cris/cris.pth']!));
      const yaml = readFileSync(join(bare, 'cris.yaml'), 'utf8');
      assert.match(yaml, /^TRAIN:\n {2}clip_pretrain: pretrain\/RN50\.pt\n {2}input_size: 96\n {2}word_len: 17\n {2}word_dim: 64\n {2}vis_dim: 4\n {2}fpn_in: \[32, 64, 64\]\n {2}fpn_out: \[2, 4, 8\]\n/m);
      for (const [dtype, name] of [['bf16', 'bfloat16'], ['fp16', 'float16']] as const) {
        const out = join(scratch, `cris-${dtype}`);
        mkdirSync(out);
        exportModel(model, out, 'auto', { dtype });
        const keys = await keysOf(join(out, 'cris.pth'));
        assert.ok(keys.filter(([, , d]) => d !== 'int64').every(([, , d]) => d === name), `every float tensor is ${name}`);
        // Each stored tensor is the model's, rounded once to the asked dtype.
        const stored = await torch.io.loadStateDict(join(out, 'cris.pth'), { stripPrefix: ['module.'] });
        try {
          for (const [key, own] of model.module.stateDict()) {
            const t = stored.get(key)!;
            if (own.dtype !== 'float32') continue;
            const rounded = torch.scope(() => own.to(name).to('float32').data() as Float32Array);
            assert.equal(maxDiff(torch.scope(() => t.to('float32').data() as Float32Array), rounded), 0, key);
          }
        } finally {
          torch.dispose([...stored.values()]);
        }
        const reloaded = await loadFolder(out);
        try {
          assert.ok(logits(reloaded).every(Number.isFinite));
        } finally {
          reloaded.dispose();
        }
      }
    } finally {
      model.dispose();
    }
  });

  it('the CLIPSeg folder has what transformers reads: architectures, processor and tokenizer files', async () => {
    const out = join(scratch, 'clipseg');
    assert.ok(existsSync(out), 'written by the clipseg case above');
    const config = readJson<Record<string, unknown>>(join(out, 'config.json'));
    assert.deepEqual(config.architectures, ['CLIPSegForImageSegmentation']);
    assert.equal(config.model_type, 'clipseg');
    assert.equal((config.vision_config as Record<string, unknown>).model_type, 'clipseg_vision_model');
    const pre = readJson<Record<string, unknown>>(join(out, 'preprocessor_config.json'));
    assert.equal(pre.image_processor_type, 'ViTImageProcessor');
    assert.equal(pre.processor_class, 'CLIPSegProcessor');
    for (const f of ['vocab.json', 'merges.txt', 'special_tokens_map.json', 'tokenizer_config.json']) assert.ok(existsSync(join(out, f)), f);
    assert.equal(readJson<Record<string, unknown>>(join(out, 'special_tokens_map.json')).eos_token, '<|endoftext|>');
  });

  it('refuses a format that is not the family\'s home format', async () => {
    assert.throws(() => homeFormatFor('clipseg', 'smp'), /model family 'clipseg' has no 'smp' format; its home format is 'hf'/);
    assert.throws(() => homeFormatFor('unet', 'cris'), /model family 'unet' has no 'cris' format; its home format is 'smp'/);
    assert.throws(() => homeFormatFor('unet', 'onnx' as never), /unknown format 'onnx'/);
    assert.equal(homeFormatFor('biomedclipseg-d', 'open_clip'), 'open_clip');
  });
});
