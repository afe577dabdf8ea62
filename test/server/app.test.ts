// The web server end to end on 127.0.0.1: a tiny CLIPSeg checkpoint, the bundled BUSI image, and
// every refusal (bad JSON, missing prompt, undecodable image, bad threshold, oversized body, paths
// outside the allow-list, wrong methods).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeGrayImage, readImageSize } from '../../src/imaging/read-image.js';
import { loadFolder } from '../../src/models/registry.js';
import type { SegmentationModel } from '../../src/models/types.js';
import { packageVersion } from '../../src/package-root.js';
import { createServer } from '../../src/server/app.js';
import { repoRoot, fixturePath } from '../helpers.js';

const fixture = fixturePath('clipseg-tiny');
const imagePath = join(repoRoot, 'assets', 'busi-sample', 'images', '1_malignant.png');

function tinyModelFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vlsm-serve-model-'));
  copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
  copyFileSync(join(fixture, 'model.safetensors'), join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ size: { height: 64, width: 64 } }));
  return dir;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One bounded request: a raw path (sent as is), an optional body, a 20 s timeout. */
function request(port: number, method: string, path: string, o: { body?: Buffer | string; headers?: Record<string, string>; chunked?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.from(o.body);
    const headers: Record<string, string> = { ...o.headers };
    if (body && !o.chunked) headers['content-length'] = String(body.length);
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, timeout: 20_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 20 s`)));
    // The server may close a refused upload before the client has finished sending it.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    if (body && o.chunked) {
      for (let i = 0; i < body.length; i += 1024) req.write(body.subarray(i, i + 1024));
    } else if (body) {
      req.write(body);
    }
    req.end();
  });
}

const json = (reply: Reply): Record<string, unknown> => JSON.parse(reply.body.toString('utf8')) as Record<string, unknown>;
const post = (port: number, value: unknown): Promise<Reply> => request(port, 'POST', '/api/segment', { body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });

async function listen(server: http.Server): Promise<number> {
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('vlsm web server', () => {
  let model: SegmentationModel;
  let server: http.Server;
  let port: number;
  const image = readFileSync(imagePath);

  before(async () => {
    model = await loadFolder(tinyModelFolder());
    server = createServer({ model, port: 0 });
    port = await listen(server);
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    model.dispose();
  });

  it('binds 127.0.0.1 by default', () => {
    assert.equal((server.address() as AddressInfo).address, '127.0.0.1');
  });

  it('serves the page, its modules and its style sheet with their content types', async () => {
    const page = await request(port, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body.toString(), /<label for="prompt-input">/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    const script = await request(port, 'GET', '/app.js');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.match(script.body.toString(), /api\/predict/);
    for (const module of ['api-client', 'mask-view', 'chips', 'compare', 'browse', 'keep']) {
      const reply = await request(port, 'GET', `/${module}.js`);
      assert.equal(reply.status, 200, module);
      assert.match(String(reply.headers['content-type']), /^text\/javascript/);
      assert.match(reply.body.toString(), /^export function /m, `${module}.js exports its functions`);
    }
    const style = await request(port, 'GET', '/style.css');
    assert.equal(style.status, 200);
    assert.match(String(style.headers['content-type']), /^text\/css/);
  });

  it('describes the model at /api/info', async () => {
    const reply = await request(port, 'GET', '/api/info');
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^application\/json/);
    assert.deepEqual(json(reply), {
      family: 'clipseg', inputSize: [64, 64], threshold: model.threshold, resample: 'nearest-mask', usesPrompt: true, maxUploadBytes: 20 * 1024 * 1024,
      models: [{ name: 'clipseg', family: 'clipseg', inputSize: [64, 64], threshold: model.threshold, usesPrompt: true, cachesImages: true }],
      promptFamilies: ['endoscopy', 'isic', 'dfu', 'busi', 'camus', 'chexlocalize'], promptFamily: 'busi', dataset: null, saveDir: false, version: packageVersion(),
    });
  });

  it('segments the BUSI image into a mask and an overlay of its size', async () => {
    const size = await readImageSize(imagePath);
    const reply = await post(port, { image: image.toString('base64'), prompt: 'a malignant tumour', threshold: 0.5 });
    assert.equal(reply.status, 200, reply.body.toString());
    const answer = json(reply) as { width: number; height: number; maskPng: string; overlayPng: string; coverage: number; threshold: number };
    assert.deepEqual([answer.width, answer.height], [size.width, size.height]);
    const mask = await decodeGrayImage(Buffer.from(answer.maskPng, 'base64'), 'maskPng');
    assert.deepEqual([mask.width, mask.height], [size.width, size.height]);
    assert.ok(mask.data.every((v) => v === 0 || v === 255));
    const inside = mask.data.reduce((a, v) => a + (v ? 1 : 0), 0);
    assert.ok(Math.abs(answer.coverage - inside / mask.data.length) < 1e-12);
    const overlayImage = await decodeGrayImage(Buffer.from(answer.overlayPng, 'base64'), 'overlayPng');
    assert.deepEqual([overlayImage.width, overlayImage.height], [size.width, size.height]);
    assert.equal(answer.threshold, 0.5);
    // The same request through the model directly gives the same mask.
    const { decodeRgbImage } = await import('../../src/imaging/read-image.js');
    const direct = model.predict(await decodeRgbImage(image, 'image'), 'a malignant tumour', { threshold: 0.5 });
    assert.deepEqual(mask.data, direct.mask.data);
  });

  it('accepts a data: URL and answers concurrent requests one at a time, all of them', async () => {
    const dataUrl = `data:image/png;base64,${image.toString('base64')}`;
    const replies = await Promise.all([0.2, 0.5, 0.8].map((threshold) => post(port, { image: dataUrl, prompt: 'tumour', threshold })));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200]);
    const coverage = replies.map((r) => (json(r) as { coverage: number }).coverage);
    assert.ok(coverage[0]! >= coverage[1]! && coverage[1]! >= coverage[2]!, `coverage falls as the threshold rises: ${coverage}`);
  });

  it('answers 400 with a message for bad input', async () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /not valid JSON/],
      [[1, 2], /must be a JSON object/],
      [{ prompt: 'x' }, /image is required/],
      [{ image: image.toString('base64') }, /prompt is required/],
      [{ image: image.toString('base64'), prompt: '   ' }, /prompt is empty/],
      [{ image: image.toString('base64'), prompt: 3 }, /prompt must be a string/],
      [{ image: '***', prompt: 'x' }, /image is not valid base64/],
      [{ image: Buffer.from('not an image at all').toString('base64'), prompt: 'x' }, /the uploaded image: cannot decode image/],
      [{ image: image.toString('base64'), prompt: 'x', threshold: 1.5 }, /threshold must be a probability in \[0, 1\], got 1.5/],
      [{ image: image.toString('base64'), prompt: 'x', threshold: '0.5' }, /threshold must be a probability/],
    ];
    for (const [value, message] of cases) {
      const reply = value === undefined
        ? await request(port, 'POST', '/api/segment', { body: '{"image": ', headers: { 'content-type': 'application/json' } })
        : await post(port, value);
      assert.equal(reply.status, 400, `${JSON.stringify(value)?.slice(0, 60)}: ${reply.body.toString()}`);
      assert.match(String(json(reply).error), message);
    }
    const wrongType = await request(port, 'POST', '/api/segment', { body: 'image=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(wrongType.status, 415);
  });

  it('answers 404 for paths outside the allow-list, however they are spelt', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/src/web/app.js', '/web/index.html', '/package.json', '//etc/passwd', '/app.js/../../package.json', '/api/nothing']) {
      const reply = await request(port, 'GET', path);
      assert.equal(reply.status, 404, path);
      assert.ok(!reply.body.toString().includes('"version"'), `${path} leaked a file`);
      assert.match(String(json(reply).error), /no such page/);
    }
  });

  it('answers 405 for the wrong method', async () => {
    const get = await request(port, 'GET', '/api/segment');
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    const postPage = await request(port, 'POST', '/', { body: 'x' });
    assert.equal(postPage.status, 405);
    assert.equal((await request(port, 'DELETE', '/api/info')).status, 405);
  });

  it('refuses a Host other than localhost (DNS rebinding)', async () => {
    const reply = await request(port, 'GET', '/api/info', { headers: { host: 'evil.example:80' } });
    assert.equal(reply.status, 403);
  });

  it('refuses an image with more pixels than the server accepts', async () => {
    const capped = createServer({ model, port: 0, maxPixels: 100 });
    const cappedPort = await listen(capped);
    try {
      const reply = await post(cappedPort, { image: image.toString('base64'), prompt: 'x' });
      assert.equal(reply.status, 400);
      assert.match(String(json(reply).error), /the server accepts at most 100 pixels/);
    } finally {
      capped.closeAllConnections();
      await new Promise<void>((resolve) => capped.close(() => resolve()));
    }
  });

  it('answers 413 for a body over the limit, declared or streamed, and keeps serving', async () => {
    const small = createServer({ model, port: 0, maxUploadBytes: 4096 });
    const smallPort = await listen(small);
    try {
      const body = JSON.stringify({ image: image.toString('base64'), prompt: 'x' });
      const declared = await request(smallPort, 'POST', '/api/segment', { body, headers: { 'content-type': 'application/json' } });
      assert.equal(declared.status, 413);
      assert.match(String(json(declared).error), /larger than the server's limit of 4096 bytes/);
      const streamed = await request(smallPort, 'POST', '/api/segment', { body, headers: { 'content-type': 'application/json' }, chunked: true });
      assert.equal(streamed.status, 413);
      assert.equal((await request(smallPort, 'GET', '/api/info')).status, 200);
    } finally {
      small.closeAllConnections();
      await new Promise<void>((resolve) => small.close(() => resolve()));
    }
  });
});
