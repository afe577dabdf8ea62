// --device and --precision on the commands that run a model, `device:`/`precision:` in run
// configs, and `vlsm info`'s device list: good values work end to end, bad ones are refused with
// the option's name before any model loads.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDemoCommand } from '../../../src/cli/commands/demo.js';
import { runEvaluate, runZeroshot } from '../../../src/cli/commands/evaluate.js';
import { runFinetuneCommand } from '../../../src/cli/commands/finetune.js';
import { runInfo } from '../../../src/cli/commands/info.js';
import { runSegment } from '../../../src/cli/commands/segment.js';
import { runServe } from '../../../src/cli/commands/serve.js';
import { parseRunConfig } from '../../../src/experiments/run-config.js';
import { torch } from '../../../src/index.js';
import { readGrayImage } from '../../../src/imaging/read-image.js';
import { resolveRecipe } from '../../../src/train/recipes.js';
import { fixturePath, repoRoot } from '../../helpers.js';

const busiImage = join(repoRoot, 'assets', 'busi-sample', 'images', '1_malignant.png');

function tinyModel(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vlsm-placement-model-'));
  copyFileSync(join(fixturePath('clipseg-tiny'), 'config.json'), join(dir, 'config.json'));
  copyFileSync(join(fixturePath('clipseg-tiny'), 'model.safetensors'), join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ size: { height: 64, width: 64 } }));
  return dir;
}

async function captured(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    return { code: await fn(), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

describe('--device and --precision', () => {
  it('segment in bf16 on the CPU writes a mask that agrees with fp32 on nearly every pixel', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vlsm-placement-out-'));
    const model = tinyModel();
    assert.equal(await runSegment(['--model', model, '--image', busiImage, '--prompt', 'a tumour', '--out', join(out, 'fp32.png')]), 0);
    assert.equal(await runSegment(['--model', model, '--image', busiImage, '--prompt', 'a tumour', '--out', join(out, 'bf16.png'), '--device', 'cpu', '--precision', 'bf16']), 0);
    const [a, b] = [await readGrayImage(join(out, 'fp32.png')), await readGrayImage(join(out, 'bf16.png'))];
    let same = 0;
    for (let i = 0; i < a.data.length; i++) if (a.data[i] === b.data[i]) same++;
    assert.ok(same / a.data.length > 0.98, `bf16 and fp32 masks agree on ${((100 * same) / a.data.length).toFixed(2)} % of pixels`);
  });

  it('every command refuses an unknown device, an unknown precision and fp16 on the CPU, naming the option', async () => {
    const model = tinyModel();
    const commands: [string, (argv: string[]) => Promise<number>, string[]][] = [
      ['segment', runSegment, ['--model', model, '--image', busiImage, '--prompt', 'x']],
      ['eval', runEvaluate, ['--model', model, '--data', '/nonexistent']],
      ['zeroshot', runZeroshot, ['--model', model, '--data', '/nonexistent']],
      ['serve', runServe, ['--model', model, '--port', '0']],
      ['demo', runDemoCommand, ['--out', '/nonexistent/demo']],
      ['finetune', runFinetuneCommand, ['--config', '/nonexistent.yaml']],
    ];
    for (const [name, run, argv] of commands) {
      await assert.rejects(run([...argv, '--device', 'gpu0']), /--device: unknown device "gpu0"; choose cpu, cuda, cuda:N or auto/, name);
      await assert.rejects(run([...argv, '--precision', 'fp8']), /--precision: unknown precision "fp8"; choose fp32, bf16, fp16/, name);
      if (name !== 'finetune') await assert.rejects(run([...argv, '--precision', 'fp16']), /--precision fp16 needs a CUDA device, but the device is cpu/, name);
      if (!torch.cuda.isAvailable()) await assert.rejects(run([...argv, '--device', 'cuda']), /--device cuda: CUDA is not available: .*vlsm info/, name);
    }
  });

  it('vlsm info lists the devices', async () => {
    const { code, out } = await captured(() => runInfo([]));
    assert.equal(code, 0);
    const devices = /^devices\s+(.+)$/m.exec(out)?.[1];
    assert.equal(devices, torch.cuda.isAvailable() ? ['cpu', ...Array.from({ length: torch.cuda.deviceCount() }, (_, i) => `cuda:${i}`)].join(', ') : 'cpu');
    const json = JSON.parse((await captured(() => runInfo(['--json']))).out) as { devices: string };
    assert.equal(json.devices, devices);
  });
});

describe('run configs and recipes', () => {
  const base = { model: { family: 'clipseg' }, data: [{ root: 'x' }] };

  it('default to the CPU and the recipe\'s precision, and validate device, precision and the cache dtype', () => {
    const config = parseRunConfig(base, 'run.yaml');
    assert.equal(config.device, 'cpu');
    assert.equal(config.precision, undefined);
    assert.equal(config.cache.dtype, 'float32');
    const chosen = parseRunConfig({ ...base, device: 'cuda:1', precision: 'bf16', cache: { dtype: 'bfloat16' } }, 'run.yaml');
    assert.deepEqual([chosen.device, chosen.precision, chosen.cache.dtype], ['cuda:1', 'bf16', 'bfloat16']);
    assert.throws(() => parseRunConfig({ ...base, device: 'tpu' }, 'run.yaml'), /run\.yaml: field 'device': cpu, cuda, cuda:N or auto/);
    assert.throws(() => parseRunConfig({ ...base, precision: 'half' }, 'run.yaml'), /run\.yaml: field 'precision'/);
    assert.throws(() => parseRunConfig({ ...base, cache: { dtype: 'float16' } }, 'run.yaml'), /run\.yaml: field 'cache\.dtype'/);
  });

  it('recipes say the precision the reference trained in: fp16 where it used CUDA mixed precision', () => {
    assert.equal(resolveRecipe('cris', 'published').precision, 'fp16', 'the CRIS fork: autocast + GradScaler');
    assert.equal(resolveRecipe('cris', 'released').precision, 'fp16', 'HEAD: 16-mixed');
    assert.equal(resolveRecipe('clipseg', 'published').precision, 'fp16');
    assert.equal(resolveRecipe('clipseg', 'paper').precision, 'fp32', 'the paper states none');
    assert.equal(resolveRecipe('unet', 'paper').precision, 'fp32');
    assert.equal(resolveRecipe('clipseg', 'published', { precision: 'bf16' }).precision, 'bf16');
    assert.throws(() => resolveRecipe('clipseg', 'published', { precision: 'fp64' }), /recipe field 'precision'/);
  });
});
