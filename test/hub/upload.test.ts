// `vlsm hub push` against a loopback fake Hub (test/hub/fake-hub-upload.ts): repository creation,
// small files inline, LFS (basic and multipart, a dropped part retried), resuming, the token's
// sources, and clear errors unauthorised or offline. The token never appears in output.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runHub } from '../../src/cli/commands/hub.js';
import { findHubToken, pushFolder } from '../../src/hub/index.js';
import { startFakeUploadHub } from './fake-hub-upload.js';

const TOKEN = 'hf_testTokenValue0123456789';
const dir = mkdtempSync(join(tmpdir(), 'vlsm-push-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function exportedFolder(): { folder: string; files: Record<string, Buffer> } {
  const folder = join(dir, 'export');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  const weights = Buffer.alloc(5000);
  for (let i = 0; i < weights.length; i++) weights[i] = (i * 7919) % 256;
  const files: Record<string, Buffer> = {
    'README.md': Buffer.from('---\nlibrary_name: transformers\n---\n# model\n'),
    'config.json': Buffer.from('{"model_type": "clipseg"}\n'),
    'model.safetensors': weights,
    'sub/extra.bin': Buffer.alloc(1200, 3),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  writeFileSync(join(folder, '.hidden'), 'not pushed');
  return { folder, files };
}

describe('hub push', () => {
  it('creates the repository, uploads LFS files (multipart with a retried part) and commits the rest inline', async () => {
    const hub = await startFakeUploadHub({ token: TOKEN, multipart: { over: 4000, chunkSize: 1500 }, failPartsOnce: [2] });
    try {
      const { folder, files } = exportedFolder();
      const lines: string[] = [];
      const result = await pushFolder(folder, { repo: 'alice/tiny-clipseg', private: true, endpoint: hub.endpoint, env: { HF_TOKEN: TOKEN }, log: (l) => lines.push(l) });
      assert.deepEqual(hub.repos.get('alice/tiny-clipseg'), { private: true });
      assert.deepEqual(result.regular.sort(), ['README.md', 'config.json']);
      assert.deepEqual(result.uploaded.sort(), ['model.safetensors', 'sub/extra.bin']);
      const committed = hub.committed.get('alice/tiny-clipseg')!;
      assert.deepEqual([...committed.keys()].sort(), Object.keys(files).sort(), 'hidden files stay home');
      for (const [name, content] of Object.entries(files)) assert.ok(committed.get(name)!.equals(content), name);
      assert.equal(hub.log.filter((r) => r.path.includes('/storage/part/')).length, 5, '4 parts of 1500 bytes, part 2 twice');
      assert.ok(lines.some((l) => /part 2 failed .*retrying/.test(l)));
      assert.equal(result.commitOid, 'c'.repeat(40));
      // Pre-signed storage URLs get no token; every Hub API call carries it.
      for (const h of hub.authHeaders) assert.equal(h.value, h.path.startsWith('/storage/') ? undefined : `Bearer ${TOKEN}`, h.path);
      assert.ok(!lines.join('\n').includes(TOKEN));

      // A second push (an interrupted one rerun) skips what the Hub holds; the repository exists (409).
      const again = await pushFolder(folder, { repo: 'alice/tiny-clipseg', endpoint: hub.endpoint, env: { HF_TOKEN: TOKEN } });
      assert.deepEqual(again.uploaded, []);
      assert.deepEqual(again.skipped.sort(), ['model.safetensors', 'sub/extra.bin']);
    } finally {
      await hub.close();
    }
  });

  it('reads the token from the HuggingFace token file when HF_TOKEN is unset', async () => {
    const home = join(dir, 'hf-home');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'token'), `${TOKEN}\n`);
    assert.deepEqual(findHubToken({ HF_HOME: home }), { token: TOKEN, source: join(home, 'token') });
    assert.equal(findHubToken({ HF_HOME: join(dir, 'none') }), undefined);
    assert.equal(findHubToken({ HF_TOKEN: 'env-wins', HF_HOME: home })?.token, 'env-wins');
    const hub = await startFakeUploadHub({ token: TOKEN });
    try {
      const { folder } = exportedFolder();
      const result = await pushFolder(folder, { repo: 'bob/m', endpoint: hub.endpoint, env: { HF_HOME: home } });
      assert.equal(hub.committed.get('bob/m')!.size, 4);
      assert.deepEqual(result.uploaded.sort(), ['model.safetensors', 'sub/extra.bin'], 'basic PUTs without multipart');
    } finally {
      await hub.close();
    }
  });

  it('says clearly when the token is refused, missing, or the Hub cannot be reached, without printing the token', async () => {
    const { folder } = exportedFolder();
    const hub = await startFakeUploadHub({ token: TOKEN });
    try {
      await assert.rejects(pushFolder(folder, { repo: 'alice/x', endpoint: hub.endpoint, env: { HF_TOKEN: 'hf_wrongSecret' } }), (e: Error) => {
        assert.match(e.message, /hub push alice\/x: create the repository: the Hub refused the token from \$HF_TOKEN \(HTTP 401\); it needs write access to alice\/x/);
        assert.ok(!e.message.includes('hf_wrongSecret'));
        return true;
      });
    } finally {
      await hub.close();
    }
    await assert.rejects(pushFolder(folder, { repo: 'alice/x', endpoint: hub.endpoint, env: { HF_HOME: join(dir, 'none') } }), /no Hub token; set HF_TOKEN to a token with write access, or run `huggingface-cli login`/);
    await assert.rejects(pushFolder(folder, { repo: 'alice/x', endpoint: hub.endpoint, env: { HF_TOKEN: TOKEN, HF_HUB_OFFLINE: '1' } }), /HF_HUB_OFFLINE is set; pushing needs the network/);
    // The server is closed now: nothing listens at its address.
    await assert.rejects(pushFolder(folder, { repo: 'alice/x', endpoint: hub.endpoint, env: { HF_TOKEN: TOKEN } }), (e: Error) => {
      assert.match(e.message, /create the repository: cannot reach http:\/\/127\.0\.0\.1:\d+ .*are you online\?/);
      assert.ok(!e.message.includes(TOKEN));
      return true;
    });
    await assert.rejects(pushFolder(folder, { repo: 'not-a-repo', endpoint: hub.endpoint, env: { HF_TOKEN: TOKEN } }), /is not a HuggingFace model id/);
  });

  it('the CLI needs a folder and --repo', async () => {
    const errors: string[] = [];
    const error = console.error;
    console.error = (m: string) => errors.push(String(m));
    try {
      assert.equal(await runHub(['push', dir]), 2);
      assert.match(errors.pop()!, /--repo USER\/NAME is required/);
      assert.equal(await runHub(['push', join(dir, 'missing'), '--repo', 'a/b']), 2);
      assert.match(errors.pop()!, /missing: not a folder/);
      assert.equal(await runHub(['pull']), 2);
      assert.match(errors.pop()!, /unknown subcommand 'pull'; expected push/);
    } finally {
      console.error = error;
    }
  });
});
