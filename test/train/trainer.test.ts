// The trainer: cached and uncached paths agree, a killed run resumes exactly, checkpoints are
// complete or absent, and bad checkpoints say what is wrong.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { resolveRecipe } from '../../src/train/recipes.js';
import { finetune, type FinetuneOptions } from '../../src/train/trainer.js';
import { samples, tinyClipseg } from './fixtures.js';

const quiet = (): void => {};

async function run(o: Partial<FinetuneOptions> & { outDir: string; recipe: FinetuneOptions['recipe'] }, seed = 0) {
  const model = o.model ?? tinyClipseg(seed);
  const result = await finetune({
    model,
    trainSamples: (epoch) => samples('train', 'p6', epoch),
    valSamples: await samples('val'),
    config: { test: true },
    log: quiet,
    ...o,
  });
  return { model, result };
}

const decoderWeights = (m: { module: torch.nn.Module }): Map<string, number[]> =>
  new Map(m.module.namedParameters().filter(([n]) => n.startsWith('decoder.')).map(([n, p]) => [n, Array.from(p.data() as Float32Array)]));

const stepLosses = (dir: string): number[] =>
  readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss?: number }).filter((e) => e.loss !== undefined).map((e) => e.loss!);

describe('finetune', () => {
  const recipe = resolveRecipe('clipseg', 'published', { batch_size: 4, max_epochs: 2, min_epochs: 0, lr: 3e-3, seed: 3 });

  it('gives the same losses and weights with and without the frozen-feature cache', async () => {
    const cachedDir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    const plainDir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    const cached = await run({ outDir: cachedDir, recipe });
    const plain = await run({ outDir: plainDir, recipe, cache: false });
    assert.ok(cached.result.cacheStats!.hits > 0, 'the cache was used');
    assert.equal(plain.result.cacheStats, undefined);
    const [a, b] = [stepLosses(cachedDir), stepLosses(plainDir)];
    assert.equal(a.length, b.length);
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-5, `step ${i}: ${x} vs ${b[i]}`));
    const [wa, wb] = [decoderWeights(cached.model), decoderWeights(plain.model)];
    for (const [name, values] of wa) values.forEach((v, i) => assert.ok(Math.abs(v - wb.get(name)![i]!) < 1e-5, `${name}[${i}]`));
  });

  it('resumes a run killed mid-epoch to the same weights as an uninterrupted run', async () => {
    const full = await run({ outDir: mkdtempSync(join(tmpdir(), 'vlsm-run-')), recipe: { ...recipe, frozen: [] }, cache: false });
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    const first = await run({ outDir: dir, recipe: { ...recipe, frozen: [] }, cache: false, stopAfterSteps: 3 });
    assert.equal(first.result.status, 'interrupted');
    assert.equal(first.result.state.nextBatch, 3);
    first.model.dispose();
    // A new process: the model is rebuilt from the same seed, then the checkpoint restores it.
    const resumed = await run({ outDir: dir, recipe: { ...recipe, frozen: [] }, cache: false, resume: true });
    assert.equal(resumed.result.status, 'finished');
    assert.equal(resumed.result.state.globalStep, full.result.state.globalStep);
    const [wa, wb] = [decoderWeights(full.model), decoderWeights(resumed.model)];
    for (const [name, values] of wa) assert.deepEqual(values, wb.get(name), name);
    const clipA = full.model.module.getSubmodule('clip').parameters().map((p) => Array.from(p.data() as Float32Array));
    const clipB = resumed.model.module.getSubmodule('clip').parameters().map((p) => Array.from(p.data() as Float32Array));
    assert.deepEqual(clipA, clipB);
  });

  it('trains only the decoder when the recipe freezes CLIP', async () => {
    const model = tinyClipseg();
    const before = model.module.getSubmodule('clip').parameters().map((p) => Array.from(p.data() as Float32Array));
    await run({ model, outDir: mkdtempSync(join(tmpdir(), 'vlsm-run-')), recipe: { ...recipe, max_epochs: 1 } });
    assert.deepEqual(model.module.getSubmodule('clip').parameters().map((p) => Array.from(p.data() as Float32Array)), before);
  });

  it('says which file is missing or corrupt when a checkpoint is damaged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    await run({ outDir: dir, recipe: { ...recipe, max_epochs: 1 } });
    const checkpoints = join(dir, 'checkpoints');
    const pointer = JSON.parse(readFileSync(join(checkpoints, 'last.json'), 'utf8')) as { folder: string };
    rmSync(join(checkpoints, pointer.folder, 'optimizer.safetensors'));
    assert.throws(() => loadCheckpoint(checkpoints, 'last'), /checkpoint is missing optimizer\.safetensors/);
    writeFileSync(join(checkpoints, 'last.json'), '{"folder": ');
    assert.throws(() => loadCheckpoint(checkpoints, 'last'), /last\.json: corrupt checkpoint pointer/);
    assert.throws(() => loadCheckpoint(checkpoints, 'nope'), /nope\.json: no such checkpoint; the run has not saved 'nope' yet/);
  });

  it('writes a best checkpoint that loads back into the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    const { model, result } = await run({ outDir: dir, recipe: { ...recipe, max_epochs: 2 } });
    const best = loadCheckpoint(join(dir, 'checkpoints'), 'best');
    assert.equal(best.trainer.bestEpoch, result.state.bestEpoch);
    model.module.loadStateDict(best.weights, { strict: false });
    assert.ok([...best.weights.keys()].every((k) => k.startsWith('decoder.')), 'only trained weights are stored when CLIP is frozen');
  });
});

describe('finetune memory', () => {
  it('leaves no tensor behind per epoch (checkpoints, validation and the cache included)', async () => {
    const recipe = resolveRecipe('clipseg', 'published', { batch_size: 8, max_epochs: 1, min_epochs: 0, seed: 1 });
    const model = tinyClipseg();
    const train = await samples('train');
    const val = await samples('val');
    const run = (dir: string, epochs: number) => finetune({ model, recipe: { ...recipe, max_epochs: epochs }, trainSamples: () => train, valSamples: val, outDir: dir, config: {}, log: quiet });
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    await run(dir, 1);
    const after1 = torch.memory().numTensors;
    await run(dir, 3);
    // Two more epochs ran in a fresh trainer (new optimizer state); nothing accumulates per epoch.
    assert.ok(torch.memory().numTensors - after1 <= 0, `${torch.memory().numTensors - after1} more live tensors`);
  });
});
