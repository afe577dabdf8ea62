// `vlsm worker`'s errors before any run: no URL, a bad URL, an unreachable Redis; each a clear
// message (no stack trace) within seconds.
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { run } from '../../../src/cli/main.js';
import { freePort } from '../../redis-server.js';

/** Runs `vlsm ARGS` as the binary does; returns the exit code and what went to stderr. */
async function vlsm(args: string[]): Promise<{ code: number; stderr: string }> {
  const errors: string[] = [];
  const error = mock.method(console, 'error', (...parts: unknown[]) => void errors.push(parts.join(' ')));
  const log = mock.method(console, 'log', () => undefined);
  try {
    return { code: await run(args), stderr: errors.join('\n') };
  } finally {
    error.mock.restore();
    log.mock.restore();
  }
}

describe('vlsm worker', () => {
  it('needs --queue', async () => {
    const { code, stderr } = await vlsm(['worker']);
    assert.equal(code, 2);
    assert.match(stderr, /^vlsm worker: --queue is required \(or set \$VLSM_QUEUE\)/);
  });

  it('names a bad URL', async () => {
    const { code, stderr } = await vlsm(['worker', '--queue', 'http://127.0.0.1:6379']);
    assert.equal(code, 1);
    assert.equal(stderr, `vlsm worker: --queue "http://127.0.0.1:6379": the scheme is 'http', not redis or rediss; expected redis://HOST:PORT (or rediss://, optionally user:password@ and /DB)`);
  });

  it('names an unreachable Redis and the cause within seconds, without a stack trace', { timeout: 20_000 }, async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const { code, stderr } = await vlsm(['worker', '--queue', url, '--artifacts', '/nonexistent-not-created']);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`^vlsm worker: cannot reach Redis at ${url} \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\); start redis-server there or pass the right --queue URL$`));
    assert.ok(Date.now() - started < 10_000);
  });

  it('refuses a non-positive --concurrency', async () => {
    const { code, stderr } = await vlsm(['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '0']);
    assert.equal(code, 1);
    assert.equal(stderr, "vlsm worker: --concurrency must be a positive integer, got '0'");
  });
});
