import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CheckpointError } from '../../src/errors.js';
import { resolveModel, type FetchLike } from '../../src/hub/index.js';
import { COMMIT_A, COMMIT_B, fakeCache, sha256 } from './fake-hub.js';

const temp = mkdtempSync(join(tmpdir(), 'vlsm-hub-resolve-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let counter = 0;
const newDir = (name: string): string => {
  const dir = join(temp, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const WEIGHTS = ['model.safetensors', 'pytorch_model.bin'];
const REQUIRED = ['config.json'];

/** A fetch that must not be called: it records the attempt and fails the request. */
function forbiddenFetch(): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (url) => {
      calls.push(url);
      throw new Error(`network used for ${url}`);
    },
  };
}

describe('resolveModel with a local folder', () => {
  it('returns the folder and the preferred weights file', async () => {
    const dir = newDir('folder');
    for (const f of ['config.json', 'model.safetensors', 'pytorch_model.bin']) writeFileSync(join(dir, f), f);
    const r = await resolveModel(dir, { files: WEIGHTS, required: REQUIRED });
    assert.deepEqual(r, {
      dir,
      source: 'folder',
      file: 'model.safetensors',
      paths: { 'config.json': join(dir, 'config.json'), 'model.safetensors': join(dir, 'model.safetensors') },
    });
  });

  it('accepts pytorch_model.bin when model.safetensors is absent', async () => {
    const dir = newDir('bin');
    for (const f of ['config.json', 'pytorch_model.bin']) writeFileSync(join(dir, f), f);
    const r = await resolveModel(dir, { files: WEIGHTS, required: REQUIRED });
    assert.equal(r.file, 'pytorch_model.bin');
  });

  it('includes optional files that are present and skips absent ones', async () => {
    const dir = newDir('optional');
    for (const f of ['config.json', 'model.safetensors', 'vocab.json']) writeFileSync(join(dir, f), f);
    const r = await resolveModel(dir, { files: WEIGHTS, required: REQUIRED, optional: ['vocab.json', 'merges.txt'] });
    assert.deepEqual(Object.keys(r.paths).sort(), ['config.json', 'model.safetensors', 'vocab.json']);
  });

  it('names every missing file and the folder to put them in', async () => {
    const dir = newDir('empty');
    await assert.rejects(resolveModel(dir, { files: WEIGHTS, required: REQUIRED }), (e: unknown) =>
      e instanceof CheckpointError &&
      e.message === `resolveModel: the folder ${dir} lacks config.json and one of model.safetensors, pytorch_model.bin; put them in ${dir}`,
    );
  });

  it('says that a path-like name which does not exist is a missing folder', async () => {
    await assert.rejects(resolveModel('./no/such/folder', { files: WEIGHTS }), {
      name: 'ConfigError',
      message: 'resolveModel: the folder ./no/such/folder does not exist (and it is not a HuggingFace id ORG/NAME)',
    });
  });

  it('asks for the folder when given a file', async () => {
    const dir = newDir('file');
    writeFileSync(join(dir, 'model.safetensors'), 'x');
    await assert.rejects(resolveModel(join(dir, 'model.safetensors'), { files: WEIGHTS, required: REQUIRED }), {
      name: 'ConfigError',
      message: `resolveModel: ${join(dir, 'model.safetensors')} is a file; pass the folder that holds it (with config.json and model.safetensors (or pytorch_model.bin))`,
    });
  });
});

describe('resolveModel with the HuggingFace cache layout', () => {
  const files = { 'config.json': '{"model_type":"clipseg"}', 'model.safetensors': 'weights', 'sub/tokenizer.json': '{}' };

  it('follows refs/main to the snapshot and reads through the links into blobs/', async () => {
    const cacheDir = newDir('cache');
    fakeCache(cacheDir, 'CIDAS/clipseg-rd64-refined', COMMIT_B, files, 'main');
    const net = forbiddenFetch();
    const r = await resolveModel('CIDAS/clipseg-rd64-refined', { cacheDir, files: WEIGHTS, required: REQUIRED, optional: ['sub/tokenizer.json'], fetch: net.fetch });
    const snapshot = join(cacheDir, 'models--CIDAS--clipseg-rd64-refined', 'snapshots', COMMIT_B);
    assert.equal(r.dir, snapshot);
    assert.equal(r.source, 'cache');
    assert.equal(r.commit, COMMIT_B);
    assert.equal(r.file, 'model.safetensors');
    assert.equal(r.paths['model.safetensors'], join(snapshot, 'model.safetensors'));
    assert.equal(readFileSync(r.paths['config.json'], 'utf8'), files['config.json']);
    assert.equal(realpathSync(r.paths['sub/tokenizer.json']), realpathSync(join(cacheDir, 'models--CIDAS--clipseg-rd64-refined', 'blobs', sha256('{}'))));
    assert.deepEqual(net.calls, []);
  });

  it('finds the cache through HF_HUB_CACHE, then HF_HOME/hub', async () => {
    const cacheDir = newDir('env-cache');
    fakeCache(cacheDir, 'org/model', COMMIT_B, files, 'main');
    const viaHubCache = await resolveModel('org/model', { env: { HF_HUB_CACHE: cacheDir, HF_HOME: '/nowhere' }, files: WEIGHTS, required: REQUIRED });
    assert.equal(viaHubCache.source, 'cache');
    const home = newDir('hf-home');
    fakeCache(join(home, 'hub'), 'org/model', COMMIT_B, files, 'main');
    const viaHome = await resolveModel('org/model', { env: { HF_HOME: home }, files: WEIGHTS, required: REQUIRED });
    assert.equal(viaHome.dir, join(home, 'hub', 'models--org--model', 'snapshots', COMMIT_B));
  });

  it('uses a pinned 40-character revision directly, without refs', async () => {
    const cacheDir = newDir('pinned');
    fakeCache(cacheDir, 'org/model', COMMIT_A, files);
    const r = await resolveModel('org/model', { cacheDir, revision: COMMIT_A, files: WEIGHTS, required: REQUIRED, offline: true });
    assert.equal(r.commit, COMMIT_A);
    assert.equal(r.revision, COMMIT_A);
  });

  it('reads a tag from refs/<tag>', async () => {
    const cacheDir = newDir('tag');
    fakeCache(cacheDir, 'org/model', COMMIT_A, files, 'v1.0');
    fakeCache(cacheDir, 'org/model', COMMIT_B, files, 'main');
    const r = await resolveModel('org/model', { cacheDir, revision: 'v1.0', files: WEIGHTS, required: REQUIRED, offline: true });
    assert.equal(r.commit, COMMIT_A);
  });

  it('refuses a revision that would leave refs/', async () => {
    await assert.rejects(resolveModel('org/model', { cacheDir: newDir('bad-rev'), revision: '../../etc', files: WEIGHTS, offline: true }), {
      name: 'ConfigError',
      message: '"../../etc" is not a usable revision: give a branch, tag or 40-character commit hash without "..", "\\" or empty path parts',
    });
  });

  it('refuses a file name with a ".." part before touching disk or network', async () => {
    const net = forbiddenFetch();
    await assert.rejects(resolveModel('org/model', { cacheDir: newDir('traversal'), files: ['../x'], fetch: net.fetch }), {
      name: 'ConfigError',
      message: '"../x" is not a usable file name: a repository file is a relative "/"-separated path without "..", "." or empty parts (and no "\\"), e.g. model.safetensors',
    });
    await assert.rejects(resolveModel('org/model', { required: ['weights/../../x'], fetch: net.fetch }), { name: 'ConfigError' });
    await assert.rejects(resolveModel('org/model', { optional: ['/etc/passwd'], fetch: net.fetch }), { name: 'ConfigError' });
    assert.deepEqual(net.calls, []);
  });

  it('refuses a malformed model id, showing the expected form', async () => {
    await assert.rejects(resolveModel('org--x/model', { files: WEIGHTS, offline: true }), {
      name: 'ConfigError',
      message:
        '"org--x/model" is not a HuggingFace model id: expected ORG/NAME made of letters, digits, "-", "_" and "." ' +
        '(no "--" or "..", not starting or ending with "-" or "."), e.g. CIDAS/clipseg-rd64-refined',
    });
  });

  it('names the ref file when it does not hold a commit hash', async () => {
    const cacheDir = newDir('bad-ref');
    const root = fakeCache(cacheDir, 'org/model', COMMIT_B, files, 'main');
    writeFileSync(join(root, 'refs', 'main'), 'not a commit\n');
    await assert.rejects(resolveModel('org/model', { cacheDir, files: WEIGHTS, offline: true }), {
      name: 'CheckpointError',
      message: `${join(root, 'refs', 'main')} should hold a 40-character commit hash, got "not a commit"; delete it to let the cache be rebuilt`,
    });
  });
});

describe('resolveModel offline', () => {
  it('never calls fetch with HF_HUB_OFFLINE=1 and says which files to put where', async () => {
    const cacheDir = newDir('offline-empty');
    const net = forbiddenFetch();
    const root = join(cacheDir, 'models--CIDAS--clipseg-rd64-refined');
    await assert.rejects(
      resolveModel('CIDAS/clipseg-rd64-refined', { cacheDir, env: { HF_HUB_OFFLINE: '1' }, files: WEIGHTS, required: REQUIRED, fetch: net.fetch }),
      (e: unknown) =>
        e instanceof CheckpointError &&
        e.message ===
          `resolveModel: CIDAS/clipseg-rd64-refined is not available offline (HF_HUB_OFFLINE is set): there is no ${join(root, 'refs', 'main')}, ` +
            'so the HuggingFace cache has no CIDAS/clipseg-rd64-refined at revision main. Put config.json and model.safetensors (or pytorch_model.bin) either\n' +
            '  - in a folder, and pass that folder instead of CIDAS/clipseg-rd64-refined; or\n' +
            `  - in ${join(root, 'snapshots', '<commit>')}, with the commit hash written to ${join(root, 'refs', 'main')}\n` +
            `  (\`huggingface-cli download CIDAS/clipseg-rd64-refined\` fills that cache on a machine with network; copy ${root} over),\n` +
            '  or go online (unset HF_HUB_OFFLINE, or pass offline: false).',
    );
    assert.deepEqual(net.calls, []);
  });

  it('treats a link whose blob was deleted as missing, and names the incomplete snapshot', async () => {
    const cacheDir = newDir('offline-dangling');
    const root = fakeCache(cacheDir, 'org/model', COMMIT_B, { 'config.json': '{}', 'model.safetensors': 'w' }, 'main');
    unlinkSync(join(root, 'blobs', sha256('w')));
    const net = forbiddenFetch();
    await assert.rejects(resolveModel('org/model', { cacheDir, offline: true, files: WEIGHTS, required: REQUIRED, fetch: net.fetch }), (e: unknown) =>
      e instanceof CheckpointError && e.message.startsWith(`resolveModel: org/model is not available offline (offline: true): the cached snapshot ${join(root, 'snapshots', COMMIT_B)} is incomplete. Put config.json`),
    );
    assert.deepEqual(net.calls, []);
  });

  it('does not fall back to another branch when the requested one is not cached', async () => {
    const cacheDir = newDir('offline-branch');
    fakeCache(cacheDir, 'org/model', COMMIT_B, { 'config.json': '{}', 'model.safetensors': 'w' }, 'main');
    await assert.rejects(resolveModel('org/model', { cacheDir, revision: 'dev', offline: true, files: WEIGHTS, required: REQUIRED }), (e: unknown) =>
      e instanceof CheckpointError && e.message.includes('--revision dev'),
    );
  });
});
