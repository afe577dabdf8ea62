// BiomedCLIP and BiomedCLIPSeg(-D) against medvlsm's golden vectors (test/fixtures/biomedclipseg-tiny),
// loading the open_clip weights both as torch.save'd .bin and as safetensors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { readBiomedClipConfig } from '../../../src/models/biomedclip/config.js';
import { BiomedCLIP } from '../../../src/models/biomedclip/model.js';
import { normalizeBiomedClipKeys } from '../../../src/models/biomedclip/weights.js';
import { biomedClipSegConfig } from '../../../src/models/biomedclipseg/config.js';
import { biomedClipSegDFamily, biomedClipSegFamily, loadBiomedClipSeg } from '../../../src/models/biomedclipseg/family.js';
import { BiomedCLIPSeg } from '../../../src/models/biomedclipseg/model.js';
import { clipsegDecoderTensors, normalizeBiomedClipSegKeys } from '../../../src/models/biomedclipseg/weights.js';
import { readConfigFile } from '../../../src/models/config-file.js';
import { clipsegConfigSchema } from '../../../src/models/clipseg/config.js';
import { assertClose, fixturePath } from '../../helpers.js';

const fixture = fixturePath('biomedclipseg-tiny');
const file = (name: string): string => join(fixture, name);
const io = torch.io.loadSafetensors(file('io.safetensors'));
for (const t of io.values()) t.keep();
const get = (name: string): torch.Tensor => io.get(name)!;
const expected = (name: string): number[] => Array.from(get(name).to('float64').data() as Float64Array);
/** Block b of a stacked [N, ...] golden tensor, as numbers. */
const expectedAt = (name: string, b: number): number[] => torch.scope(() => Array.from(get(name).select(0, b).to('float64').data() as Float64Array));
/** Same shape and bitwise equal values. */
const same = (a: torch.Tensor, b: torch.Tensor): boolean => a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]) && torch.scope(() => Boolean(a.eq(b).all().item()));
const TOL = 1e-5; // the README asks 1e-4; a correct float32 implementation passes 1e-5 (README, Tolerance)

const clipsegConfigJson = JSON.parse(readFileSync(file('config.json'), 'utf8')) as Record<string, unknown>;
const tinyConfig = () => biomedClipSegConfig(readBiomedClipConfig(file('open_clip_config.json')), readConfigFile(clipsegConfigSchema, file('config.json')));

describe('BiomedCLIP on fixtures/biomedclipseg-tiny', () => {
  const config = readBiomedClipConfig(file('open_clip_config.json'));
  const model = new BiomedCLIP(config);
  model.loadStateDict(normalizeBiomedClipKeys(torch.io.loadSafetensors(file('open_clip_model.safetensors'))), { file: file('open_clip_model.safetensors') });
  model.eval();
  after(() => model.dispose());

  it('reads the tower sizes from the explicit vision_cfg fields and hf_text_config', () => {
    assert.deepEqual(config.vision, { name: 'vit_tiny_bmfix_patch16_96', image_size: 96, patch_size: 16, width: 48, layers: 6, heads: 4, mlp_dim: 192, layer_norm_eps: 1e-6 });
    assert.equal(config.text.hidden_size, 16);
    assert.equal(config.text.vocab_size, 269);
    assert.equal(config.text_proj, 'mlp');
    assert.equal(config.context_length, 32);
    assert.equal(config.embed_dim, 24);
  });

  it('has exactly the checkpoint keys, in the order torch.save wrote them', async () => {
    const bin = await torch.io.loadStateDict(file('open_clip_pytorch_model.bin'));
    assert.deepEqual([...model.stateDict().keys()], [...bin.keys()]);
    const safetensorsKeys = [...torch.io.readSafetensorsHeader(file('open_clip_model.safetensors')).tensors.keys()].sort();
    assert.deepEqual([...model.stateDict().keys()].sort(), safetensorsKeys);
    torch.dispose([...bin.values()]);
  });

  it("ignores the stale position_ids buffer of older transformers checkpoints and DataParallel's module. prefix", () => {
    const st = torch.io.loadSafetensors(file('open_clip_model.safetensors'));
    const old = new Map([...st].map(([k, v]) => [`module.${k}`, v]));
    old.set('module.text.transformer.embeddings.position_ids', torch.arange(64).view([1, 64]));
    const normalized = normalizeBiomedClipKeys(old);
    assert.deepEqual([...normalized.keys()].sort(), [...st.keys()].sort());
    torch.dispose([...old.values()]);
  });

  it('loads open_clip_pytorch_model.bin through the restricted unpickler to the same tensors as the safetensors file', async () => {
    const bin = await torch.io.loadStateDict(file('open_clip_pytorch_model.bin'));
    const st = torch.io.loadSafetensors(file('open_clip_model.safetensors'));
    assert.equal(bin.size, 119);
    for (const [key, t] of st) assert.ok(torch.scope(() => same(t, bin.get(key)!)), `${key} differs`);
    torch.dispose([...bin.values()], [...st.values()]);
  });

  it(`reproduces the embeddings and every block output within ${TOL}`, () => {
    torch.scope(() => {
      const trunk = model.visual.trunk;
      assertClose(trunk.embeddings(get('pixel_values')), expected('vision_embeddings'), TOL, 'vision_embeddings', [2, 37, 48]);
      const { blockOutputs } = trunk.forward(get('pixel_values'), { keepBlocks: [0, 1, 2, 3, 4, 5] });
      for (const [b, out] of blockOutputs.entries()) assertClose(out, expectedAt('vision_hidden_states', b), TOL, `vision_hidden_states[${b}]`, [2, 37, 48]);
    });
  });

  it(`reproduces the image features (class token, final norm, head.proj) within ${TOL}`, () => {
    torch.scope(() => assertClose(model.encodeImage(get('pixel_values')), expected('image_features'), TOL, 'image_features', [2, 24]));
  });

  it(`reproduces the pooled [CLS] state and the projected text features of all 8 prompts within ${TOL}`, () => {
    torch.scope(() => {
      assertClose(model.text.pooled(get('input_ids'), get('attention_mask')), expected('text_pooled'), TOL, 'text_pooled', [2, 16]);
      assertClose(model.encodeText(get('input_ids'), get('attention_mask')), expected('conditional_embeddings'), TOL, 'conditional_embeddings', [2, 24]);
      assertClose(model.encodeText(get('prompt_input_ids'), get('prompt_attention_mask')), expected('prompt_text_features'), TOL, 'prompt_text_features', [8, 24]);
      // open_clip's encode_text derives the mask from id != pad; so does encodeText without one.
      assertClose(model.encodeText(get('prompt_input_ids')), expected('prompt_text_features'), TOL, 'prompt_text_features, derived mask');
    });
  });

  it(`gives each prompt alone, its padding trimmed away, the features recorded for it in the batch within ${TOL}`, () => {
    torch.scope(() => {
      for (let i = 0; i < 8; i++) {
        const ids = get('prompt_input_ids').slice(0, i, i + 1);
        const mask = get('prompt_attention_mask').slice(0, i, i + 1);
        const row = expected('prompt_text_features').slice(i * 24, (i + 1) * 24);
        assertClose(model.encodeText(ids, mask), row, TOL, `prompt ${i}`, [1, 24]);
      }
    });
  });

  it('says which size to resize to when the image does not fit the position table', () => {
    assert.throws(
      () => torch.scope(() => model.encodeImage(torch.zeros([1, 3, 112, 112]))),
      /BiomedCLIP vision tower \(vit_tiny_bmfix_patch16_96\): input 112×112, expected 96×96; resize the image to 96×96/,
    );
  });
});

describe('BiomedCLIPSeg on fixtures/biomedclipseg-tiny', () => {
  const fromBin = new BiomedCLIPSeg(tinyConfig());
  after(() => fromBin.dispose());

  it("taps blocks 1, 3, 4 for extract_layers [0, 2, 3] (medvlsm's i + 1), or 0, 2, 3 with tap 'clipseg'", () => {
    assert.deepEqual(tinyConfig().tappedBlocks, Array.from(get('tapped_block_indices').data() as BigInt64Array, Number));
    const base = readBiomedClipConfig(file('open_clip_config.json'));
    const decoder = readConfigFile(clipsegConfigSchema, file('config.json'));
    assert.deepEqual(biomedClipSegConfig(base, decoder, { tap: 'clipseg' }).tappedBlocks, [0, 2, 3]);
    assert.deepEqual(biomedClipSegConfig(base, decoder, { tappedBlocks: [2, 3, 5] }).tappedBlocks, [2, 3, 5]);
  });

  it('names the extract layer and the block count when a tap falls past the last block', () => {
    const base = readBiomedClipConfig(file('open_clip_config.json'));
    const decoder = readConfigFile(clipsegConfigSchema, file('config.json'));
    assert.throws(
      () => biomedClipSegConfig(base, { ...decoder, extract_layers: [1, 3, 5] }),
      /extract layer 5 taps block 6, but the ViT has 6 blocks \(0\.\.5\); under medvlsm's convention extract_layers must be at most 4, or use tap: 'clipseg'/,
    );
    assert.throws(() => biomedClipSegConfig(base, { ...decoder, projection_dim: 32 }), /projection_dim 32 must equal BiomedCLIP's embed_dim 24/);
  });

  it('has the open_clip keys under biomedclip. and the decoder.safetensors keys under decoder.', () => {
    const keys = [...fromBin.stateDict().keys()];
    const openClip = [...torch.io.readSafetensorsHeader(file('open_clip_model.safetensors')).tensors.keys()].map((k) => `biomedclip.${k}`);
    const decoder = [...torch.io.readSafetensorsHeader(file('decoder.safetensors')).tensors.keys()];
    assert.deepEqual(keys.sort(), [...openClip, ...decoder].sort());
  });

  it(`reproduces the tapped activations, decoder features and logits within ${TOL} with open_clip_pytorch_model.bin`, async () => {
    const bin = await torch.io.loadStateDict(file('open_clip_pytorch_model.bin'));
    const decoder = torch.io.loadSafetensors(file('decoder.safetensors'));
    fromBin.loadStateDict(normalizeBiomedClipSegKeys(new Map([...bin, ...decoder])), { file: file('open_clip_pytorch_model.bin') });
    torch.dispose([...bin.values()], [...decoder.values()]);
    fromBin.eval();
    torch.scope(() => {
      const out = fromBin.forward({ pixelValues: get('pixel_values'), inputIds: get('input_ids'), attentionMask: get('attention_mask') });
      assert.equal(out.activations.length, 3);
      for (const [i, a] of out.activations.entries()) assertClose(a, expectedAt('decoder_activations', i), TOL, `decoder_activations[${i}]`, [2, 37, 48]);
      assertClose(out.conditionalEmbeddings, expected('conditional_embeddings'), TOL, 'conditional_embeddings', [2, 24]);
      assertClose(fromBin.decoderFeatures(out.activations, out.conditionalEmbeddings), expected('decoder_features'), TOL, 'decoder_features', [2, 16, 6, 6]);
      assertClose(out.logits, expected('logits'), TOL, 'logits', [2, 96, 96]);
    });
  });

  it(`reproduces the logits within ${TOL} loaded from a folder with open_clip_model.safetensors and decoder.safetensors`, async () => {
    const model = await loadBiomedClipSeg(fixture, 'random');
    torch.scope(() => {
      const out = model.forward({ pixelValues: get('pixel_values'), inputIds: get('input_ids'), attentionMask: get('attention_mask') });
      assertClose(out.logits, expected('logits'), TOL, 'logits', [2, 96, 96]);
    });
    model.dispose();
  });

  it('leaves no tensor behind after a forward inside a scope', () => {
    const before = torch.memory().numTensors;
    torch.scope(() => void fromBin.forward({ pixelValues: get('pixel_values'), inputIds: get('input_ids') }));
    assert.equal(torch.memory().numTensors, before);
  });

  it('names the file, the key and both shapes when a decoder weight does not fit', () => {
    const wider = new BiomedCLIPSeg(biomedClipSegConfig(readBiomedClipConfig(file('open_clip_config.json')), { ...readConfigFile(clipsegConfigSchema, file('config.json')), reduce_dim: 32 }));
    const decoder = torch.io.loadSafetensors(file('decoder.safetensors'));
    assert.throws(
      () => wider.decoder.loadStateDict(new Map([...decoder].map(([k, v]) => [k.slice('decoder.'.length), v])), { file: file('decoder.safetensors') }),
      /loadStateDict\(CLIPSegDecoder\) from .*decoder\.safetensors:[\s\S]*size mismatch for film_mul\.weight: checkpoint \[16, 24\], model \[32, 24\]/,
    );
    torch.dispose([...decoder.values()]);
    wider.dispose();
  });
});

describe('BiomedCLIPSeg-D: the decoder from a CLIPSeg checkpoint', () => {
  // A folder as a user assembles it: BiomedCLIP's files beside a HuggingFace CLIPSeg checkpoint.
  const folder = mkdtempSync(join(tmpdir(), 'vlsm-biomedclipseg-d-'));
  for (const name of ['open_clip_config.json', 'open_clip_pytorch_model.bin', 'config.json', 'vocab.txt']) symlinkSync(file(name), join(folder, name));
  after(() => rmSync(folder, { recursive: true, force: true }));
  const decoder = torch.io.loadSafetensors(file('decoder.safetensors'));
  const clipsegCheckpoint = new Map([...decoder, ['clip.logit_scale', torch.scalarTensor(2.6592)], ['clip.visual_projection.weight', torch.zeros([24, 48])]]);
  torch.io.saveSafetensors(join(folder, 'model.safetensors'), clipsegCheckpoint);
  torch.dispose([...clipsegCheckpoint.values()]);

  it('takes only the decoder.* tensors, whatever wrapper the checkpoint uses', () => {
    const weights = torch.io.loadSafetensors(join(folder, 'model.safetensors'));
    const wrapped = new Map([...weights].map(([k, v]) => [`model.${k}`, v]));
    assert.deepEqual([...clipsegDecoderTensors(wrapped).keys()].sort(), [...torch.io.readSafetensorsHeader(file('decoder.safetensors')).tensors.keys()].sort());
    assert.throws(() => clipsegDecoderTensors(new Map([['clip.logit_scale', weights.get('clip.logit_scale')!]]), 'x.safetensors'), /x\.safetensors: holds no CLIPSeg decoder tensors \(no key starts with "decoder\."; keys: clip\.logit_scale\)/);
    torch.dispose([...weights.values()]);
  });

  it(`is detected as biomedclipseg-d and reproduces the logits within ${TOL}`, async () => {
    assert.equal(biomedClipSegDFamily.detect(folder, clipsegConfigJson), true);
    assert.equal(biomedClipSegDFamily.detect(fixture, clipsegConfigJson), false, 'a folder with a trained decoder.safetensors is no longer a -D starting point');
    const model = await loadBiomedClipSeg(folder, 'clipseg');
    torch.scope(() => assertClose(model.forward({ pixelValues: get('pixel_values'), inputIds: get('input_ids'), attentionMask: get('attention_mask') }).logits, expected('logits'), TOL, 'logits', [2, 96, 96]));
    model.dispose();
  });

  it("names the CLIPSeg checkpoint, the key and both shapes when its decoder does not fit config.json", async () => {
    const mixed = mkdtempSync(join(tmpdir(), 'vlsm-biomedclipseg-d-mixed-'));
    for (const name of ['open_clip_config.json', 'open_clip_model.safetensors', 'config.json']) symlinkSync(file(name), join(mixed, name));
    symlinkSync(fixturePath('clipseg-tiny', 'model.safetensors'), join(mixed, 'model.safetensors')); // decoder_intermediate_size 64, not 32
    await assert.rejects(loadBiomedClipSeg(mixed, 'clipseg'), /loadStateDict\(CLIPSegDecoder\) from .*model\.safetensors:[\s\S]*size mismatch for layers\.0\.mlp\.fc1\.weight: checkpoint \[64, 16\], model \[32, 16\]/);
    rmSync(mixed, { recursive: true, force: true });
  });

  it('says which files to copy when the folder has no CLIPSeg checkpoint', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'vlsm-biomedclipseg-d-bare-'));
    for (const name of ['open_clip_config.json', 'open_clip_model.safetensors', 'config.json']) symlinkSync(file(name), join(bare, name));
    await assert.rejects(loadBiomedClipSeg(bare, 'clipseg'), /has none of decoder\.safetensors, model\.safetensors, pytorch_model\.bin; copy CIDAS\/clipseg-rd64-refined's model\.safetensors and config\.json into it/);
    rmSync(bare, { recursive: true, force: true });
  });
});

describe('BiomedCLIPSeg random decoder', () => {
  it('draws the same decoder for the same seed, another for another seed, and leaves the global generator alone', () => {
    const decoderOf = (seed: number): Map<string, torch.Tensor> => {
      const model = new BiomedCLIPSeg(tinyConfig(), { decoderSeed: seed });
      const state = new Map([...model.decoder.stateDict()].map(([k, v]) => [k, v.clone().keep()]));
      model.dispose();
      return state;
    };
    torch.manualSeed(7);
    const a = decoderOf(1);
    const drawAfter = torch.randn([4]);
    const b = decoderOf(1); // the global generator is elsewhere now; the decoder is not
    const c = decoderOf(2);
    for (const [key, t] of a) assert.ok(same(t, b.get(key)!), `${key}: same seed, different values`);
    assert.ok(!same(a.get('reduces.0.weight')!, c.get('reduces.0.weight')!));
    torch.manualSeed(7);
    const d = decoderOf(5);
    assert.ok(same(drawAfter, torch.randn([4])), 'building a seeded decoder moved the global generator');
    torch.dispose([...a.values()], [...b.values()], [...c.values()], [...d.values()], drawAfter);
  });

  it("uses PyTorch's default initialisation: LayerNorm ones and zeros, Linear within ±1/√fan_in", () => {
    const model = new BiomedCLIPSeg(tinyConfig(), { decoderSeed: 0 });
    const d = model.decoder;
    torch.scope(() => {
      assert.ok(d.layers.at(0).layerNorm1.weight!.eq(1).all().item());
      assert.ok(d.layers.at(0).layerNorm1.bias!.eq(0).all().item());
      const bound = 1 / Math.sqrt(48);
      assert.ok(d.reduces.at(0).weight.abs().max().item() <= bound);
      assert.ok(d.reduces.at(0).weight.abs().max().item() > bound * 0.9);
    });
    model.dispose();
  });
});

describe('BiomedCLIPSeg training', () => {
  it('trains the decoder while the encoders give constants', () => {
    const model = new BiomedCLIPSeg(tinyConfig(), { decoderSeed: 3 });
    const decoderParams = model.decoder.parameters();
    const optimizer = new torch.optim.Adam(decoderParams, { lr: 1e-2 });
    const target = torch.scope(() => get('logits').view([2, 96, 96]).gt(0).float()).keep();
    const step = (): number => torch.scope(() => {
      optimizer.zeroGrad();
      const { logits } = model.forward({ pixelValues: get('pixel_values'), inputIds: get('input_ids'), attentionMask: get('attention_mask') });
      const loss = torch.F.binaryCrossEntropyWithLogits(logits, target);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
    const first = step();
    assert.ok(torch.scope(() => decoderParams.every((p) => p.grad !== undefined)), 'every decoder parameter has a gradient');
    assert.ok(torch.scope(() => model.biomedclip.parameters().every((p) => p.grad === undefined)), 'no encoder parameter has a gradient');
    let last = first;
    for (let i = 0; i < 5; i++) last = step();
    assert.ok(last < first, `loss ${first} → ${last}`);
    target.dispose();
    model.dispose();
  });
});

describe('The biomedclipseg family', () => {
  const tokens = JSON.parse(readFileSync(file('tokens.json'), 'utf8')) as { cases: { text: string; ids: number[] }[] };

  it('recognises the fixture folder', () => {
    assert.equal(biomedClipSegFamily.detect(fixture, clipsegConfigJson), true);
    assert.equal(biomedClipSegFamily.detect(fixturePath('clipseg-tiny'), clipsegConfigJson), false);
  });

  it(`preprocesses images and prompts as medvlsm does and segments within ${TOL}`, async () => {
    const model = await biomedClipSegFamily.load(fixture);
    assert.deepEqual(model.inputSize, [96, 96]);
    const u8 = get('image_uint8');
    const images = [0, 1].map((i) => ({ width: 96, height: 96, data: torch.scope(() => new Uint8Array(u8.select(0, i).contiguous().data() as Uint8Array)) }));
    const batch = model.preprocess(images, [tokens.cases[0].text, tokens.cases[1].text]);
    assert.ok(same(batch.pixelValues, get('pixel_values')), 'pixel values equal ToTensor + Normalize bit for bit');
    assert.ok(same(batch.inputIds!, get('input_ids')));
    assert.ok(same(batch.attentionMask!, get('attention_mask')));
    const logits = model.forward(batch);
    assertClose(logits, expected('logits'), TOL, 'logits', [2, 96, 96]);
    const [a, b] = model.logitsToOriginal(logits, [[96, 96], [150, 200]]);
    assert.deepEqual([a.shape, b.shape], [[96, 96], [150, 200]]);
    const all = torch.scope(() => model.preprocess(images.concat(images, images, images), tokens.cases.map((c) => c.text)).inputIds!.keep());
    assert.ok(same(all, get('prompt_input_ids')), 'all 8 fixture prompts tokenize to the recorded ids');
    torch.dispose(batch.pixelValues, batch.inputIds, batch.attentionMask, logits, a, b, all);
    model.dispose();
  });
});
