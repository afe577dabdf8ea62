// The one model contract, family by family: loading in float64 and on an explicit device, a failed
// load that leaves no live tensors behind, and a scratch CNN folder found by its config alone.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runSegment } from '../../src/cli/commands/segment.js';
import { torch } from '../../src/index.js';
import { createRgbImage, type RgbImage } from '../../src/imaging/image-types.js';
import { readGrayImage, readImageSize } from '../../src/imaging/read-image.js';
import { SegmentationModelBase } from '../../src/models/base.js';
import { cnnFromConfig } from '../../src/models/cnn/family.js';
import { load } from '../../src/models/load.js';
import type { LoadOptions, SegmentationModel } from '../../src/models/types.js';
import { assertClose, fixturePath, readJson, repoRoot } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'vlsm-contract-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const newFolder = (): string => {
  const dir = join(scratch, `m${folders++}`);
  mkdirSync(dir);
  return dir;
};

const tinyUnet = readJson<{ tiny: { unet: { block: string; layers: number[]; width: number; decoder_channels: number[] } } }>(fixturePath('cnn', 'reference.json')).tiny.unet;
const unetConfig = { arch: 'unet', encoder_weights: null, encoder_params: { block: tinyUnet.block, layers: tinyUnet.layers, width: tinyUnet.width }, decoder_channels: tinyUnet.decoder_channels, classes: 1, image_size: 32 };

/** Each family's test fixture as a checkpoint folder (a copy, so tests may break it). */
const fixtureFolders: Record<string, () => Promise<string>> = {
  clipseg: async () => {
    const dir = newFolder();
    const fixture = fixturePath('clipseg-tiny');
    copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
    copyFileSync(join(fixture, 'model.safetensors'), join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ size: { height: 64, width: 64 } }));
    return dir;
  },
  cris: async () => {
    const dir = newFolder();
    const fixture = fixturePath('cris-tiny');
    copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
    copyFileSync(join(fixture, 'model.safetensors'), join(dir, 'model.safetensors'));
    return dir;
  },
  biomedclipseg: async () => {
    const dir = newFolder();
    const fixture = fixturePath('biomedclipseg-tiny');
    for (const name of ['config.json', 'decoder.safetensors', 'open_clip_config.json', 'open_clip_model.safetensors', 'tokenizer.json', 'vocab.txt']) copyFileSync(join(fixture, name), join(dir, name));
    return dir;
  },
  unet: async () => {
    const dir = newFolder();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...unetConfig, encoder_weights: null }));
    const weights = await torch.io.loadStateDict(fixturePath('cnn', 'unet.pt'), { key: 'state_dict' });
    torch.io.saveSafetensors(join(dir, 'model.safetensors'), weights);
    torch.dispose([...weights.values()]);
    return dir;
  },
};

/** The file whose tensors each family loads (the one the broken-weights tests edit). */
const weightsFile: Record<string, string> = { clipseg: 'model.safetensors', cris: 'model.safetensors', biomedclipseg: 'decoder.safetensors', unet: 'model.safetensors' };

function gradientImage(width: number, height: number): RgbImage {
  const image = createRgbImage(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const p = 3 * (y * width + x);
    image.data[p] = (x * 255) / width;
    image.data[p + 1] = (y * 255) / height;
    image.data[p + 2] = (x * y) % 256;
  }
  return image;
}

async function withModel<T>(dir: string, options: LoadOptions, use: (model: SegmentationModel) => T): Promise<T> {
  const model = await load(dir, options);
  try {
    return use(model);
  } finally {
    model.dispose();
  }
}

describe('every family shares one base', () => {
  for (const [family, folder] of Object.entries(fixtureFolders)) {
    it(`${family} is a SegmentationModelBase with a declared resample`, async () => {
      await withModel(await folder(), {}, (model) => {
        assert.ok(model instanceof SegmentationModelBase);
        assert.equal(model.family, family);
        assert.equal(model.resample, 'nearest-mask');
        assert.equal(model.device, 'cpu');
        assert.equal(model.dtype, 'float32');
      });
    });
  }
});

describe('models.load with dtype and device', () => {
  const image = gradientImage(75, 50);
  const prompt = 'a round bright lesion';
  for (const [family, folder] of Object.entries(fixtureFolders)) {
    it(`${family}: loads in float64 and predicts what float32 predicts, within float32 precision`, async () => {
      const dir = await folder();
      const single = await withModel(dir, {}, (model) => model.predict(image, prompt).probabilities);
      const double = await withModel(dir, { dtype: 'float64' }, (model) => {
        assert.equal(model.dtype, 'float64');
        assert.ok(model.module.parameters().every((p) => p.dtype === 'float64'));
        torch.scope(() => assert.equal(model.preprocess([image], [prompt]).pixelValues.dtype, 'float64'));
        return model.predict(image, prompt).probabilities;
      });
      assert.equal(double.length, 75 * 50);
      assertClose(double, single, 1e-4, `${family} float64 vs float32`);
    });

    it(`${family}: device 'cpu' given explicitly gives the same probabilities as the default`, async () => {
      const dir = await folder();
      const implicit = await withModel(dir, {}, (model) => model.predict(image, prompt).probabilities);
      const explicit = await withModel(dir, { device: 'cpu' }, (model) => {
        assert.equal(model.device, 'cpu');
        return model.predict(image, prompt).probabilities;
      });
      assert.deepEqual(Array.from(explicit), Array.from(implicit));
    });
  }
});

describe('a failed load frees what it built', () => {
  /** Rewrites the family's weights file through `edit`, then checks the load fails with no tensor left behind. */
  async function assertCleanFailure(family: string, edit: (weights: Map<string, torch.Tensor>) => void, message: RegExp): Promise<void> {
    const dir = await fixtureFolders[family]!();
    const path = join(dir, weightsFile[family]!);
    const weights = torch.io.loadSafetensors(path);
    edit(weights);
    torch.io.saveSafetensors(path, weights);
    torch.dispose([...weights.values()]);
    const before = torch.memory().numTensors;
    await assert.rejects(load(dir), message);
    assert.equal(torch.memory().numTensors, before, `${family}: live tensors after the failed load`);
  }

  for (const family of Object.keys(fixtureFolders)) {
    it(`${family}: a misshaped tensor`, async () => {
      await assertCleanFailure(family, (weights) => {
        const [name, tensor] = [...weights].find(([, t]) => t.ndim >= 2)!;
        const [rows, ...rest] = tensor.shape;
        weights.set(name, torch.zeros([rows! + 1, ...rest]));
        tensor.dispose();
      }, /size mismatch/);
    });

    it(`${family}: a missing tensor`, async () => {
      await assertCleanFailure(family, (weights) => {
        const [name, tensor] = [...weights].find(([, t]) => t.ndim >= 2)!;
        weights.delete(name);
        tensor.dispose();
      }, /[Mm]issing/);
    });
  }
});

describe('weights with NaN or infinite values', () => {
  for (const family of Object.keys(fixtureFolders)) {
    it(`${family}: the load warns, naming the checkpoint and the tensors`, async () => {
      const dir = await fixtureFolders[family]!();
      const path = join(dir, weightsFile[family]!);
      const weights = torch.io.loadSafetensors(path);
      const [name, tensor] = [...weights].find(([, t]) => t.ndim >= 2 && t.dtype === 'float32')!;
      const broken = tensor.clone();
      broken.view([-1]).narrow(0, 0, 3).fill_(Number.NaN);
      broken.view([-1]).narrow(0, 3, 1).fill_(Number.POSITIVE_INFINITY);
      weights.set(name, broken);
      tensor.dispose();
      torch.io.saveSafetensors(path, weights);
      torch.dispose([...weights.values()]);

      const warnings: string[] = [];
      const model = await load(dir, { warn: (m) => warnings.push(m) });
      model.dispose();
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.ok(warnings[0]!.includes(dir), warnings[0]);
      assert.match(warnings[0]!, /NaN or infinite/);
      assert.match(warnings[0]!, /\(4\)/, 'counts the 3 NaN and 1 Inf values');
    });
  }

  it('a clean checkpoint loads without a warning', async () => {
    const warnings: string[] = [];
    const model = await load(await fixtureFolders.clipseg!(), { warn: (m) => warnings.push(m) });
    model.dispose();
    assert.deepEqual(warnings, []);
  });
});

describe('a CNN folder with encoder_weights null and no weights file', () => {
  function scratchFolder(): string {
    const dir = newFolder();
    writeFileSync(join(dir, 'config.json'), JSON.stringify(unetConfig));
    return dir;
  }

  it('loads through models.load as the family documents: a randomly initialised model', async () => {
    const dir = scratchFolder();
    assert.deepEqual(readdirSync(dir), ['config.json']);
    torch.manualSeed(3);
    const model = await load(dir);
    torch.manualSeed(3);
    const reference = cnnFromConfig('unet', unetConfig);
    try {
      assert.equal(model.family, 'unet');
      assert.equal(model.module.training, false);
      // The same seeded initialisation as a scratch model of the same config.
      const a = model.module.stateDict();
      const b = reference.module.stateDict();
      assert.deepEqual([...a.keys()], [...b.keys()]);
      for (const [name, t] of a) assert.equal(t.sub(b.get(name)!).abs().max().item(), 0, name);
    } finally {
      model.dispose();
      reference.dispose();
    }
  });

  it('segments an image through `vlsm segment`', async () => {
    const dir = scratchFolder();
    const image = join(repoRoot, 'assets', 'busi-sample', 'images', '1_malignant.png');
    const out = join(newFolder(), 'mask.png');
    assert.equal(await runSegment(['--model', dir, '--image', image, '--prompt', 'ignored', '--out', out]), 0);
    const mask = await readGrayImage(out);
    const size = await readImageSize(image);
    assert.deepEqual([mask.width, mask.height], [size.width, size.height]);
    assert.ok(mask.data.every((v) => v === 0 || v === 255));
  });
});

describe('choosing the resample', () => {
  it('refuses an unknown mode, naming the choices', async () => {
    const dir = await fixtureFolders.unet!();
    const image = join(repoRoot, 'assets', 'busi-sample', 'images', '1_malignant.png');
    await assert.rejects(
      runSegment(['--model', dir, '--image', image, '--prompt', 'x', '--resample', 'area']),
      /--resample must be one of nearest-mask, bilinear-logits, bicubic-logits, bicubic-probabilities, got 'area'/,
    );
  });

  it("CRIS's letterbox undoes its geometry in every mode, the fork's by default", async () => {
    const { CrisSegmentationModel } = await import('../../src/models/cris/family.js');
    const { CRIS } = await import('../../src/models/cris/model.js');
    const { crisConfigSchema } = await import('../../src/models/cris/config.js');
    const { readConfigFile } = await import('../../src/models/config-file.js');
    const { ClipTokenizer } = await import('../../src/tokenizers/clip-bpe.js');
    const { letterboxLogitsToOriginal } = await import('../../src/models/cris/letterbox.js');
    const config = readConfigFile(crisConfigSchema, fixturePath('cris-tiny', 'config.json'));
    const model = new CrisSegmentationModel(torch.scope(() => new CRIS({ ...config, input: { ...config.input, resize: 'letterbox' } })), ClipTokenizer.bundled());
    try {
      assert.equal(model.resample, 'bicubic-probabilities');
      torch.scope(() => {
        const [h, w] = model.inputSize;
        // A left-to-right ramp of logits: every mode keeps it increasing along each row.
        const logits = torch.arange(0, w, 1).float().sub(w / 2).div(4).view([1, 1, w]).expand([1, h, w]).contiguous();
        const [fork] = letterboxLogitsToOriginal(logits, [h, w], [[30, 90]]);
        assert.equal(model.logitsToOriginal(logits, [[30, 90]])[0]!.sub(fork!).abs().max().item(), 0);
        for (const resample of ['nearest-mask', 'bilinear-logits', 'bicubic-logits', 'bicubic-probabilities'] as const) {
          const [back] = model.logitsToOriginal(logits, [[30, 90]], resample);
          assert.deepEqual(back!.shape, [30, 90], resample);
          const row = back!.select(0, 15).toArray() as number[];
          assert.ok(row[0]! < -4 && row[89]! > 4, `${resample}: the ramp's ends`);
          assert.ok(row.every((v, i) => i === 0 || v >= row[i - 1]! - 1e-4), `${resample}: increasing`);
        }
      });
    } finally {
      model.dispose();
    }
  });
});
