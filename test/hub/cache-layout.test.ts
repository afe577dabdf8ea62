import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ProgressBar, hubCacheDir, isOfflineEnv, repoFolderName, resolveUrl } from '../../src/hub/index.js';

describe('hub cache location', () => {
  it('prefers HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME/huggingface/hub, then ~/.cache/huggingface/hub', () => {
    assert.equal(hubCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b', XDG_CACHE_HOME: '/c' }), '/a');
    assert.equal(hubCacheDir({ HF_HOME: '/b', XDG_CACHE_HOME: '/c' }), join('/b', 'hub'));
    assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/c' }), join('/c', 'huggingface', 'hub'));
    assert.equal(hubCacheDir({}), join(homedir(), '.cache', 'huggingface', 'hub'));
  });

  it('names a repository folder models--ORG--NAME', () => {
    assert.equal(repoFolderName('CIDAS/clipseg-rd64-refined'), 'models--CIDAS--clipseg-rd64-refined');
  });

  it('reads HF_HUB_OFFLINE as huggingface_hub does', () => {
    for (const v of ['1', 'true', 'ON', 'yes']) assert.equal(isOfflineEnv({ HF_HUB_OFFLINE: v }), true, v);
    for (const v of [undefined, '', '0', 'false']) assert.equal(isOfflineEnv({ HF_HUB_OFFLINE: v }), false, String(v));
  });

  it('percent-encodes the revision and each part of the file name in resolve URLs', () => {
    assert.equal(resolveUrl('https://huggingface.co/', 'org/m', 'refs/pr/1', 'sub dir/a+b.json'), 'https://huggingface.co/org/m/resolve/refs%2Fpr%2F1/sub%20dir/a%2Bb.json');
  });
});

describe('ProgressBar', () => {
  it('redraws one line with percentage and sizes on a terminal', () => {
    let text = '';
    const bar = new ProgressBar('org/m/model.safetensors', 2048, { isTTY: true, write: (s: string) => (text += s) });
    bar.update(1024);
    bar.update(2048); // within 100 ms of the last draw: not drawn until done()
    bar.done();
    assert.match(text, /^\rorg\/m\/model\.safetensors  50% \[#{12}-{12}\] 1\.0 kB\/2\.0 kB [^\r]*\/s\x1b\[K\rorg\/m\/model\.safetensors 100% \[#{24}\] 2\.0 kB\/2\.0 kB [^\r]*\/s\x1b\[K\n$/s);
  });
});
