// `evaluate`, the one scoring path of `vlsm eval`, `zeroshot` and `finetune`: a model whose
// logits are a known constant, on images smaller than its input, so that every score is known.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeSyntheticDataset } from '../../src/prompts/synthetic-referring.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { dice } from '../../src/eval/metrics.js';
import { readGrayImage } from '../../src/imaging/read-image.js';
import { torch } from '../../src/index.js';
import { readPromptedSplit } from '../../src/prompts/prompted-samples.js';
import { tinyClipseg } from '../train/fixtures.js';

/** A tiny CLIPSeg whose logits are `value` everywhere: its last layer keeps only its bias. */
function constantModel(value: number): ReturnType<typeof tinyClipseg> {
  const model = tinyClipseg();
  const last = model.module.namedParameters().filter(([name]) => name.startsWith('decoder.transposed_convolution.')).slice(-2);
  assert.deepEqual(last.map(([name]) => name.replace(/.*\./, '')), ['weight', 'bias']);
  torch.noGrad(() => {
    last[0]![1].zero_();
    last[1]![1].fill_(value);
  });
  return model;
}

async function smallImages(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'vlsm-eval-'));
  // 48² images for a 64² model: the prediction must come back to 48².
  await writeSyntheticDataset(root, { n: 30, seed: 3, size: 48 });
  return root;
}

describe('evaluate', () => {
  it('scores an all-foreground prediction as the all-ones Dice, at the original size, and writes its masks there', async () => {
    const root = await smallImages();
    const samples = await readPromptedSplit(root, 'test', { promptType: 'p3', seed: 0, epoch: 0 });
    assert.ok(samples.length > 0);
    const masksDir = mkdtempSync(join(tmpdir(), 'vlsm-eval-masks-'));
    const model = constantModel(10);
    const items = await evaluate(model, samples, { batchSize: 2, masksDir });
    assert.equal(items.length, samples.length);
    for (const item of items) {
      assert.equal(item.pixels, 48 * 48, item.id);
      assert.equal(item.pred, 48 * 48, item.id);
      assert.equal(item.intersection, item.gt, item.id);
      assert.equal(item.onesDiceDiff, 0, item.id);
      assert.equal(item.dice, (2 * item.gt) / (48 * 48 + item.gt), item.id);
      assert.ok(item.diceModelRes > 0 && item.diceModelRes < 1, item.id);
      const written = await readGrayImage(join(masksDir, item.id));
      assert.deepEqual([written.width, written.height], [48, 48]);
      const gt = await readGrayImage(join(root, 'masks', item.id));
      assert.equal(dice(written.data, gt.data), item.dice, item.id);
    }
    assert.equal(readdirSync(masksDir).length, items.length);
    model.dispose();
  });

  it('scores an empty prediction 0, or 1 on an empty ground truth (and 0 or NaN when asked)', async () => {
    const root = await smallImages();
    const samples = await readPromptedSplit(root, 'test', { promptType: 'p0', seed: 0, epoch: 0 });
    const model = constantModel(-10);
    const items = await evaluate(model, samples, { batchSize: 4 });
    for (const item of items) {
      assert.equal(item.pred, 0, item.id);
      assert.equal(item.dice, item.gt === 0 ? 1 : 0, item.id);
      assert.equal(item.zerosDiceDiff, 0, item.id);
    }
    const zero = await evaluate(model, samples.slice(0, 1), { emptyEmpty: 'zero' });
    assert.equal(zero[0]!.dice, 0);
    model.dispose();
  });
});
