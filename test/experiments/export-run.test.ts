// `vlsm export` of a finetune run: the model card's fields come from the results store the run
// wrote; the exported folder is a starting model for `vlsm finetune` and predicts as the run's
// best checkpoint does; bad inputs get errors naming the problem.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runExport } from '../../src/cli/commands/export.js';
import { exportFolder } from '../../src/experiments/export/index.js';
import { buildModel, loadRunModel, runFinetune } from '../../src/experiments/finetune-run.js';
import { openResults } from '../../src/experiments/results/index.js';
import { parseRunConfig, readRunConfig } from '../../src/experiments/run-config.js';
import type { RgbImage } from '../../src/imaging/image-types.js';
import type { SegmentationModel } from '../../src/models/types.js';
import * as torch from '../../src/torch/index.js';
import { syntheticRoot, TINY_CLIPSEG } from '../train/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-export-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const runDir = join(dir, 'run');
const store = join(dir, 'results.sqlite');
let dataRoot = '';

async function runYaml(out: string, model: string, epochs: number): Promise<string> {
  const path = join(dir, `${out}.yaml`);
  writeFileSync(path, [
    'name: tiny-clipseg-synthetic',
    `model: ${model}`,
    `train: { frozen: [], batch_size: 8, max_epochs: ${epochs}, min_epochs: 0, lr: 0.003 }`,
    `data: [{ root: ${dataRoot}, name: synthetic }]`,
    'prompt: p3',
    `out: ${join(dir, out)}`,
    `results: ${store}`,
  ].join('\n'));
  return path;
}

function image(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + (i >> 5)) % 251;
  return { width, height, data };
}

const logits = (model: SegmentationModel): Float32Array =>
  torch.inferenceMode(() => torch.scope(() => model.forward(model.preprocess([image(80, 64)], ['a round bright blob'])).data() as Float32Array));

describe('vlsm export of a finetune run', () => {
  before(async () => {
    dataRoot = await syntheticRoot();
    const scratchModel = `{ family: clipseg, input_size: [64, 64], scratch: ${JSON.stringify(TINY_CLIPSEG)} }`;
    const outcome = await runFinetune(readRunConfig(await runYaml('run', scratchModel, 2)), { log: () => {} });
    assert.equal(outcome.training.status, 'finished');
  });

  it('writes an HF folder with a model card whose fields come from the results store', async () => {
    const out = join(dir, 'export-hf');
    const result = await exportFolder(runDir, { to: out });
    assert.deepEqual(result.files, readdirSync(out).sort());
    assert.deepEqual(result.files, ['README.md', 'config.json', 'merges.txt', 'model.safetensors', 'preprocessor_config.json', 'special_tokens_map.json', 'tokenizer_config.json', 'vocab.json']);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    const db = openResults(store);
    let summary;
    try {
      const run = db.listRuns({ kind: 'finetune', status: 'done' })[0]!;
      summary = db.runSummary(run.id).find((r) => r.split === 'test' && r.resolution === 'original' && r.prompt === 'P3')!;
      assert.ok(card.includes(`(run ${run.id}, done)`), 'names the stored run');
    } finally {
      db.close();
    }
    const front = card.slice(0, card.indexOf('\n---\n', 4) + 5);
    assert.match(front, /^---\nlibrary_name: "transformers"\nlicense: "apache-2.0"\npipeline_tag: "image-segmentation"\ntags:\n- "vlsm"\n- "image-segmentation"\n- "medical-imaging"\n- "clipseg"\n/);
    assert.match(front, /\ndatasets:\n- "synthetic"\nmetrics:\n- "dice"\n- "iou"\nmodel-index:\n- name: "tiny-clipseg-synthetic"\n/);
    assert.ok(!front.includes('base_model'), 'a scratch model has no base model id');
    assert.ok(front.includes(`      value: ${Math.round(summary.dice.mean * 100) / 100}\n`), 'Dice from the store');
    assert.ok(front.includes(`      value: ${Math.round(summary.iou.mean * 100) / 100}\n`), 'IoU from the store');
    assert.ok(card.includes(`| synthetic | test | P3 | ${summary.dice.mean.toFixed(2)} ± ${summary.dice.std.toFixed(2)} | ${summary.iou.mean.toFixed(2)} ± ${summary.iou.std.toFixed(2)} | ${summary.dice.count} |`));
    assert.match(card, /fine-tuned from randomly initialised weights \(trained from scratch\)/);
    assert.match(card, /- Prompt type: P3\n- Recipe: published \(optimizer \w+, lr 0\.003, batch 8, epochs 0–2,/);
    assert.match(card, /- Checkpoint: 'best' \(epoch \d+\)/);
    assert.match(card, /- vlsm \d+\.\d+\.\d+[^,]*, commit /);
    assert.match(card, /CLIPSegForImageSegmentation\.from_pretrained\("\."\)/);
  });

  it('the export is a starting model for finetune and predicts as the run\'s best checkpoint', async () => {
    const out = join(dir, 'export-hf');
    const { model: fromRun } = await loadRunModel(runDir);
    const config = parseRunConfig({ model: { path: out }, data: [{ root: dataRoot }], out: join(dir, 'unused') }, 'test');
    const fromExport = await buildModel(config);
    try {
      assert.equal(fromExport.family, 'clipseg');
      const a = logits(fromRun);
      const b = logits(fromExport);
      assert.equal(a.length, b.length);
      assert.ok(a.every((v, i) => v === b[i]), 'bit-identical logits');
    } finally {
      fromRun.dispose();
      fromExport.dispose();
    }
    const outcome = await runFinetune(readRunConfig(await runYaml('run-from-export', `{ path: ${out} }`, 1)), { log: () => {}, results: false });
    assert.equal(outcome.training.status, 'finished');
    assert.equal(outcome.tests.length, 1);
  });

  it('exports the last checkpoint when asked, and the card says which', async () => {
    const out = join(dir, 'export-last');
    await exportFolder(runDir, { to: out, checkpoint: 'last', dtype: 'bf16' });
    assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /- Checkpoint: 'last'[^\n]*\n[\s\S]*Weights stored as bf16/);
    assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).torch_dtype, 'bfloat16');
  });

  it('refuses a run without a finished checkpoint, a non-empty folder unless --force, and a foreign format', async () => {
    const unfinished = join(dir, 'unfinished');
    mkdirSync(join(unfinished, 'checkpoints'), { recursive: true });
    writeFileSync(join(unfinished, 'config.json'), readFileSync(join(runDir, 'config.json')));
    await assert.rejects(exportFolder(unfinished, { to: join(dir, 'x1') }), /unfinished: no finished 'best' checkpoint \(.*best\.json is missing\); the run has not finished an epoch/);
    assert.ok(!existsSync(join(dir, 'x1')), 'no folder left behind');
    const neverSaved = join(dir, 'never-saved');
    mkdirSync(neverSaved);
    writeFileSync(join(neverSaved, 'config.json'), readFileSync(join(runDir, 'config.json')));
    await assert.rejects(exportFolder(neverSaved, { to: join(dir, 'x3'), checkpoint: 'last' }), /never-saved: no finished 'last' checkpoint .*; the run has not finished an epoch/);

    const busy = join(dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    await assert.rejects(exportFolder(runDir, { to: busy }), /busy: the folder is not empty \(1 entries: notes\.txt\); choose an empty folder or pass --force/);
    const forced = await exportFolder(runDir, { to: busy, force: true });
    assert.ok(forced.files.includes('model.safetensors'));
    assert.equal(readFileSync(join(busy, 'notes.txt'), 'utf8'), 'mine', 'other files are left alone');

    await assert.rejects(exportFolder(runDir, { to: join(dir, 'x2'), format: 'smp' }), /model family 'clipseg' has no 'smp' format; its home format is 'hf'/);
    assert.ok(!existsSync(join(dir, 'x2')));
    await assert.rejects(exportFolder(runDir, { to: runDir, force: true }), /the export folder is the folder being exported/);
  });

  it('the CLI checks its options and reports what it wrote', async () => {
    const errors: string[] = [];
    const logs: string[] = [];
    const [error, log] = [console.error, console.log];
    console.error = (m: string) => errors.push(String(m));
    console.log = (m: string) => logs.push(String(m));
    try {
      assert.equal(await runExport([runDir]), 2);
      assert.match(errors.pop()!, /--to DIR is required/);
      assert.equal(await runExport([runDir, '--to', join(dir, 'c'), '--dtype', 'int8']), 2);
      assert.match(errors.pop()!, /--dtype must be one of fp32, bf16, fp16, got 'int8'/);
      assert.equal(await runExport([runDir, '--to', join(dir, 'c'), '--format', 'onnx']), 2);
      assert.match(errors.pop()!, /--format must be auto or one of hf, open_clip, cris, smp/);
      assert.equal(await runExport([runDir, '--to', join(dir, 'c'), '--json']), 0);
      const printed = JSON.parse(logs.join('\n')) as { family: string; format: string; scores: number };
      assert.deepEqual([printed.family, printed.format, printed.scores], ['clipseg', 'hf', 1]);
    } finally {
      console.error = error;
      console.log = log;
    }
  });
});
