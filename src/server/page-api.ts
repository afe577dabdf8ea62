// The page's own API beside the one-shot /api/segment: an image is uploaded once (POST /api/image,
// the file's bytes) and named by its sha256; prompts then go to POST /api/predict, which answers
// the probability map as an 8-bit PNG, so the page thresholds it itself and the slider costs no
// request. Chips (/api/chips, /api/compose), the dataset browser (/api/data/*), keeping a result
// (/api/keep) and the counters the tests read (/api/stats) live here too.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage, GrayImage } from '../imaging/image-types.js';
import { DECODED_FORMAT_NAMES, decodeRgbImage, readImageHeader } from '../imaging/read-image.js';
import { encodeGrayPng, encodeRgbPng, writeFileAtomic } from '../imaging/write-image.js';
import { packageVersion } from '../package-root.js';
import { parseFamily } from '../prompts/families.js';
import { BoundedLru } from './bounded-lru.js';
import type { DatasetBrowser } from './dataset-browser.js';
import { HttpError, mediaType, parseJsonObject, readBody } from './http-io.js';
import type { ModelSession, ModelStats, ProbabilityMap } from './model-session.js';
import { composePrompts, suggestChips } from './prompt-chips.js';

export interface PageApiOptions {
  sessions: readonly ModelSession[];
  maxUploadBytes: number;
  maxPixels: number;
  /** Runs model work one request at a time. */
  queued<T>(work: () => Promise<T>): Promise<T>;
  browser?: DatasetBrowser;
  /** Folder /api/keep writes into when asked to save. */
  saveDir?: string;
  /** Images kept decoded (default 16) and their byte budget (default 512 MiB). */
  maxImages?: number;
  maxImageBytes?: number;
}

/** What POST /api/predict answers. */
export interface PredictResponse {
  image: string;
  model: number;
  prompt: string;
  width: number;
  height: number;
  /** round(255 · probability), gray PNG at the image's size, base64. */
  probabilityPng: string;
  /** The model's default threshold, where the page's slider starts. */
  threshold: number;
  /** Milliseconds the model took for this prompt. */
  ms: number;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** round(255 p) per pixel: the page's copy of the probabilities. */
export function probabilityBytes(map: ProbabilityMap): GrayImage {
  const data = new Uint8Array(map.probabilities.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(map.probabilities[i]! * 255);
  return { width: map.width, height: map.height, data };
}

/** A gray PNG at zlib level 1: the map goes out on every prompt, so speed beats a few bytes. */
export function fastGrayPng(image: GrayImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 1 } })
    .png({ compressionLevel: 1, adaptiveFiltering: false })
    .toBuffer();
}

/** The 0/255 mask of p > threshold. */
export function maskAt(map: ProbabilityMap, threshold: number): GrayImage {
  const data = new Uint8Array(map.probabilities.length);
  for (let i = 0; i < data.length; i++) data[i] = map.probabilities[i]! > threshold ? 255 : 0;
  return { width: map.width, height: map.height, data };
}

const field = {
  string(body: Record<string, unknown>, name: string, hint: string): string {
    const value = body[name];
    if (typeof value !== 'string') throw new HttpError(400, `${name} is required: ${hint}`);
    return value;
  },
  threshold(body: Record<string, unknown>, fallback: number): number {
    const t = body['threshold'];
    if (t === undefined || t === null) return fallback;
    if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw new HttpError(400, `threshold must be a probability in [0, 1], got ${JSON.stringify(t)}`);
    return t;
  },
  integer(body: Record<string, unknown>, name: string, fallback?: number): number {
    const v = body[name] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new HttpError(400, `${name} must be an integer, got ${JSON.stringify(v)}`);
    return v;
  },
  stringMap(body: Record<string, unknown>, name: string): Record<string, string> {
    const v = body[name] ?? {};
    if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new HttpError(400, `${name} must be an object of strings`);
    return v as Record<string, string>;
  },
};

export class PageApi {
  readonly #images: BoundedLru<RgbImage>;
  readonly #predictions = new BoundedLru<ProbabilityMap>({ maxEntries: 16, maxBytes: 256 * 1024 ** 2, sizeOf: (m) => m.probabilities.byteLength });

  constructor(private readonly o: PageApiOptions) {
    this.#images = new BoundedLru<RgbImage>({ maxEntries: o.maxImages ?? 16, maxBytes: o.maxImageBytes ?? 512 * 1024 ** 2, sizeOf: (im) => im.data.byteLength });
  }

  /** The routes this API answers, by path; each takes the request and returns the JSON answer. */
  readonly routes: Readonly<Record<string, { method: 'GET' | 'POST'; handle(req: http.IncomingMessage, url: URL): Promise<unknown> }>> = {
    '/api/image': { method: 'POST', handle: (req) => this.#upload(req) },
    '/api/predict': { method: 'POST', handle: async (req) => this.#predict(await this.#json(req, '{"image": hash, "prompt": text, "model"?: index}')) },
    '/api/chips': { method: 'POST', handle: async (req) => this.#chips(await this.#json(req, '{"image": hash, "model": index, "prompt": text, "threshold": number, "family": name}')) },
    '/api/compose': { method: 'POST', handle: async (req) => this.#compose(await this.#json(req, '{"family": name, "values": {attribute: value}}')) },
    '/api/keep': { method: 'POST', handle: async (req) => this.#keep(await this.#json(req, '{"image": hash, "model": index, "prompt": text, "threshold": number, "save"?: boolean}')) },
    '/api/stats': { method: 'GET', handle: async () => this.stats() },
    '/api/data/list': { method: 'GET', handle: async () => ({ items: await this.#dataset().list() }) },
    '/api/data/open': { method: 'POST', handle: async (req) => this.#openItem(await this.#json(req, '{"id": index}')) },
  };

  /** Counters per model (image encodes, prompt runs, cache hits) and images held. */
  stats(): { models: ModelStats[]; images: number; imageBytes: number } {
    return { models: this.o.sessions.map((s) => s.stats), images: this.#images.size, imageBytes: this.#images.bytes };
  }

  async #json(req: http.IncomingMessage, shape: string): Promise<Record<string, unknown>> {
    const type = mediaType(req);
    if (type !== 'application/json') throw new HttpError(415, `send the request as application/json, not '${type || 'no content type'}'`);
    return parseJsonObject(await readBody(req, this.o.maxUploadBytes), shape);
  }

  #dataset(): DatasetBrowser {
    if (!this.o.browser) throw new HttpError(404, 'no dataset is being served; start the server with --data ROOT');
    return this.o.browser;
  }

  #session(index: number): ModelSession {
    const session = this.o.sessions[index];
    if (!session) throw new HttpError(400, `model must be an index from 0 to ${this.o.sessions.length - 1}, got ${index}`);
    return session;
  }

  #image(hash: string): RgbImage {
    const image = this.#images.get(hash);
    if (!image) throw new HttpError(404, 'the server no longer holds this image (it keeps the most recent few); upload it again');
    return image;
  }

  async #upload(req: http.IncomingMessage): Promise<{ image: string; width: number; height: number; previewPng?: string }> {
    const type = mediaType(req);
    if (!(type.startsWith('image/') || type === 'application/octet-stream')) throw new HttpError(415, `send the image file itself as image/* or application/octet-stream, not '${type || 'no content type'}'`);
    const bytes = await readBody(req, this.o.maxUploadBytes);
    if (bytes.length === 0) throw new HttpError(400, 'the upload is empty');
    const unreadable = (error: Error): never => {
      throw new HttpError(400, `${error.message}; upload a ${DECODED_FORMAT_NAMES} image`);
    };
    // The header is checked against maxPixels before any pixel is decoded.
    const size = await readImageHeader(bytes, 'the uploaded file').catch(unreadable);
    if (size.width * size.height > this.o.maxPixels) throw new HttpError(400, `the image is ${size.width}x${size.height}; the server accepts at most ${this.o.maxPixels} pixels`);
    const hash = sha256(bytes);
    const image = this.#images.get(hash) ?? (await decodeRgbImage(bytes, 'the uploaded file', { maxPixels: this.o.maxPixels }).catch(unreadable));
    this.#images.set(hash, image);
    // Browsers do not draw TIFF: the page gets the pixels back as PNG to draw its views on.
    const tiff = bytes.subarray(0, 4).equals(Buffer.from('II*\0', 'latin1')) || bytes.subarray(0, 4).equals(Buffer.from('MM\0*', 'latin1'));
    return { image: hash, width: size.width, height: size.height, ...(tiff ? { previewPng: (await encodeRgbPng(image)).toString('base64') } : {}) };
  }

  /** The probability map of a prompt on an image, computed once per (model, image, prompt) among the recent ones. */
  async #probabilities(hash: string, modelIndex: number, prompt: string): Promise<{ map: ProbabilityMap; ms: number }> {
    const session = this.#session(modelIndex);
    const key = `${modelIndex}\u0000${hash}\u0000${prompt}`;
    const known = this.#predictions.get(key);
    if (known) return { map: known, ms: 0 };
    return this.o.queued(async () => {
      const image = this.#image(hash);
      const started = performance.now();
      const map = session.probabilities(hash, image, prompt);
      const ms = performance.now() - started;
      this.#predictions.set(key, map);
      return { map, ms };
    });
  }

  #prompt(body: Record<string, unknown>, session: ModelSession): string {
    const prompt = body['prompt'] ?? '';
    if (typeof prompt !== 'string') throw new HttpError(400, `prompt must be a string, got ${typeof prompt}`);
    if (session.model.usesPrompt && prompt.trim() === '') throw new HttpError(400, 'prompt is empty: type what to look for, e.g. "a malignant tumour"');
    if (prompt.length > 2000) throw new HttpError(400, `prompt is ${prompt.length} characters long; keep it under 2000`);
    return prompt;
  }

  async #predict(body: Record<string, unknown>): Promise<PredictResponse> {
    const hash = field.string(body, 'image', 'the hash /api/image answered');
    const model = field.integer(body, 'model', 0);
    const session = this.#session(model);
    const prompt = this.#prompt(body, session);
    const { map, ms } = await this.#probabilities(hash, model, prompt);
    const png = await fastGrayPng(probabilityBytes(map));
    return { image: hash, model, prompt, width: map.width, height: map.height, probabilityPng: png.toString('base64'), threshold: session.model.threshold, ms: Math.round(ms * 10) / 10 };
  }

  async #chips(body: Record<string, unknown>): Promise<unknown> {
    const hash = field.string(body, 'image', 'the hash /api/image answered');
    const model = field.integer(body, 'model', 0);
    const session = this.#session(model);
    const prompt = this.#prompt(body, session);
    const family = this.#family(body);
    const threshold = field.threshold(body, session.model.threshold);
    const { map } = await this.#probabilities(hash, model, prompt);
    return suggestChips(family, maskAt(map, threshold), this.#image(hash), field.stringMap(body, 'given'));
  }

  #family(body: Record<string, unknown>): string {
    const family = field.string(body, 'family', 'a dataset family (busi, camus, chexlocalize, dfu, endoscopy, isic)');
    try {
      return parseFamily(family, 'family');
    } catch (error) {
      throw new HttpError(400, (error as Error).message);
    }
  }

  async #compose(body: Record<string, unknown>): Promise<unknown> {
    const family = parseFamily(this.#family(body), 'family');
    try {
      return { family, prompts: composePrompts(family, field.stringMap(body, 'values')) };
    } catch (error) {
      throw new HttpError(400, (error as Error).message);
    }
  }

  /** The record of a result (image hash, model, weights hash, prompt, threshold, version); with `save`, the files in --save-dir. */
  async #keep(body: Record<string, unknown>): Promise<unknown> {
    const hash = field.string(body, 'image', 'the hash /api/image answered');
    const model = field.integer(body, 'model', 0);
    const session = this.#session(model);
    const prompt = this.#prompt(body, session);
    const threshold = field.threshold(body, session.model.threshold);
    const { map } = await this.#probabilities(hash, model, prompt);
    const record = {
      image: { sha256: hash, width: map.width, height: map.height },
      model: { name: session.name, family: session.model.family, weightsSha256: await this.o.queued(async () => session.weightsHash) },
      prompt,
      threshold,
      coverage: maskAt(map, threshold).data.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) / map.probabilities.length,
      vlsmVersion: packageVersion(),
      createdAt: new Date().toISOString(),
    };
    if (body['save'] !== true) return { record };
    if (!this.o.saveDir) throw new HttpError(409, 'this server keeps no files; start it with --save-dir DIR, or download the files instead');
    mkdirSync(this.o.saveDir, { recursive: true });
    const base = `${hash.slice(0, 12)}-m${model}-${sha256(Buffer.from(prompt)).slice(0, 8)}`;
    const files = { mask: `${base}.mask.png`, probabilities: `${base}.probabilities.png`, record: `${base}.json` };
    await writeFileAtomic(join(this.o.saveDir, files.mask), await encodeGrayPng(maskAt(map, threshold)));
    await writeFileAtomic(join(this.o.saveDir, files.probabilities), await encodeGrayPng(probabilityBytes(map)));
    await writeFileAtomic(join(this.o.saveDir, files.record), `${JSON.stringify({ ...record, files }, null, 2)}\n`);
    return { record, saved: Object.values(files) };
  }

  /** Opens a dataset image: held like an upload, answered with its pixels, ground truth and details. */
  async #openItem(body: Record<string, unknown>): Promise<unknown> {
    const browser = this.#dataset();
    const id = field.integer(body, 'id');
    let detail, image, mask;
    try {
      [detail, image, mask] = await Promise.all([browser.detail(id), browser.image(id), browser.mask(id)]);
    } catch (error) {
      throw new HttpError(error instanceof RangeError ? 400 : 500, (error as Error).message);
    }
    const imagePng = await encodeRgbPng(image);
    const hash = sha256(imagePng);
    this.#images.set(hash, image);
    return { image: hash, width: image.width, height: image.height, imagePng: imagePng.toString('base64'), maskPng: (await encodeGrayPng(mask)).toString('base64'), detail };
  }
}
