// The page end to end in Debian's Chromium, driven by playwright-core (no browser download):
// upload, type, mask; a second prompt reuses the image's features (server counter); the threshold
// slider redraws without a request; views; chips composing the BUSI templates; history; compare;
// the dataset browser with ground truth, Dice and stored scores; keeping the result; visible errors
// for a non-image, an undecodable and an oversized upload; and no console errors throughout.
// Chromium runs headless with Playwright's default --no-sandbox: its sandbox cannot start as root
// inside a container, and the page under test is our own, served on loopback.
// With VLSM_PAGE_SCREENSHOTS=DIR set, each view is also saved there as a PNG.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { busiPrompts } from '../../src/prompts/busi-templates.js';
import { packageVersion } from '../../src/package-root.js';
import { busiImage, startPageFixture, type PageFixture } from './page-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const shots = process.env.VLSM_PAGE_SCREENSHOTS;

async function screenshot(page: Page, name: string): Promise<void> {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

describe('the vlsm page in Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  let fixture: PageFixture;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  /** Console errors a test expects: the browser's own line for a refused (4xx) request. */
  let allowRefusals = false;

  const watch = (p: Page): void => {
    p.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (allowRefusals && /Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) return;
      consoleErrors.push(message.text());
    });
    p.on('pageerror', (error) => consoleErrors.push(error.message));
  };
  const text = async (selector: string): Promise<string> => (await page.locator(selector).textContent()) ?? '';
  /** Waits until `selector`'s text matches. */
  // The tests compile without the DOM library, so browser-side code names the document it reads.
  // (A string predicate would be an eval, which the page's Content-Security-Policy refuses.)
  const waitForText = (selector: string, pattern: RegExp, p: Page = page): Promise<unknown> =>
    p.waitForFunction(([s, source, flags]) => {
      const { document } = globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } };
      return new RegExp(source!, flags).test(document.querySelector(s!)?.textContent ?? '');
    }, [selector, pattern.source, pattern.flags]);
  const maskArea = async (selector: string): Promise<number> => Number(await page.locator(selector).getAttribute('data-mask-area'));

  before(async () => {
    fixture = await startPageFixture();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
    watch(page);
    await page.goto(fixture.url);
    await waitForText('#model-info', /clipseg-tiny/);
  });
  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('labels every control: Image, the prompt, a Segment button', async () => {
    assert.equal(await page.getByLabel(/Image/).first().getAttribute('type'), 'file');
    assert.equal(await page.getByLabel(/prompt|looking for/i).first().getAttribute('id'), 'prompt-input');
    assert.equal(await page.getByRole('button', { name: 'Segment', exact: true }).count(), 1);
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select')]
      .filter((input) => input.labels.length === 0 && !input.getAttribute('aria-label')).map((input) => input.id || input.name)`);
    assert.deepEqual(unlabelled, []);
  });

  it('uploads, follows typing, shows a mask; a second prompt does not re-encode the image', async () => {
    await page.locator('#image-input').setInputFiles(busiImage());
    await waitForText('#status', /Loaded 1_malignant\.png/);
    await page.locator('#prompt-input').fill('a malignant tumour');
    await waitForText('#status', /Segmented “a malignant tumour”/);
    assert.match(await page.locator('#result-image').getAttribute('alt') ?? '', /mask/);
    assert.match(await page.locator('#mask-image').getAttribute('alt') ?? '', /mask/);
    assert.match(await text('#coverage'), /The mask covers \d+\.\d% of the \d+×\d+ image/);
    const firstMap = await page.locator('#download-probabilities').getAttribute('href');
    let stats = await fixture.stats();
    assert.deepEqual([stats.models[0]!.imageEncodes, stats.models[0]!.promptRuns], [1, 1]);

    await page.locator('#prompt-input').fill('two small benign tumours at the top left');
    await waitForText('#status', /Segmented “two small benign tumours at the top left”/);
    assert.notEqual(await page.locator('#download-probabilities').getAttribute('href'), firstMap, 'the probability map changed with the prompt');
    stats = await fixture.stats();
    assert.deepEqual([stats.models[0]!.imageEncodes, stats.models[0]!.promptRuns, stats.models[0]!.featureHits], [1, 2, 1]);
    await screenshot(page, 'overlay');
  });

  it('moves the threshold from the keyboard and redraws the mask without a request', async () => {
    const requests: Request[] = [];
    const record = (r: Request): void => void requests.push(r);
    page.on('request', record);
    await page.locator('#threshold-input').focus();
    await page.keyboard.press('Home');
    await waitForText('#threshold-value', /^0\.00$/);
    const all = await maskArea('#result-image');
    await page.keyboard.press('End');
    await waitForText('#threshold-value', /^1\.00$/);
    const none = await maskArea('#result-image');
    page.off('request', record);
    assert.ok(all > none, `area at threshold 0 (${all}) > at 1 (${none})`);
    assert.equal(none, 0);
    assert.deepEqual(requests.map((r) => r.url()), []);
    await page.locator('#threshold-input').fill('0.5');
  });

  it('shows the heatmap with its colour bar and the contour view', async () => {
    await page.getByLabel('Probability heatmap').check();
    await page.locator('#colour-bar').waitFor({ state: 'visible' });
    assert.match(await page.locator('#result-image').getAttribute('alt') ?? '', /heatmap of the predicted mask/);
    await screenshot(page, 'heatmap');
    await page.getByLabel('Contour').check();
    await waitForText('#result-caption', /Mask contour/);
    assert.ok(await page.locator('#colour-bar').isHidden());
    await screenshot(page, 'contour');
    await page.getByLabel('Overlay').check();
  });

  it('composes the BUSI template prompt from edited chips and re-applies history', async () => {
    await page.locator('#chip-shape').waitFor();
    const chips = { type: 'malignant' as const, number: '2', size: 'small', location: 'top left', shape: 'oval' };
    for (const [name, value] of Object.entries(chips)) await page.locator(`#chip-${name}`).fill(value);
    const expected = busiPrompts({ ...chips, number: 2 }, 'medvlsm').prompts;
    await waitForText('#template-select', new RegExp(`P4: ${(expected.p4 as string[])[0]!}`));
    await page.locator('#template-select').selectOption('p4');
    assert.equal(await text('#template-name'), 'P4');
    assert.equal(await text('#composed-prompt'), (expected.p4 as string[])[0]);
    assert.equal((expected.p4 as string[])[0], 'Two small malignant tumors in the breast ultrasound image.');
    await screenshot(page, 'chips');
    await page.getByRole('button', { name: 'Use this prompt' }).click();
    await waitForText('#status', /Segmented “Two small malignant tumors in the breast ultrasound image\.”/);
    assert.equal(await page.locator('#prompt-input').inputValue(), 'Two small malignant tumors in the breast ultrasound image.');
    await page.getByRole('button', { name: 'Use the prompt again: a malignant tumour' }).click();
    await waitForText('#status', /Segmented “a malignant tumour”/);
    assert.equal(await page.locator('#prompt-input').inputValue(), 'a malignant tumour');
  });

  it('runs from the keyboard alone: Tab to the prompt, type, Enter', async () => {
    await page.locator('#model-select').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.id'), 'prompt-input');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('a dark round patch');
    await page.keyboard.press('Enter');
    await waitForText('#status', /Segmented “a dark round patch”/);
  });

  it('keeps the result: mask and record downloads, and a save on the server', async () => {
    const maskDownload = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download mask (PNG)' }).click();
    const maskFile = await (await maskDownload).path();
    const { width, height } = await sharp(maskFile).metadata();
    assert.deepEqual([width, height], await page.evaluate(`[document.getElementById('mask-image').naturalWidth, document.getElementById('mask-image').naturalHeight]`));
    const recordDownload = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download record (JSON)' }).click();
    const record = JSON.parse(readFileSync(await (await recordDownload).path(), 'utf8')) as Record<string, any>;
    assert.equal(record.prompt, 'a dark round patch');
    assert.equal(record.threshold, 0.5);
    assert.equal(record.vlsmVersion, packageVersion());
    assert.equal(record.model.family, 'clipseg');
    assert.match(record.model.weightsSha256, /^[0-9a-f]{64}$/);
    assert.match(record.image.sha256, /^[0-9a-f]{64}$/);
    await page.getByRole('button', { name: 'Save on the server' }).click();
    await waitForText('#status', /Saved on the server/);
    assert.deepEqual(readdirSync(fixture.saveDir).map((f) => f.replace(/^[0-9a-f]{12}-m0-[0-9a-f]{8}/, '')).sort(), ['.json', '.mask.png', '.probabilities.png']);
  });

  it('compares two models side by side with the Dice between their masks', async () => {
    await page.getByRole('button', { name: 'Compare view' }).click();
    await page.locator('#compare-model-b').selectOption('1');
    await page.locator('#compare-prompt-a').fill('a malignant tumour');
    await page.locator('#compare-prompt-b').fill('a malignant tumour');
    await page.locator('#compare-form button[type="submit"]').click();
    await waitForText('#compare-dice', /Dice between the two masks: \d\.\d{3}/);
    for (const side of ['a', 'b']) {
      assert.match(await page.locator(`#compare-image-${side}`).getAttribute('alt') ?? '', /mask/);
      assert.ok(Number.isInteger(await maskArea(`#compare-image-${side}`)));
    }
    assert.match(await text('#compare-caption-b'), /biomedclipseg-tiny/);
    await screenshot(page, 'compare');
  });

  it('browses the BUSI sample: filters, opens an image with ground truth, prompts, Dice and stored scores', async () => {
    await page.getByRole('button', { name: 'Browse dataset' }).click();
    await waitForText('#browse-count', /^12 of 12 images$/);
    await page.locator('#browse-split').selectOption('test');
    await waitForText('#browse-count', /^1 of 12 images$/);
    await page.locator('#browse-split').selectOption('');
    await page.locator('#browse-search').fill('4_mal');
    await waitForText('#browse-count', /^1 of 12 images$/);
    await page.getByRole('button', { name: /Open 4_malignant\.png/ }).click();
    await waitForText('#browse-dice', /Dice against the ground truth: \d\.\d{3}/);
    assert.ok((await maskArea('#browse-gt')) > 0, 'the ground truth has pixels');
    assert.match(await page.locator('#browse-gt').getAttribute('alt') ?? '', /mask/);
    const options = await page.locator('#browse-prompt option').allTextContents();
    assert.ok(options.some((o) => o.startsWith('P1: Tumor in the breast ultrasound image.')), options.join(' | '));
    assert.ok(options.some((o) => o.startsWith('P6')), 'P6 is offered');
    assert.match(await text('#browse-scores tbody'), /tiny zero-shot.*busi.*P1.*0\.625/s);
    await screenshot(page, 'browse');
  });

  it('shows a visible error for a non-image, an undecodable and an oversized upload', async () => {
    allowRefusals = true;
    await page.getByRole('button', { name: 'Segment view' }).click();
    const dir = fixture.scratch;
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    await page.locator('#image-input').setInputFiles(join(dir, 'notes.txt'));
    await waitForText('#error', /notes\.txt is not an image/);
    writeFileSync(join(dir, 'broken.png'), 'not a png at all');
    await page.locator('#image-input').setInputFiles(join(dir, 'broken.png'));
    await waitForText('#error', /broken\.png: .*upload a PNG, JPEG, TIFF or WebP image/);
    const noise = Buffer.alloc(800 * 800 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    await sharp(noise, { raw: { width: 800, height: 800, channels: 3 } }).png({ compressionLevel: 0 }).toFile(join(dir, 'huge.png'));
    await page.locator('#image-input').setInputFiles(join(dir, 'huge.png'));
    await waitForText('#error', /huge\.png is \d+\.\d MiB; this server accepts images up to 1\.0 MiB/);
    assert.ok(await page.locator('#error').isVisible());
    assert.equal(await page.locator('#error').getAttribute('role'), 'alert');
    await screenshot(page, 'error');
    allowRefusals = false;
  });

  it('logged no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
