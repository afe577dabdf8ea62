// CRIS against the reference implementation's golden vectors (test/fixtures/cris-tiny), loaded
// from both model.safetensors and the train.py-style model.pth, plus a full-size RN50 smoke test.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { readConfigFile } from '../../../src/models/config-file.js';
import { crisConfigSchema, crisR101, crisR50, type CRISConfig } from '../../../src/models/cris/config.js';
import { CRIS, pos1d, pos2d, upsampleLogits } from '../../../src/models/cris/model.js';
import { loadCrisWeights, normalizeCrisKeys } from '../../../src/models/cris/weights.js';
import { assertClose, fixturePath } from '../../helpers.js';

const fixture = fixturePath('cris-tiny');
const io = torch.io.loadSafetensors(join(fixture, 'io.safetensors'));
for (const t of io.values()) t.keep();
const expected = (name: string): number[] => Array.from(io.get(name)!.to('float64').data() as Float64Array);
const shape = (name: string): number[] => io.get(name)!.shape;
const TOLERANCE = 1e-4;

const tinyConfig = (): CRISConfig => readConfigFile(crisConfigSchema, join(fixture, 'config.json'));

async function loadTiny(file: string): Promise<CRIS> {
  const model = new CRIS(tinyConfig());
  const weights = await loadCrisWeights(join(fixture, file));
  model.loadStateDict(weights, { file: join(fixture, file) });
  torch.dispose([...weights.values()]);
  return model.eval();
}

for (const file of ['model.safetensors', 'model.pth']) {
  describe(`CRIS on fixtures/cris-tiny from ${file}`, async () => {
    const model = await loadTiny(file);
    const pixels = io.get('pixel_values')!;
    const inputIds = io.get('input_ids')!;

    it('has exactly the checkpoint keys', () => {
      const fileKeys = [...torch.io.readSafetensorsHeader(join(fixture, 'model.safetensors')).tensors.keys()].sort();
      assert.deepEqual([...model.stateDict().keys()].sort(), fileKeys);
    });

    it(`reproduces the backbone levels, layer4 and the resized attention-pool grid within ${TOLERANCE}`, () => {
      torch.scope(() => {
        const stages = model.backbone.visual.stages(pixels);
        const batch2 = (t: torch.Tensor): torch.Tensor => t.expand([2, -1, -1, -1]);
        assertClose(batch2(stages.layer2), expected('vis.v3'), TOLERANCE, 'vis.v3', shape('vis.v3'));
        assertClose(batch2(stages.layer3), expected('vis.v4'), TOLERANCE, 'vis.v4', shape('vis.v4'));
        assertClose(batch2(stages.attnpool), expected('vis.v5'), TOLERANCE, 'vis.v5', shape('vis.v5'));
        assertClose(batch2(stages.layer4), expected('vis.layer4'), TOLERANCE, 'vis.layer4', shape('vis.layer4'));
        assertClose(model.backbone.visual.attnpool.positionGrid(3, 3), expected('vis.attnpool_pos'), TOLERANCE, 'vis.attnpool_pos', shape('vis.attnpool_pos'));
      });
    });

    it(`reproduces the word features and the sentence state of both prompts within ${TOLERANCE}`, () => {
      torch.scope(() => {
        const { word, state } = model.backbone.encodeText(inputIds);
        assertClose(word, expected('text.word'), TOLERANCE, 'text.word', shape('text.word'));
        assertClose(state, expected('text.state'), TOLERANCE, 'text.state', shape('text.state'));
      });
    });

    it(`reproduces the neck, decoder and projector outputs within ${TOLERANCE}`, () => {
      torch.scope(() => {
        const out = model.intermediates(pixels, inputIds);
        assert.deepEqual(Array.from(out.padMask.data() as Uint8Array, Boolean), Array.from(io.get('pad_mask')!.data() as Uint8Array, Boolean));
        assertClose(out.fq, expected('neck.fq'), TOLERANCE, 'neck.fq', shape('neck.fq'));
        assertClose(out.decoded, expected('decoder.out'), TOLERANCE, 'decoder.out', shape('decoder.out'));
        assertClose(out.logits, expected('logits'), TOLERANCE, 'logits', shape('logits'));
        assertClose(upsampleLogits(out.logits, [96, 96]), expected('logits_upsampled'), TOLERANCE, 'logits_upsampled', shape('logits_upsampled'));
      });
    });

    it('gives the same logits from precomputed visual features', () => {
      torch.scope(() => {
        const visual = model.visualFeatures(pixels);
        assertClose(model.forward(pixels, inputIds, { visual }), expected('logits'), TOLERANCE, 'logits from cached features');
      });
    });

    it('leaves no tensor behind after a forward inside a scope', () => {
      const before = torch.memory().numTensors;
      torch.scope(() => void model.forward(pixels, inputIds));
      assert.equal(torch.memory().numTensors, before);
    });
  });
}

describe('CRIS decoder position encodings', () => {
  it(`match the reference at 4 and at 32 channels within ${TOLERANCE}`, () => {
    torch.scope(() => {
      assertClose(pos2d(4, 6, 6), expected('decoder.vis_pos'), TOLERANCE, 'decoder.vis_pos', shape('decoder.vis_pos'));
      assertClose(pos1d(4, 17), expected('decoder.txt_pos'), TOLERANCE, 'decoder.txt_pos', shape('decoder.txt_pos'));
      assertClose(pos2d(32, 3, 5), expected('aux.pos2d_d32_h3_w5'), TOLERANCE, 'aux.pos2d_d32_h3_w5', shape('aux.pos2d_d32_h3_w5'));
      assertClose(pos1d(32, 17), expected('aux.pos1d_d32_l17'), TOLERANCE, 'aux.pos1d_d32_l17', shape('aux.pos1d_d32_l17'));
    });
  });

  it('rejects a 2-D width that is not a multiple of 4', () => {
    assert.throws(() => pos2d(6, 2, 2), /CRIS pos2d: .*multiple of 4 \(got dim=6\)/);
  });
});

describe('CRIS weights and configuration errors', () => {
  it('strips the DataParallel prefix and refuses a key given both ways', () => {
    const t = torch.zeros([1]);
    assert.deepEqual([...normalizeCrisKeys(new Map([['module.neck.x', t], ['proj.y', t]])).keys()], ['neck.x', 'proj.y']);
    assert.throws(() => normalizeCrisKeys(new Map([['module.neck.x', t], ['neck.x', t]])), /both 'neck\.x' and 'module\.neck\.x' are present/);
    t.dispose();
  });

  it('names the key and both shapes when a weight does not fit', async () => {
    const config = tinyConfig();
    const wider = new CRIS({ ...config, projector: { ...config.projector, word_dim: 64 }, decoder: { ...config.decoder, dim_ffn: 32 } });
    const weights = await loadCrisWeights(join(fixture, 'model.safetensors'));
    assert.throws(() => wider.loadStateDict(weights, { file: 'model.safetensors' }), /size mismatch for decoder\.layers\.0\.ffn\.0\.weight: checkpoint \[16, 4\], model \[32, 4\]/);
    torch.dispose([...weights.values()]);
    wider.dispose();
  });

  it('names a missing checkpoint file', async () => {
    await assert.rejects(loadCrisWeights(join(fixture, 'nope.pth')), /CRIS weights: .*nope\.pth does not exist/);
  });

  it('names a misspelt field', () => {
    assert.throws(() => crisConfigSchema.parse({ backbone: { vision_layer: [3, 4, 6, 3] } }), /vision_layer/);
  });

  it('names an inconsistent size and the field it follows from', () => {
    const result = crisConfigSchema.safeParse({ projector: { in_dim: 128 } });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error!.issues), /must be decoder\.d_model \/ 2 = 256, got 128/);
    assert.throws(() => crisConfigSchema.parse({ text: { width: 256 } }), /text\.width \(256\) must equal decoder\.d_model \(512\)/);
    assert.throws(() => crisConfigSchema.parse({ input: { image_size: [400, 416] } }), /must be a multiple of 32/);
  });

  it('has the reference CRIS-R50 sizes by default', () => {
    const c = crisR50();
    assert.deepEqual([c.backbone.vision_layers, c.backbone.vision_width, c.backbone.embed_dim, c.text.width, c.text.word_len], [[3, 4, 6, 3], 64, 1024, 512, 17]);
    assert.deepEqual([c.neck.fpn_in, c.neck.fpn_out, c.decoder.num_layers, c.decoder.num_heads, c.decoder.dim_ffn, c.threshold], [[512, 1024, 1024], [256, 512, 1024], 3, 8, 2048, 0.35]);
  });
});

describe('CRIS-R50 at full size with random weights', () => {
  it('maps a 416x416 image and a 17-token prompt to finite 104x104 logits', () => {
    torch.manualSeed(0);
    const model = new CRIS(crisR50()).eval();
    assert.equal(model.numParameters() > 100e6, true); // RN50 CLIP ≈ 102M parameters, plus the CRIS head
    torch.inferenceMode(() => torch.scope(() => {
      const pixels = torch.randn([1, 3, 416, 416]);
      const ids = torch.zeros([1, 17], { dtype: 'int64' });
      const tokens = torch.tensor(new BigInt64Array([49406n, 1929n, 530n, 49407n]), { shape: [1, 4] });
      const inputIds = torch.cat([tokens, ids.slice(1, 0, 13)], 1); // [1, 17], zero-padded
      const out = model.intermediates(pixels, inputIds);
      assert.deepEqual(out.visual.map((v) => v.shape), [[1, 512, 52, 52], [1, 1024, 26, 26], [1, 1024, 13, 13]]);
      assert.deepEqual([out.text.word.shape, out.text.state.shape], [[1, 17, 512], [1, 1024]]);
      assert.deepEqual([out.fq.shape, out.decoded.shape, out.logits.shape], [[1, 512, 26, 26], [1, 512, 26, 26], [1, 1, 104, 104]]);
      assert.equal(out.logits.isfinite().all().item(), true);
    }));
    model.dispose();
  });
});

describe('CRIS-R101 with random weights', () => {
  it('has the RN101 layout (23 blocks in layer3, 512-wide embedding) and runs a 64x64 image', () => {
    torch.manualSeed(0);
    const model = new CRIS(crisR101()).eval();
    const keys = [...model.stateDict().keys()];
    assert.equal(keys.includes('backbone.visual.layer3.22.conv3.weight'), true);
    assert.equal(keys.includes('backbone.visual.layer3.23.conv3.weight'), false);
    assert.deepEqual(model.stateDict().get('backbone.text_projection')!.shape, [512, 512]);
    assert.deepEqual(model.stateDict().get('backbone.visual.attnpool.positional_embedding')!.shape, [50, 2048]);
    torch.inferenceMode(() => torch.scope(() => {
      const inputIds = torch.tensor(new BigInt64Array([49406n, 1929n, 49407n, 0n, 0n]), { shape: [1, 5] });
      const logits = model.forward(torch.randn([1, 3, 64, 64]), inputIds);
      assert.deepEqual(logits.shape, [1, 1, 16, 16]);
      assert.equal(logits.isfinite().all().item(), true);
    }));
    model.dispose();
  });
});
