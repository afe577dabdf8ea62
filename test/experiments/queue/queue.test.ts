// The run queue on a real redis-server: two worker processes share a plan, one is killed with
// SIGKILL in the middle of a run, and every run lands in the results store exactly once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../../src/errors.js';
import { coordinate, openRunQueue, queueStatus, redisOptions, startRunWorker, QueueError } from '../../../src/experiments/queue/index.js';
import { openResults } from '../../../src/experiments/results/index.js';
import { writeSyntheticDataset } from '../../../src/prompts/synthetic-referring.js';
import { fixturePath } from '../../helpers.js';
import { freePort, startRedis, type TestRedis } from '../../redis-server.js';
import { TINY_EXECUTOR, type TinyRun } from './tiny-zeroshot.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-queue-'));
const dataRoot = join(dir, 'data');
const modelDir = join(dir, 'model');
const artifacts = join(dir, 'artifacts');
const quiet = { write: () => true };
let redis: TestRedis;

const hashOf = (title: string): string => createHash('sha256').update(title).digest('hex').slice(0, 16);
const tinyRun = (dataset: string, prompts: string[]): TinyRun => {
  const title = `zeroshot tiny ${dataset} ${prompts.join('+')}`;
  return { hash: hashOf(title), title, model: modelDir, dataset, prompts };
};

before(async () => {
  redis = await startRedis();
  mkdirSync(modelDir, { recursive: true });
  copyFileSync(fixturePath('clipseg-tiny', 'config.json'), join(modelDir, 'config.json'));
  copyFileSync(fixturePath('clipseg-tiny', 'model.safetensors'), join(modelDir, 'model.safetensors'));
  writeFileSync(join(modelDir, 'preprocessor_config.json'), JSON.stringify({ size: { height: 64, width: 64 } }));
  await writeSyntheticDataset(join(dataRoot, 'synth'), { n: 40, seed: 3, size: 64 });
});
// Killed here too: a test that times out never reaches its own `finally`.
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A worker process; `lines` collects what it prints, `waitFor` resolves on a matching line. */
function spawnWorker(lockSeconds: number): { child: ChildProcess; lines: string[]; timeline: () => string; waitFor: (re: RegExp) => Promise<string> } {
  const t0 = Date.now();
  const stamped: string[] = [];
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'worker-child.js');
  const child = spawn(process.execPath, [script, redis.url, artifacts, dataRoot, String(lockSeconds)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: dir } });
  children.push(child);
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      stamped.push(`${((Date.now() - t0) / 1000).toFixed(1)} s ${line}`);
      for (const w of waiters.filter((w) => w.re.test(line))) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
    }
  });
  const waitFor = (re: RegExp): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ re, resolve }));
  };
  return { child, lines, waitFor, timeline: () => stamped.join('\n') };
}

const exited = (child: ChildProcess): Promise<number | null> => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code))));

describe('the run queue on redis-server', () => {
  it('spreads a plan over two worker processes; a worker killed mid-run loses nothing and nothing runs twice', { timeout: 240_000 }, async () => {
    const plan = [tinyRun('synth', ['p1', 'p2']), tinyRun('synth', ['p4', 'p5']), tinyRun('synth', ['p0', 'p7'])];
    const db = join(dir, 'two-workers.sqlite');
    const a = spawnWorker(2);
    const b = spawnWorker(2);
    try {
      await Promise.all([a.waitFor(/^ready$/), b.waitFor(/^ready$/)]);
      // SIGKILL worker A after its first checkpoint: in the middle of a run.
      const killed = a.waitFor(/^run \w+ checkpoint/).then((line) => {
        a.child.kill('SIGKILL');
        return line.split(' ')[1]!;
      });
      const store = openResults(db);
      const log: string[] = [];
      const outcome = await coordinate({ url: redis.url, runs: plan, store, suite: 'queue-test', pollMs: 200, backoffSeconds: 1, progress: quiet, log: (l) => log.push(l) });
      const killedHash = await killed;
      const story = (): string => `coordinator:\n${log.join('\n')}\nworker A:\n${a.timeline()}\nworker B:\n${b.timeline()}`;
      assert.deepEqual({ ...outcome, failed: outcome.failed.length }, { total: 3, done: 3, imported: 3, enqueued: 3, failed: 0, pending: 0 }, story());
      assert.equal(await exited(a.child), null, 'worker A died by the signal');

      const runs = store.listRuns({ suite: 'queue-test' });
      assert.deepEqual(runs.map((r) => r.runHash).sort(), plan.map((r) => r.hash).sort(), 'each run once');
      assert.ok(runs.every((r) => r.status === 'done' && r.kind === 'zeroshot'));
      // 2 prompt types × 4 test images × 2 resolutions each.
      for (const r of runs) assert.equal(r.items, 16, `items of ${r.runHash}`);
      assert.ok(log.some((l) => l.startsWith(`done `) && l.includes(`(${killedHash}) by ${hostname()}:${b.child.pid}`)), `the killed run was finished by worker B\n${story()}`);
      assert.ok(b.lines.some((l) => l.startsWith(`run ${killedHash} started`) && l.includes('taken over')), story());
      assert.ok(b.lines.some((l) => new RegExp(`^run ${killedHash} resumed p\\d from its checkpoint$`).test(l)), story());
      if (process.env.VLSM_QUEUE_TEST_STORY) console.log(story());
      assert.ok(!a.lines.some((l) => l.startsWith(`run ${killedHash} finished`)));

      // The same plan again: nothing enqueued, nothing imported, the store unchanged.
      const again = await coordinate({ url: redis.url, runs: plan, store, suite: 'queue-test', pollMs: 200, progress: quiet, log: () => undefined });
      assert.deepEqual({ ...again, failed: again.failed.length }, { total: 3, done: 3, imported: 0, enqueued: 0, failed: 0, pending: 0 });
      assert.equal(store.listRuns({ suite: 'queue-test' }).length, 3);
      store.close();
      const queue = openRunQueue(redis.url);
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
      await queue.close();
      assert.deepEqual(counts, { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 }, 'imported jobs are removed');

      // SIGTERM: a graceful stop.
      b.child.kill('SIGTERM');
      assert.equal(await exited(b.child), 0);
      assert.equal(b.lines.at(-1), 'stopped');
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
    }
  });

  it('--detach leaves; a later status imports the results that arrived meanwhile', { timeout: 180_000 }, async () => {
    const plan = [tinyRun('synth', ['p3'])];
    const store = openResults(join(dir, 'detach.sqlite'));
    const first = await coordinate({ url: redis.url, runs: plan, store, suite: 'queue-test', detach: true, progress: quiet, log: () => undefined });
    assert.deepEqual({ done: first.done, enqueued: first.enqueued, pending: first.pending }, { done: 0, enqueued: 1, pending: 1 });
    const lines: string[] = [];
    const worker = await startRunWorker({ url: redis.url, executor: TINY_EXECUTOR, artifactsDir: join(dir, 'artifacts-detach'), dataRoot, lockSeconds: 10, log: (l) => lines.push(l) });
    try {
      let state = await queueStatus(redis.url, plan, store);
      for (let i = 0; i < 200 && state.done.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        state = await queueStatus(redis.url, plan, store);
      }
      assert.equal(state.done.length, 1, lines.join('\n'));
      const [run] = store.listRuns({ runHash: plan[0]!.hash });
      assert.equal(run?.status, 'done');
      assert.equal(run?.items, 8);
    } finally {
      await worker.shutdown();
      store.close();
    }
  });

  it('SIGTERM gives a run in progress back to the queue; another worker resumes it from its checkpoint', { timeout: 180_000 }, async () => {
    // Long enough that the stop arrives before the last prompt type.
    const plan = [tinyRun('synth', ['p6', 'p7', 'p8', 'p9', 'p0', 'p1'])];
    const store = openResults(join(dir, 'sigterm.sqlite'));
    await coordinate({ url: redis.url, runs: plan, store, suite: 'queue-test', detach: true, progress: quiet, log: () => undefined });
    const c = spawnWorker(10);
    try {
      await c.waitFor(/^run \w+ checkpoint p6$/);
      c.child.kill('SIGTERM');
      assert.equal(await exited(c.child), 0, c.lines.join('\n'));
      assert.ok(c.lines.includes(`run ${plan[0]!.hash} given back to the queue: ${plan[0]!.title}`), c.lines.join('\n'));
      const queue = openRunQueue(redis.url);
      assert.equal(await queue.getJobState(plan[0]!.hash), 'waiting', 'back in the queue at once, not after a lock expires');
      assert.equal((await queue.getJob(plan[0]!.hash))?.attemptsMade, 0, 'giving back uses no attempt');
      await queue.close();
    } finally {
      c.child.kill('SIGKILL');
    }
    const lines: string[] = [];
    const worker = await startRunWorker({ url: redis.url, executor: TINY_EXECUTOR, artifactsDir: artifacts, dataRoot, lockSeconds: 10, log: (l) => lines.push(l) });
    try {
      const outcome = await coordinate({ url: redis.url, runs: plan, store, suite: 'queue-test', pollMs: 100, progress: quiet, log: () => undefined });
      assert.equal(outcome.done, 1);
      assert.ok(lines.includes(`run ${plan[0]!.hash} resumed p6 from its checkpoint`), lines.join('\n'));
      assert.deepEqual(store.listRuns({ runHash: plan[0]!.hash }).map((r) => [r.status, r.items]), [['done', 48]]);
    } finally {
      await worker.shutdown();
      store.close();
    }
  });

  it('a run that needs another waits for it, and fails when it fails', { timeout: 180_000 }, async () => {
    const first = tinyRun('synth', ['p1']);
    const second = tinyRun('synth', ['p4']);
    const needsMissing = tinyRun('kvasir_polyp', ['p2']);
    const needsFailed = tinyRun('synth', ['p5']);
    const needs: Record<string, string[]> = { [second.hash]: [first.hash], [needsFailed.hash]: [needsMissing.hash] };
    const store = openResults(join(dir, 'needs.sqlite'));
    const worker = await startRunWorker({ url: redis.url, executor: TINY_EXECUTOR, artifactsDir: artifacts, dataRoot, lockSeconds: 10, log: () => undefined });
    try {
      const outcome = await coordinate({ url: redis.url, runs: [second, first, needsFailed, needsMissing], dependsOn: (r) => needs[r.hash] ?? [], store, suite: 'needs', attempts: 1, pollMs: 100, progress: quiet, log: () => undefined });
      assert.equal(outcome.done, 2);
      assert.deepEqual(outcome.failed.map((f) => f.hash).sort(), [needsFailed.hash, needsMissing.hash].sort());
      assert.equal(outcome.failed.find((f) => f.hash === needsFailed.hash)?.reason, `it needs run ${needsMissing.title} (${needsMissing.hash}), which failed`);
      const [a] = store.listRuns({ runHash: first.hash });
      const [b] = store.listRuns({ runHash: second.hash });
      assert.ok(Date.parse(b!.startedAt) >= Date.parse(a!.finishedAt!), 'the second run started after the first finished');
    } finally {
      await worker.shutdown();
      store.close();
    }
  });

  it('a worker without the data fails the run, naming the dataset root it needs and its --data-root', { timeout: 180_000 }, async () => {
    const plan = [tinyRun('kvasir_polyp', ['p1'])];
    const store = openResults(join(dir, 'no-data.sqlite'));
    const emptyRoot = join(dir, 'empty-data');
    mkdirSync(emptyRoot);
    const worker = await startRunWorker({ url: redis.url, executor: TINY_EXECUTOR, artifactsDir: artifacts, dataRoot: emptyRoot, lockSeconds: 10, log: () => undefined });
    try {
      const outcome = await coordinate({ url: redis.url, runs: plan, store, suite: 'queue-test', attempts: 2, backoffSeconds: 0.1, pollMs: 100, progress: quiet, log: () => undefined });
      assert.equal(outcome.done, 0);
      assert.equal(outcome.failed.length, 1);
      const reason = outcome.failed[0]!.reason;
      assert.match(reason, new RegExp(`--data-root ${emptyRoot}`));
      assert.match(reason, new RegExp(`needs dataset kvasir_polyp at ${join(emptyRoot, 'kvasir_polyp')}`));
      assert.equal(store.listRuns().length, 0, 'nothing written for a failed run');
    } finally {
      await worker.shutdown();
      store.close();
    }
  });

  it('an unreachable Redis is a clear error within seconds; a bad URL names itself', { timeout: 20_000 }, async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const store = openResults(join(dir, 'unreachable.sqlite'));
    const started = Date.now();
    await assert.rejects(coordinate({ url, runs: [tinyRun('synth', ['p1'])], store, progress: quiet, log: () => undefined }), (error: Error) => {
      assert.ok(error instanceof QueueError);
      assert.match(error.message, new RegExp(`^cannot reach Redis at ${url} \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\)`));
      return true;
    });
    await assert.rejects(startRunWorker({ url, executor: TINY_EXECUTOR, artifactsDir: artifacts, log: () => undefined }), QueueError);
    assert.ok(Date.now() - started < 10_000);
    store.close();
    assert.throws(() => redisOptions('http://127.0.0.1:6379'), (e: Error) => e instanceof ConfigError && /--queue "http:\/\/127\.0\.0\.1:6379": the scheme is 'http'/.test(e.message));
    assert.throws(() => redisOptions('redis://127.0.0.1:6379/x'), /the database 'x' is not a number/);
    assert.throws(() => redisOptions('not a url'), /not a URL/);
    assert.deepEqual(redisOptions('redis://u:p%40ss@redis.lan:6380/2'), { host: 'redis.lan', port: 6380, username: 'u', password: 'p@ss', db: 2, maxRetriesPerRequest: null });
  });
});
