// `vlsm suite run SUITE --queue URL` with two `vlsm worker` processes on a real redis-server: a
// suite of two small fine-tunes; one worker is killed with SIGKILL in the middle of a fine-tune,
// the other resumes it from its checkpoint in the shared artifacts folder; every run is stored
// once, and running the suite again does nothing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { runSuiteCommand } from '../../../src/cli/commands/suite.js';
import { openResults } from '../../../src/experiments/results/index.js';
import { planSuite } from '../../../src/experiments/suites/expand.js';
import { readSuiteFile } from '../../../src/experiments/suites/suite-file.js';
import { repoRoot } from '../../helpers.js';
import { startRedis, type TestRedis } from '../../redis-server.js';

const SUITE = `name: tiny-queue
kind: finetune
checkpoint_every: 1
models:
  unet:
    family: unet
    input_size: [32, 32]
    scratch: { encoder_name: resnet18, encoder_params: { block: basic, layers: [1, 1, 1, 1], width: 8 }, encoder_weights: null, decoder_channels: [32, 16, 8, 8, 8] }
datasets:
  synthetic:
    family: endoscopy
    make: { synthetic: { images: 40, seed: 3, size: 48 } }
grid:
  models: [unet]
  datasets: [synthetic]
  prompts: [p3]
  seeds: [0, 1]
  train: { batch_size: 4, lr: 2.0e-3, loss: { dice: 1, bce: 1 }, max_epochs: 3, min_epochs: 3 }
`;

const dir = mkdtempSync(join(tmpdir(), 'vlsm-suite-queue-'));
const suiteFile = join(dir, 'tiny-queue.yaml');
const dataRoot = join(dir, 'data');
const artifacts = join(dir, 'artifacts');
const db = join(dir, 'results.sqlite');
let redis: TestRedis;
before(async () => {
  writeFileSync(suiteFile, SUITE);
  redis = await startRedis();
});
// Killed here too: a test that times out never reaches its own `finally`.
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function worker(): { child: ChildProcess; lines: string[]; waitFor: (re: RegExp) => Promise<string> } {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'vlsm.js'), 'worker', '--queue', redis.url, '--artifacts', artifacts, '--data-root', dataRoot, '--lock-seconds', '3'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: dir } });
  children.push(child);
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.filter((x) => x.re.test(line))) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
    }
  });
  const waitFor = (re: RegExp): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ re, resolve }));
  };
  return { child, lines, waitFor };
}

/** `vlsm suite ARGS` in this process; its exit code and what it printed. */
async function suite(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = mock.method(console, 'log', (...a: unknown[]) => void out.push(a.join(' ')));
  try {
    return { code: await runSuiteCommand(args), out: out.join('\n') };
  } finally {
    log.mock.restore();
  }
}

describe('vlsm suite run --queue with vlsm worker processes', () => {
  it('runs a suite on two workers; one killed mid fine-tune is resumed by the other; every run stored once; again does nothing', { timeout: 300_000 }, async () => {
    const a = worker();
    const b = worker();
    try {
      await Promise.all([a.waitFor(/^worker .* on redis:/), b.waitFor(/^worker .* on redis:/)]);
      // SIGKILL worker A once its fine-tune has finished an epoch (and written its checkpoint).
      void a.waitFor(/^epoch \d+:/).then(() => a.child.kill('SIGKILL'));
      const args = ['run', suiteFile, '--queue', redis.url, '--data-root', dataRoot, '--artifacts', artifacts, '--results', db, '--retry-delay', '1'];
      const first = await suite(args);
      const story = `${first.out}\nworker A:\n${a.lines.join('\n')}\nworker B:\n${b.lines.join('\n')}`;
      assert.equal(a.child.signalCode, 'SIGKILL', `worker A was killed mid-run\n${story}`);
      assert.equal(first.code, 0, story);
      const plan = await planSuite(readSuiteFile(suiteFile), { dataRoot });
      assert.equal(plan.runs.length, 2);
      const store = openResults(db);
      const runs = store.listRuns({ suite: 'tiny-queue' });
      store.close();
      assert.deepEqual(runs.map((r) => [r.runHash, r.status]).sort(), plan.runs.map((r) => [r.hash, 'done']).sort(), story);
      const killedHash = /^run (\w+) started/.exec(a.lines.find((l) => l.startsWith('run '))!)![1]!;
      assert.ok(b.lines.some((l) => l.startsWith(`resumed from ${join(artifacts, killedHash, 'checkpoints', 'last.json')}`)), story);

      const again = await suite(args);
      assert.equal(again.code, 0);
      assert.match(again.out, /suite tiny-queue: all 2 run\(s\) done/);
      const status = await suite(['status', suiteFile, '--queue', redis.url, '--data-root', dataRoot, '--results', db]);
      assert.match(status.out, new RegExp(`suite tiny-queue on ${redis.url.replace(/\./g, '\\.')}: 2/2 done, 0 running, 0 queued, 0 failed`));
      const after = openResults(db);
      assert.equal(after.listRuns({ suite: 'tiny-queue' }).length, 2, 'nothing run or written twice');
      after.close();
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
    }
  });
});
