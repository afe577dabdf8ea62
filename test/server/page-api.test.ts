// The page's API without a browser: the bounded caches, uploads by hash, probability maps that
// threshold to the model's own mask, image features reused and evicted, chips composed by the
// family templates, keeping a result, the dataset routes, and refusals (cross-origin, bad input).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeGrayImage, readRgbImage } from '../../src/imaging/read-image.js';
import { busiPrompts } from '../../src/prompts/busi-templates.js';
import { BoundedLru } from '../../src/server/bounded-lru.js';
import { busiImage, startPageFixture, type PageFixture } from '../web/page-fixture.js';

describe('BoundedLru', () => {
  it('evicts the least recently used entry past its count or byte budget, through onEvict', () => {
    const evicted: string[] = [];
    const lru = new BoundedLru<number>({ maxEntries: 3, maxBytes: 10, sizeOf: (v) => v, onEvict: (_, k) => evicted.push(k) });
    lru.set('a', 2);
    lru.set('b', 2);
    lru.set('c', 2);
    assert.equal(lru.get('a'), 2); // a is now the most recent
    lru.set('d', 2);
    assert.deepEqual(evicted, ['b']);
    lru.set('e', 7); // c, a, d, e: 4 > 3 entries and 13 > 10 bytes, until d, e (9 bytes)
    assert.deepEqual(evicted, ['b', 'c', 'a']);
    assert.deepEqual([lru.size, lru.bytes, lru.evictions], [2, 9, 3]);
    lru.set('huge', 50); // larger than the budget: kept alone
    assert.deepEqual([lru.size, lru.has('huge'), evicted.slice(3)], [1, true, ['d', 'e']]);
  });
});

describe('the page API', () => {
  let fixture: PageFixture;
  let noCache: PageFixture;
  before(async () => {
    fixture = await startPageFixture();
    noCache = await startPageFixture({ saveDir: undefined, browser: undefined, featureCache: { maxImages: 1 }, maxPixels: 1_000_000 });
  });
  after(async () => {
    await fixture?.close();
    await noCache?.close();
  });

  const post = (f: PageFixture, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${f.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const upload = async (f: PageFixture, bytes: Buffer, type = 'image/png'): Promise<Response> => fetch(`${f.url}/api/image`, { method: 'POST', headers: { 'content-type': type }, body: bytes });
  const errorOf = async (r: Response): Promise<string> => ((await r.json()) as { error: string }).error;

  it('names an upload by its sha256 and answers a probability map that thresholds to the model mask', async () => {
    const bytes = readFileSync(busiImage());
    const reply = await upload(fixture, bytes);
    assert.equal(reply.status, 200);
    const uploaded = (await reply.json()) as { image: string; width: number; height: number; previewPng?: string };
    const { image, width, height } = uploaded;
    assert.equal(image, (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'));
    assert.equal(uploaded.previewPng, undefined, 'a PNG needs no preview');
    const tiff = await sharp(bytes).tiff().toBuffer();
    const tiffReply = (await (await upload(fixture, tiff, 'image/tiff')).json()) as { width: number; previewPng: string };
    const preview = await decodeGrayImage(Buffer.from(tiffReply.previewPng, 'base64'), 'preview');
    assert.deepEqual([preview.width, preview.height], [width, height], 'a TIFF comes back as a PNG the browser can draw');
    const predicted = await post(fixture, '/api/predict', { image, prompt: 'a malignant tumour' });
    assert.equal(predicted.status, 200);
    const answer = (await predicted.json()) as { probabilityPng: string; width: number; height: number; threshold: number };
    assert.deepEqual([answer.width, answer.height, answer.threshold], [width, height, 0.5]);
    const map = await decodeGrayImage(Buffer.from(answer.probabilityPng, 'base64'), 'map');
    const direct = fixture.models[0]!.predict(await readRgbImage(busiImage()), 'a malignant tumour');
    let differ = 0;
    for (let i = 0; i < map.data.length; i++) if ((map.data[i]! > 127.5 ? 255 : 0) !== direct.mask.data[i]) differ++;
    assert.equal(differ, 0, 'the 8-bit map thresholded at 0.5 is the model mask');
  });

  it('reruns the image encoder only for an image whose features were evicted', async () => {
    const a = ((await (await upload(noCache, readFileSync(busiImage('2_malignant.png')))).json()) as { image: string }).image;
    const b = ((await (await upload(noCache, readFileSync(busiImage('3_malignant.png')))).json()) as { image: string }).image;
    for (const [image, prompt] of [[a, 'one'], [a, 'two'], [b, 'three'], [a, 'four']] as const) assert.equal((await post(noCache, '/api/predict', { image, prompt })).status, 200);
    const stats = (await noCache.stats()).models[0]!;
    assert.deepEqual([stats.imageEncodes, stats.promptRuns, stats.featureHits], [3, 4, 1]);
  });

  it('refuses cross-origin work, non-image uploads and images over the pixel limit', async () => {
    const bytes = readFileSync(busiImage());
    assert.equal((await fetch(`${fixture.url}/api/image`, { method: 'POST', headers: { 'content-type': 'image/png', origin: 'http://evil.example' }, body: bytes })).status, 403);
    assert.equal((await upload(fixture, bytes, 'text/plain')).status, 415);
    const cross = await post(fixture, '/api/compose', { family: 'busi', values: {} }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(cross.status, 403);
    const garbage = await upload(fixture, Buffer.from('not an image'));
    assert.equal(garbage.status, 400);
    assert.match(await errorOf(garbage), /upload a PNG, JPEG, TIFF or WebP image/);
    const big = await sharp({ create: { width: 1200, height: 1000, channels: 3, background: '#000' } }).png().toBuffer();
    const tooMany = await upload(noCache, big);
    assert.equal(tooMany.status, 400);
    assert.match(await errorOf(tooMany), /the image is 1200x1000; the server accepts at most 1000000 pixels/);
    const unknown = await post(fixture, '/api/predict', { image: 'f'.repeat(64), prompt: 'x' });
    assert.equal(unknown.status, 404);
    assert.match(await errorOf(unknown), /upload it again/);
  });

  it('composes chips with the family templates and names a missing or bad chip', async () => {
    const values = { type: 'benign', number: '1', size: 'medium', location: 'center', shape: 'oval' };
    const reply = await post(fixture, '/api/compose', { family: 'busi', values });
    assert.equal(reply.status, 200);
    assert.deepEqual(((await reply.json()) as { prompts: unknown }).prompts, busiPrompts({ ...values, type: 'benign', number: 1 }, 'medvlsm').prompts);
    const missing = await post(fixture, '/api/compose', { family: 'busi', values: { type: 'benign' } });
    assert.equal(missing.status, 400);
    assert.match(await errorOf(missing), /the busi templates need a value for 'number'/);
    const badNumber = await post(fixture, '/api/compose', { family: 'busi', values: { ...values, number: 'many' } });
    assert.match(await errorOf(badNumber), /'number' must be a whole number/);
    const badFamily = await post(fixture, '/api/compose', { family: 'kvasir', values });
    assert.equal(badFamily.status, 400);
  });

  it('suggests chips from the current mask', async () => {
    const { image } = (await (await upload(fixture, readFileSync(busiImage()))).json()) as { image: string };
    const reply = await post(fixture, '/api/chips', { image, model: 0, prompt: 'a malignant tumour', threshold: 0.5, family: 'endoscopy' });
    assert.equal(reply.status, 200);
    const { chips, prompts } = (await reply.json()) as { chips: { name: string; value: string }[]; prompts: Record<string, unknown> };
    assert.deepEqual(chips.map((c) => c.name), ['number', 'size', 'location', 'shape', 'color']);
    assert.match(chips[0]!.value, /^\d+$/);
    assert.ok(typeof prompts['p1'] === 'string' && prompts['p9'] !== undefined);
  });

  it('keeps a result: the record always, the files only with --save-dir', async () => {
    const { image } = (await (await upload(noCache, readFileSync(busiImage()))).json()) as { image: string };
    const reply = await post(noCache, '/api/keep', { image, model: 1, prompt: 'a tumour', threshold: 0.3 });
    assert.equal(reply.status, 200);
    const { record } = (await reply.json()) as { record: { model: { family: string; weightsSha256: string }; threshold: number } };
    assert.equal(record.model.family, 'biomedclipseg');
    assert.equal(record.threshold, 0.3);
    assert.match(record.model.weightsSha256, /^[0-9a-f]{64}$/);
    const refused = await post(noCache, '/api/keep', { image, model: 1, prompt: 'a tumour', save: true });
    assert.equal(refused.status, 409);
    assert.match(await errorOf(refused), /--save-dir/);
  });

  it('serves the dataset routes only with --data, and only images of the dataset', async () => {
    assert.equal((await fetch(`${noCache.url}/api/data/list`)).status, 404);
    const list = (await (await fetch(`${fixture.url}/api/data/list`)).json()) as { items: { name: string; split: string; className: string; attributes: Record<string, string> }[] };
    assert.equal(list.items.length, 12);
    assert.deepEqual(list.items.find((i) => i.name === '4_malignant.png')?.split, 'test');
    assert.ok(list.items.every((i) => i.className === 'malignant' && i.attributes['number'] !== undefined));
    for (const id of [12, -1, 1.5]) {
      const reply = await post(fixture, '/api/data/open', { id });
      assert.equal(reply.status, 400, String(id));
    }
  });
});
