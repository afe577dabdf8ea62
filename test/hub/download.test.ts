import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CheckpointError } from '../../src/errors.js';
import { resolveModel, type FetchLike, type ProgressStream } from '../../src/hub/index.js';
import { COMMIT_B, sha256, startFakeHub, type FakeHubOptions } from './fake-hub.js';

const temp = mkdtempSync(join(tmpdir(), 'vlsm-hub-download-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let counter = 0;
const newDir = (name: string): string => {
  const dir = join(temp, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const REPO = 'org/tiny-model';
const config = Buffer.from('{"model_type":"clipseg"}');
const weights = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251));
const hubFiles: FakeHubOptions['files'] = {
  'config.json': { content: config },
  'model.safetensors': { content: weights, lfs: true },
};
const WEIGHTS = ['model.safetensors', 'pytorch_model.bin'];
const root = (cacheDir: string) => join(cacheDir, 'models--org--tiny-model');

/** Collects what the progress bar writes (as a non-terminal stream: start and end lines). */
function captureStream(): ProgressStream & { text: string } {
  const s = { text: '', isTTY: false, write: (chunk: string) => ((s.text += chunk), true) };
  return s;
}

async function withHub<T>(options: Partial<FakeHubOptions>, body: (hub: Awaited<ReturnType<typeof startFakeHub>>) => Promise<T>): Promise<T> {
  const hub = await startFakeHub({ repoId: REPO, commit: COMMIT_B, files: hubFiles, ...options });
  try {
    return await body(hub);
  } finally {
    await hub.close();
  }
}

describe('resolveModel downloading from a Hub (a loopback fake)', () => {
  it('writes blobs by etag, relative snapshot links and refs/main, and reports progress on the stream', async () => {
    const cacheDir = newDir('fresh');
    const stream = captureStream();
    await withHub({}, async (hub) => {
      const r = await resolveModel(REPO, { cacheDir, endpoint: hub.endpoint, files: WEIGHTS, required: ['config.json'], progress: stream });
      const snapshot = join(root(cacheDir), 'snapshots', COMMIT_B);
      assert.equal(r.source, 'hub');
      assert.equal(r.commit, COMMIT_B);
      assert.equal(r.dir, snapshot);
      assert.equal(r.file, 'model.safetensors');
      assert.ok(readFileSync(r.paths['model.safetensors']).equals(weights));
      assert.ok(lstatSync(join(snapshot, 'model.safetensors')).isSymbolicLink());
      assert.equal(readlinkSync(join(snapshot, 'model.safetensors')), join('..', '..', 'blobs', sha256(weights)));
      assert.equal(readFileSync(join(root(cacheDir), 'refs', 'main'), 'utf8'), COMMIT_B);
      assert.ok(stream.text.includes(`Downloading ${REPO}/model.safetensors (195.3 kB)\n`), stream.text);
      assert.ok(stream.text.includes(`Downloaded ${REPO}/model.safetensors: 195.3 kB\n`), stream.text);
    });
  });

  it('uses the cache afterwards without any request', async () => {
    const cacheDir = newDir('reuse');
    await withHub({}, (hub) => resolveModel(REPO, { cacheDir, endpoint: hub.endpoint, files: WEIGHTS, required: ['config.json'], progress: false }));
    const calls: string[] = [];
    const fetch: FetchLike = async (url) => (calls.push(url), new Response(null, { status: 500 }));
    const r = await resolveModel(REPO, { cacheDir, fetch, files: WEIGHTS, required: ['config.json'] });
    assert.equal(r.source, 'cache');
    assert.deepEqual(calls, []);
  });

  it('resumes a download that broke off, asking only for the missing bytes with Range', async () => {
    const cacheDir = newDir('resume');
    await withHub({ breakAfter: 70_000 }, async (hub) => {
      const options = { cacheDir, endpoint: hub.endpoint, files: WEIGHTS, required: ['config.json'], progress: false as const };
      const incomplete = join(root(cacheDir), 'blobs', `${sha256(weights)}.incomplete`);
      await assert.rejects(resolveModel(REPO, options), (e: unknown) =>
        e instanceof CheckpointError &&
        e.message.startsWith(`resolveModel: the download of ${REPO}/model.safetensors broke off after 70000 bytes (`) &&
        e.message.endsWith(`the 70000 bytes are kept in ${incomplete}, run again to resume`),
      );
      assert.equal(readFileSync(incomplete).length, 70_000);
      const r = await resolveModel(REPO, options);
      assert.ok(readFileSync(r.paths['model.safetensors']).equals(weights));
      const cdn = `/cdn/${sha256(weights)}`;
      assert.deepEqual(hub.log.filter((l) => l.path === cdn).map((l) => l.range), [undefined, 'bytes=70000-']);
      assert.equal(hub.served.get(cdn), weights.length);
      assert.equal(existsSync(incomplete), false);
    });
  });

  it('starts over when the server ignores Range', async () => {
    const cacheDir = newDir('no-range');
    const incomplete = join(root(cacheDir), 'blobs', `${sha256(weights)}.incomplete`);
    mkdirSync(join(root(cacheDir), 'blobs'), { recursive: true });
    writeFileSync(incomplete, weights.subarray(0, 1000));
    await withHub({ ranges: false }, async (hub) => {
      const r = await resolveModel(REPO, { cacheDir, endpoint: hub.endpoint, files: WEIGHTS, progress: false });
      assert.ok(readFileSync(r.paths['model.safetensors']).equals(weights));
      assert.equal(hub.served.get(`/cdn/${sha256(weights)}`), weights.length);
    });
  });

  it('removes a download whose sha256 differs from the etag', async () => {
    const cacheDir = newDir('bad-sha');
    const wrong = 'f'.repeat(64);
    await withHub({ files: { 'model.safetensors': { content: weights, lfs: true, etag: wrong } } }, async (hub) => {
      await assert.rejects(resolveModel(REPO, { cacheDir, endpoint: hub.endpoint, files: WEIGHTS, progress: false }), {
        name: 'CheckpointError',
        message: `resolveModel: ${REPO}/model.safetensors has sha256 ${sha256(weights)}, the Hub says ${wrong}; the download was removed, run again`,
      });
      assert.equal(existsSync(join(root(cacheDir), 'blobs', `${wrong}.incomplete`)), false);
    });
  });

  it('falls back to pytorch_model.bin when the Hub has no model.safetensors', async () => {
    const cacheDir = newDir('bin');
    await withHub({ files: { 'config.json': { content: config }, 'pytorch_model.bin': { content: weights, lfs: true } } }, async (hub) => {
      const r = await resolveModel(REPO, { cacheDir, endpoint: hub.endpoint, files: WEIGHTS, required: ['config.json'], progress: false });
      assert.equal(r.file, 'pytorch_model.bin');
      assert.equal(r.paths['model.safetensors'], undefined);
    });
  });

  it('names the files the repository lacks', async () => {
    const cacheDir = newDir('lacks');
    await withHub({ files: { 'model.safetensors': { content: weights, lfs: true } } }, async (hub) => {
      await assert.rejects(resolveModel(REPO, { cacheDir, endpoint: hub.endpoint, files: WEIGHTS, required: ['config.json'], progress: false }), {
        name: 'CheckpointError',
        message: `resolveModel: ${REPO} at revision main has no config.json on ${hub.endpoint}; is it the right model?`,
      });
    });
  });

  it('explains a refused repository (missing, private or gated)', async () => {
    await withHub({ missingRepo: true }, async (hub) => {
      await assert.rejects(resolveModel(REPO, { cacheDir: newDir('refused'), endpoint: hub.endpoint, required: ['config.json'], progress: false }), {
        name: 'CheckpointError',
        message:
          `resolveModel: ${hub.endpoint} refused ${REPO}/config.json (HTTP 401, RepoNotFound): ` +
          'the repository does not exist, or it is private or gated; check the id, or set HF_TOKEN to a token that may read it',
      });
    });
  });

  it('names a revision the Hub does not have', async () => {
    await withHub({}, async (hub) => {
      await assert.rejects(resolveModel(REPO, { cacheDir: newDir('no-rev'), endpoint: hub.endpoint, revision: 'v9', required: ['config.json'], progress: false }), {
        name: 'CheckpointError',
        message: `resolveModel: ${REPO} has no revision "v9" on ${hub.endpoint} (HTTP 404); give an existing branch, tag or commit`,
      });
    });
  });

  it('pins a commit: requests name it, and no ref is written', async () => {
    const cacheDir = newDir('pin');
    await withHub({}, async (hub) => {
      const r = await resolveModel(REPO, { cacheDir, endpoint: hub.endpoint, revision: COMMIT_B, required: ['config.json'], progress: false });
      assert.equal(r.commit, COMMIT_B);
      assert.deepEqual(hub.log.map((l) => `${l.method} ${l.path}`), [`HEAD /${REPO}/resolve/${COMMIT_B}/config.json`, `GET /${REPO}/resolve/${COMMIT_B}/config.json`]);
      assert.equal(existsSync(join(root(cacheDir), 'refs')), false);
    });
  });

  it('fetches optional files the repository has and skips the others', async () => {
    const cacheDir = newDir('optional');
    await withHub({ files: { ...hubFiles, 'vocab.json': { content: Buffer.from('{}') } } }, async (hub) => {
      const r = await resolveModel(REPO, { cacheDir, endpoint: hub.endpoint, files: WEIGHTS, optional: ['vocab.json', 'merges.txt'], progress: false });
      assert.deepEqual(Object.keys(r.paths).sort(), ['model.safetensors', 'vocab.json']);
    });
  });

  it('reports an unreachable Hub with the fix', async () => {
    const fetch: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    };
    await assert.rejects(resolveModel(REPO, { cacheDir: newDir('down'), endpoint: 'http://127.0.0.1:9', fetch, required: ['config.json'], progress: false }), {
      name: 'CheckpointError',
      message:
        `resolveModel: looking up ${REPO}/config.json: request to http://127.0.0.1:9/${REPO}/resolve/main/config.json failed (fetch failed: connect ECONNREFUSED 127.0.0.1:9); ` +
        'check the network, or set HF_HUB_OFFLINE=1 and provide the files locally',
    });
  });
});
