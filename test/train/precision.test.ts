// Training in bf16 autocast: the decoder-only step of a small CLIPSeg-architecture model follows
// float32's loss curve (within 1 % after 50 steps); the frozen-feature cache can hold bfloat16
// features (half the bytes) that train to the same losses; fp16 is refused on the CPU.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { parseSavedState } from '../../src/train/checkpoint-state.js';
import { FeatureCache } from '../../src/train/feature-cache.js';
import { resolveRecipe } from '../../src/train/recipes.js';
import { finetune, type FinetuneOptions } from '../../src/train/trainer.js';
import { samples, tinyClipseg } from './fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'vlsm-precision-train-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let runs = 0;

// Decoder-only (the CLIPSeg towers frozen, as every CLIPSeg-family recipe trains), Adam at a
// constant rate, Dice + BCE, batches of 2: 50 steps are about 6 epochs of the 16 training images.
const recipe = resolveRecipe('clipseg', 'paper', { batch_size: 2, max_epochs: 100, min_epochs: 0, lr: 2e-3, seed: 3, early_stopping: null });

async function train(o: Partial<FinetuneOptions>): Promise<number[]> {
  const outDir = join(scratch, `run${runs++}`);
  const model = tinyClipseg(7);
  try {
    await finetune({ model, recipe, trainSamples: (epoch) => samples('train', 'p6', epoch), valSamples: await samples('val'), outDir, config: { test: true }, log: () => {}, stopAfterSteps: 50, ...o });
  } finally {
    model.dispose();
  }
  return readFileSync(join(outDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss?: number }).filter((e) => e.loss !== undefined).map((e) => e.loss!);
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('training in bf16 autocast', () => {
  it('keeps the decoder-only losses within 1 % of float32 after 50 steps', async () => {
    const fp32 = await train({ precision: 'fp32' });
    const bf16 = await train({ precision: 'bf16' });
    assert.equal(fp32.length, 50);
    assert.equal(bf16.length, 50);
    assert.notDeepEqual(bf16, fp32, 'bf16 autocast changed nothing; was it applied?');
    // The last ten steps' mean: one batch's loss depends on which images it holds.
    const [a, b] = [mean(fp32.slice(-10)), mean(bf16.slice(-10))];
    console.log(`decoder-only training, mean loss of steps 41-50: fp32 ${a.toFixed(5)}, bf16 ${b.toFixed(5)} (${((100 * (b - a)) / a).toFixed(3)} %); step 50: ${fp32[49]!.toFixed(5)} vs ${bf16[49]!.toFixed(5)}`);
    assert.ok(Math.abs(b - a) / a < 0.01, `mean loss of steps 41-50: fp32 ${a}, bf16 ${b}`);
    assert.ok(fp32[49]! < fp32[0]!, 'the float32 run learned');
  });

  it('refuses fp16 on the CPU before training', async () => {
    await assert.rejects(train({ precision: 'fp16' }), /precision fp16 needs a CUDA device, but the device is cpu/);
  });
});

describe('the frozen-feature cache in bfloat16', () => {
  it('stores features in half the bytes and hands them back as float32, close to what was stored', () => {
    const features = [torch.randn([1, 5, 8]), torch.randn([1, 16])];
    const wide = new FeatureCache('test', { memoryBudget: 1 << 20 });
    const narrow = new FeatureCache('test', { memoryBudget: 1 << 20, dtype: 'bfloat16' });
    try {
      torch.scope(() => {
        wide.set('a', features);
        narrow.set('a', features);
      });
      assert.equal(wide.stats.memoryBytes, (40 + 16) * 4);
      assert.equal(narrow.stats.memoryBytes, (40 + 16) * 2);
      const back = narrow.get('a')!;
      assert.deepEqual(back.map((t) => t.dtype), ['float32', 'float32']);
      for (const [i, t] of back.entries()) {
        const err = t.sub(features[i]!).abs().div(features[i]!.abs().add(1e-6)).max().item() as number;
        assert.ok(err <= 2 ** -8, `relative rounding ${err} beyond bfloat16's 2^-8`);
        assert.ok(err > 0, 'bfloat16 storage left the values exact; was it applied?');
      }
      narrow.releaseTransient();
    } finally {
      wide.dispose();
      narrow.dispose();
    }
  });

  it('trains decoder-only with bfloat16 cached features to float32-cached losses within 1 %', async () => {
    const wide = await train({ cache: { memoryBudget: 1 << 30 } });
    const narrow = await train({ cache: { memoryBudget: 1 << 30, dtype: 'bfloat16' } });
    const [a, b] = [mean(wide.slice(-10)), mean(narrow.slice(-10))];
    assert.notDeepEqual(narrow, wide);
    assert.ok(Math.abs(b - a) / a < 0.01, `mean loss of steps 41-50: float32 cache ${a}, bfloat16 cache ${b}`);
  });
});

describe('the gradient scaler in checkpoints', () => {
  const trainer = { epoch: 1, nextBatch: 0, globalStep: 8, bestMetric: 0.5, bestEpoch: 1, badEpochs: 0, stopped: false, history: [] };
  const state = (gradScaler?: unknown) => JSON.stringify({ trainer: { ...trainer, ...(gradScaler ? { gradScaler } : {}) }, optimizer: { state: {}, param_groups: [] }, scheduler: {}, config: {} });

  it('reads back a GradScaler state written into state.json, and a state without one', () => {
    const scaler = new torch.amp.GradScaler({ initScale: 1024, growthInterval: 7 });
    const saved = parseSavedState(state(scaler.stateDict()), 'state.json');
    assert.deepEqual(saved.trainer.gradScaler, { scale: 1024, growth_factor: 2, backoff_factor: 0.5, growth_interval: 7, _growth_tracker: 0 });
    const resumed = new torch.amp.GradScaler();
    resumed.loadStateDict(saved.trainer.gradScaler!);
    assert.equal(resumed.getScale(), 1024);
    assert.equal(parseSavedState(state(), 'state.json').trainer.gradScaler, undefined);
  });

  it('names the damaged field of a corrupt scaler state', () => {
    assert.throws(() => parseSavedState(state({ scale: -1, growth_factor: 2, backoff_factor: 0.5, growth_interval: 7, _growth_tracker: 0 }), 'state.json'), /state\.json: corrupt training state: field 'trainer\.gradScaler\.scale'/);
    assert.throws(() => parseSavedState(state({ scale: 8, growth_factor: 2, backoff_factor: 1.5, growth_interval: 7, _growth_tracker: 0 }), 'state.json'), /field 'trainer\.gradScaler\.backoff_factor'/);
  });
});
