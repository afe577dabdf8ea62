// `vlsm serve` from the command line: two models and a dataset behind one page, the refusals of
// its new options, and a clean stop on SIGINT.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixturePath, repoRoot } from '../helpers.js';
import { busiReferenceLayout } from '../web/page-fixture.js';

const scratch = mkdtempSync(join(tmpdir(), 'vlsm-serve-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const bin = join(repoRoot, 'bin', 'vlsm.js');

function clipsegFolder(name: string, size: number): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(fixturePath('clipseg-tiny', file), join(dir, file));
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ size: { height: size, width: size } }));
  return dir;
}

describe('vlsm serve', () => {
  it('serves two models and a dataset, then stops on SIGINT', async () => {
    const a = clipsegFolder('a', 64);
    const b = clipsegFolder('b', 96);
    const data = join(scratch, 'busi');
    await busiReferenceLayout(data);
    const child = spawn(process.execPath, [bin, 'serve', '--model', a, '--model', b, '--data', data, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const found = /ready at (http:\/\/\S+?)\/ /.exec(out);
        if (found) resolve(found[1]!);
      });
      child.once('exit', (code) => reject(new Error(`vlsm serve exited ${code}: ${err}`)));
    });
    assert.match(out, /clipseg model and clipseg model and 12 dataset images ready at http:\/\/127\.0\.0\.1:\d+\//);
    const info = (await (await fetch(`${url}/api/info`)).json()) as { models: { name: string; inputSize: number[] }[]; promptFamily: string; dataset: { images: number; family: string } };
    assert.deepEqual(info.models.map((m) => [m.name, m.inputSize[0]]), [[a, 64], [b, 96]]);
    // The dataset folder is named 'busi', so the chips start with the BUSI templates.
    assert.deepEqual([info.promptFamily, info.dataset.images, info.dataset.family], ['busi', 12, 'busi']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(out, /stopping/);
  });

  it('refuses --db without --data, a third model and an unknown prompt family', () => {
    const run = (...args: string[]): { status: number | null; stderr: string } => spawnSync(process.execPath, [bin, 'serve', ...args], { encoding: 'utf8' });
    const model = join(scratch, 'a');
    let r = run('--model', model, '--db', join(scratch, 'x.sqlite'));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--db shows per-image scores in the dataset browser; give --data ROOT with it/);
    r = run('--model', model, '--model', model, '--model', model);
    assert.match(r.stderr, /--model is given 3 times; the page compares at most two models/);
    r = run('--model', model, '--prompt-family', 'kvasir');
    assert.match(r.stderr, /--prompt-family/);
  });
});
