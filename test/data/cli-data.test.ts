import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runData } from '../../src/cli/commands/data.js';
import { runPrompts } from '../../src/cli/commands/prompts.js';
import { readAnnotationFile } from '../../src/data/annotation-file.js';
import { grayWith, writeGray, writePicture, writeText } from './fixtures.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'vlsm-cli-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** Runs a command, capturing what it prints. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  try {
    return { code: await fn(), out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('vlsm data and vlsm prompts commands', () => {
  it('prints usage and exits 2 without a subcommand', async () => {
    const r = await capture(() => runData([]));
    assert.equal(r.code, 2);
    assert.match(r.err, /^usage:\n  vlsm data import FORMAT SRC DST/);
  });

  it('names the unknown subcommand', async () => {
    const r = await capture(() => runData(['frobnicate']));
    assert.equal(r.code, 2);
    assert.match(r.err, /^vlsm data: unknown subcommand 'frobnicate'; expected import, check, synth or pools/);
  });

  it('lists the supported formats when the format is unknown', async () => {
    await assert.rejects(runData(['import', 'nope', dir, join(dir, 'x')]), { name: 'ConfigError', message: /^unknown dataset format "nope"; supported formats: kvasir-seg, cvc-clinicdb, bkai-igh,/ });
  });

  it('imports, checks, generates and perturbs end to end', async () => {
    const src = join(dir, 'src');
    for (let i = 0; i < 10; i++) {
      await writePicture(join(src, 'images', `c${i}.jpg`), 30, 24, i);
      await writeGray(join(src, 'masks', `c${i}.png`), grayWith(30, 24, [[2, 2, 12, 10], [20, 14, 28, 22]]));
    }
    const dst = join(dir, 'kvasir');
    const imported = await capture(() => runData(['import', 'kvasir-seg', src, dst, '--seed', '1']));
    assert.equal(imported.code, 0);
    assert.equal(imported.out, `kvasir-seg: ${dst}: train 8, val 1, test 1`);
    const checked = await capture(() => runData(['check', dst]));
    assert.equal(checked.code, 0);
    assert.equal(checked.out, `${dst}: 10 entries checked, 0 error(s), 0 warning(s)`);
    const out = join(dir, 'prompts');
    const generated = await capture(() => runPrompts(['generate', dst, '--family', 'endoscopy', '--out', out]));
    assert.equal(generated.code, 0);
    assert.deepEqual(generated.out.split('\n'), ['train', 'val', 'test'].map((s) => join(out, `${s}.json`)));
    const [entry] = await readAnnotationFile(join(out, 'test.json'));
    assert.match(entry!.prompts!['p6'] as string, /^two medium \w+ \w+ polyp, located in top left, bottom right of the image$/);
    const perturbed = await capture(() => runPrompts(['perturb', join(out, 'test.json'), '--attribute', 'location', '--prompt', 'p6', '--out', join(dir, 'p.json')]));
    assert.equal(perturbed.code, 0);
    const [changed] = await readAnnotationFile(join(dir, 'p.json'));
    assert.match(changed!.prompts!['p6'] as string, /located in bottom right, top left of the image$/);
    assert.deepEqual(changed!['perturbation'], { attribute: 'location', mode: 'opposite', prompt: 'p6', from: 'top left, bottom right', to: ['bottom right, top left'] });
  });

  it('exits 1 when the check finds errors', async () => {
    const root = join(dir, 'broken');
    await writeText(join(root, 'anns', 'train.json'), JSON.stringify([{ img_name: 'a.png', mask_name: 'a.png' }]));
    const r = await capture(() => runData(['check', root]));
    assert.equal(r.code, 1);
    assert.match(r.out, /^error   missing-file/);
  });

  it('rejects an unknown family with the list of families', async () => {
    await assert.rejects(runPrompts(['generate', dir, '--family', 'xray', '--out', join(dir, 'o')]), { message: '--family: unknown family "xray"; supported families: endoscopy, isic, dfu, busi, camus, chexlocalize' });
  });

  it('regenerates the BUSI sample\'s published prompts whole with --answers', async () => {
    const sample = join(process.cwd(), 'assets', 'busi-sample');
    const out = join(dir, 'busi-prompts');
    const r = await capture(() => runPrompts(['generate', sample, '--family', 'busi', '--answers', join(sample, 'anns.json'), '--out', out]));
    assert.equal(r.code, 0);
    const reference = await readAnnotationFile(join(sample, 'anns.json'));
    const generated = await readAnnotationFile(join(out, 'all.json'));
    for (const entry of generated) assert.deepEqual(entry.prompts, reference.find((e) => e.img_name === entry.img_name)!.prompts);
  });

  it('generates the same prompt files on every run, and refuses --seed (generation draws nothing at random)', async () => {
    const sample = join(process.cwd(), 'assets', 'busi-sample');
    const first = await capture(() => runPrompts(['generate', sample, '--family', 'busi', '--out', join(dir, 'gen-1')]));
    const second = await capture(() => runPrompts(['generate', sample, '--family', 'busi', '--compat', 'medvlsm', '--out', join(dir, 'gen-2')]));
    assert.deepEqual([first.code, second.code], [0, 0]);
    assert.equal(await readFile(join(dir, 'gen-2', 'all.json'), 'utf8'), await readFile(join(dir, 'gen-1', 'all.json'), 'utf8'));
    const seeded = await capture(() => runPrompts(['generate', sample, '--family', 'busi', '--seed', '3', '--out', join(dir, 'gen-3')]));
    assert.equal(seeded.code, 2);
    assert.match(seeded.err, /^vlsm prompts generate: Unknown option '--seed'/);
  });

  it('perturbs by seed: the same seed gives the same words, another seed other words', async () => {
    const sample = join(process.cwd(), 'assets', 'busi-sample');
    await capture(() => runPrompts(['generate', sample, '--family', 'busi', '--out', join(dir, 'gen-p')]));
    const perturb = async (seed: string, out: string): Promise<string[]> => {
      const r = await capture(() => runPrompts(['perturb', join(dir, 'gen-p', 'all.json'), '--attribute', 'size', '--prompt', 'p4', '--mode', 'random-word', '--seed', seed, '--out', join(dir, out)]));
      assert.equal(r.code, 0, r.err);
      return (await readAnnotationFile(join(dir, out))).map((e) => JSON.stringify((e['perturbation'] as { to: string[] }).to));
    };
    const a = await perturb('1', 'seed-1a.json');
    assert.deepEqual(await perturb('1', 'seed-1b.json'), a);
    const b = await perturb('2', 'seed-2.json');
    assert.equal(b.length, a.length);
    assert.ok(b.some((words, i) => words !== a[i]), `seeds 1 and 2 drew the same words: ${a.join(' ')}`);
  });

  it('draws the synthetic dataset from the command line', async () => {
    const r = await capture(() => runData(['synth', '--out', join(dir, 'synth'), '--n', '5', '--seed', '2', '--size', '64']));
    assert.equal(r.code, 0);
    assert.equal(r.out, `synthetic referring dataset: ${join(dir, 'synth')}: train 3, val 1, test 1`);
  });
});
