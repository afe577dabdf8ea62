// The web face of vlsm: a clinician uploads an image, types what they are looking for, and sees the
// mask over the image. node:http only. It binds to localhost unless told otherwise, refuses bodies
// over `maxUploadBytes` without reading them, serves a fixed allow-list of its own files (never a
// path taken from the URL) and runs one prediction at a time, since a model is not re-entrant.
// A malformed request (URL, method, headers, body) gets a 4xx answer and one line in the log.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import sharp from 'sharp';
import { overlay } from '../imaging/overlay.js';
import { DEFAULT_IMAGE_LIMITS } from '../imaging/image-limits.js';
import { DECODED_FORMAT_NAMES, decodeRgbImage, readImageHeader } from '../imaging/read-image.js';
import { HttpError, parseJsonObject, readBody, send, sendJson } from './http-io.js';
import { encodeGrayPng, encodeRgbPng } from '../imaging/write-image.js';
import type { Resample } from '../models/resample.js';
import type { SegmentationModel } from '../models/types.js';
import { packageRoot, packageVersion } from '../package-root.js';
import { FAMILIES, type Family } from '../prompts/families.js';
import type { DatasetBrowser } from './dataset-browser.js';
import { ModelSession, type FeatureCacheLimits } from './model-session.js';
import { PageApi } from './page-api.js';

export interface ServerOptions {
  /** The model /api/segment uses, and the page's first. */
  model: SegmentationModel;
  /** Every model the page offers, by name (the first is `model`); default just `model`, named by its family. */
  models?: readonly { name: string; model: SegmentationModel }[];
  /** A dataset to browse from the page (`vlsm serve --data ROOT`). */
  browser?: DatasetBrowser;
  /** The dataset family whose prompt templates the chips start with (default busi). */
  promptFamily?: Family;
  /** Where "Save on the server" writes (`--save-dir`); without it the page offers downloads only. */
  saveDir?: string;
  /** Images whose features stay cached per model (default 8) and their byte budget (default 1 GiB). */
  featureCache?: FeatureCacheLimits;
  /** Interface to bind; loopback by default. */
  host?: string;
  /** Port to listen on; 0 picks a free one (read it from `server.address()`). Default 8080. */
  port?: number;
  /** Largest accepted request body in bytes (default 20 MiB); larger ones get 413 unread. */
  maxUploadBytes?: number;
  /** Largest decoded image in pixels (default 40 megapixels), checked from its header. */
  maxPixels?: number;
  /** How logits return to the image's size (default: the model family's, `model.resample`). */
  resample?: Resample;
}

/** The response of `POST /api/segment`. */
export interface SegmentResponse {
  width: number;
  height: number;
  /** 0/255 mask at the image's size, PNG, base64. */
  maskPng: string;
  /** The image with the mask tinted over it and its contour, PNG, base64. */
  overlayPng: string;
  /** Share of the image inside the mask, in [0, 1]. */
  coverage: number;
  /** The threshold that was applied. */
  threshold: number;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
const DEFAULT_MAX_PIXELS = DEFAULT_IMAGE_LIMITS.maxPixels;

/** The files under src/web that are served, by URL path. Nothing else on disk is reachable. */
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/api-client.js': { file: 'api-client.js', type: 'text/javascript; charset=utf-8' },
  '/mask-view.js': { file: 'mask-view.js', type: 'text/javascript; charset=utf-8' },
  '/chips.js': { file: 'chips.js', type: 'text/javascript; charset=utf-8' },
  '/compare.js': { file: 'compare.js', type: 'text/javascript; charset=utf-8' },
  '/browse.js': { file: 'browse.js', type: 'text/javascript; charset=utf-8' },
  '/keep.js': { file: 'keep.js', type: 'text/javascript; charset=utf-8' },
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for an address that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The directory the page's files are read from. */
export const webRoot = (): string => join(packageRoot(), 'src', 'web');

function loadStaticFiles(): Map<string, { body: Buffer; type: string }> {
  const root = webRoot();
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(STATIC_FILES)) {
    try {
      out.set(path, { body: readFileSync(join(root, file)), type });
    } catch (error) {
      throw new Error(`vlsm server: cannot read the page file ${join(root, file)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
    }
  }
  return out;
}

interface SegmentRequest {
  image: Buffer;
  prompt: string;
  threshold: number | undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Validates `{image: base64 | data URL, prompt, threshold?}`, naming the field at fault. */
function parseSegmentRequest(body: Buffer, model: SegmentationModel): SegmentRequest {
  const { image, prompt, threshold } = parseJsonObject(body, '{"image": base64, "prompt": text, "threshold"?: number}');
  if (typeof image !== 'string' || image.length === 0) throw new HttpError(400, 'image is required: the image file as a base64 string (or a data: URL)');
  const encoded = image.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) throw new HttpError(400, 'image is not valid base64');
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length === 0) throw new HttpError(400, 'image is empty');
  if (prompt === undefined && model.usesPrompt) throw new HttpError(400, 'prompt is required: type what to look for, e.g. "a malignant tumour"');
  if (prompt !== undefined && typeof prompt !== 'string') throw new HttpError(400, `prompt must be a string, got ${typeof prompt}`);
  if (model.usesPrompt && (prompt ?? '').trim() === '') throw new HttpError(400, 'prompt is empty: type what to look for, e.g. "a malignant tumour"');
  if (threshold !== undefined && threshold !== null && (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1))) {
    throw new HttpError(400, `threshold must be a probability in [0, 1], got ${JSON.stringify(threshold)}`);
  }
  return { image: bytes, prompt: typeof prompt === 'string' ? prompt : '', threshold: typeof threshold === 'number' ? threshold : undefined };
}

/** The path of a request target: origin form ("/a?b") or absolute form ("http://host/a"); else 400. */
function requestPath(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    throw new HttpError(400, 'the request URL is malformed');
  }
}

const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADERS_TIMEOUT: '408 Request Timeout',
};

/**
 * A request node's HTTP parser refused (bad method, bad header, bad framing): one log line and a
 * 4xx answer on the raw socket, as Node's default handler does but without a silent close.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // The peer went away: nothing to answer and nothing worth a log line.
  const inFlight = (socket as { _httpMessage?: http.ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return void socket.destroy();
  const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request';
  console.error(`vlsm server: ${status.slice(0, 3)} malformed request refused (${error.code ?? error.message})`);
  const body = JSON.stringify({ error: `malformed request (${error.code ?? 'unparsable'})` });
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** 403 for a request a browser sent from another origin (same-origin requests carry none or ours). */
function checkSameOrigin(req: http.IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new HttpError(403, `cross-site requests are refused (Sec-Fetch-Site: ${site})`);
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host = '';
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, `the Origin header ${JSON.stringify(origin)} is malformed`);
  }
  if (host !== req.headers.host) throw new HttpError(403, `requests from ${origin} are refused; this server answers its own page only`);
}

/**
 * Starts the vlsm web server and returns it, listening (await its 'listening' event for the port).
 *
 * Routes: `GET /` (the page) and its files, `GET /api/info`, `POST /api/segment` with a JSON body
 * `{image: base64, prompt, threshold?}` (one-shot), and the page's API (server/page-api.ts):
 * `POST /api/image`, `/api/predict`, `/api/chips`, `/api/compose`, `/api/keep`, `/api/data/open`,
 * `GET /api/data/list`, `/api/stats`.
 *
 * @example
 * const server = createServer({ model: await load('CIDAS/clipseg-rd64-refined'), port: 8080 });
 */
export function createServer(options: ServerOptions): http.Server {
  const { model, host = '127.0.0.1', port = 8080, maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES, maxPixels = DEFAULT_MAX_PIXELS, resample = model.resample } = options;
  if (!(Number.isInteger(maxUploadBytes) && maxUploadBytes > 0)) throw new RangeError(`maxUploadBytes must be a positive integer, got ${maxUploadBytes}`);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new RangeError(`port must be an integer in [0, 65535], got ${port}`);
  const files = loadStaticFiles();
  const loopbackOnly = isLoopback(host);

  // One prediction at a time: each request's work waits for the previous one to settle.
  let tail: Promise<unknown> = Promise.resolve();
  const queued = <T>(work: () => Promise<T>): Promise<T> => {
    const next = tail.then(work);
    tail = next.catch(() => undefined);
    return next;
  };
  const sessions = (options.models ?? [{ name: model.family, model }]).map(({ name, model: m }) => new ModelSession(name, m, m === model ? resample : m.resample, options.featureCache));
  if (sessions[0]?.model !== model) throw new RangeError('createServer: models[0] must be the same model as `model`');
  const api = new PageApi({ sessions, maxUploadBytes, maxPixels, queued, browser: options.browser, saveDir: options.saveDir });
  const info = {
    family: model.family, inputSize: model.inputSize, threshold: model.threshold, resample, usesPrompt: model.usesPrompt, maxUploadBytes,
    models: sessions.map((s) => ({ name: s.name, family: s.model.family, inputSize: s.model.inputSize, threshold: s.model.threshold, usesPrompt: s.model.usesPrompt, cachesImages: s.cachesImages })),
    promptFamilies: FAMILIES, promptFamily: options.promptFamily ?? 'busi',
    dataset: options.browser ? { images: options.browser.size, family: options.browser.family ?? null, scores: options.browser.dbPath !== undefined } : null,
    saveDir: options.saveDir !== undefined, version: packageVersion(),
  };

  async function segment(req: http.IncomingMessage): Promise<SegmentResponse> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, `send the request as application/json, not '${type || 'no content type'}'`);
    const request = parseSegmentRequest(await readBody(req, maxUploadBytes), model);
    return queued(async () => {
      const unreadable = (error: Error): never => {
        throw new HttpError(400, `${error.message}; upload a ${DECODED_FORMAT_NAMES} image`);
      };
      // The header is checked against maxPixels before any pixel is decoded.
      const size = await readImageHeader(request.image, 'the uploaded image').catch(unreadable);
      if (size.width * size.height > maxPixels) throw new HttpError(400, `the image is ${size.width}x${size.height}; the server accepts at most ${maxPixels} pixels`);
      const image = await decodeRgbImage(request.image, 'the uploaded image', { maxPixels }).catch(unreadable);
      const threshold = request.threshold ?? model.threshold;
      const { mask } = model.predict(image, request.prompt, { threshold, resample });
      let inside = 0;
      for (const v of mask.data) if (v > 0) inside++;
      const [maskPng, overlayPng] = await Promise.all([encodeGrayPng(mask), encodeRgbPng(overlay(image, mask))]);
      return { width: mask.width, height: mask.height, maskPng: maskPng.toString('base64'), overlayPng: overlayPng.toString('base64'), coverage: inside / mask.data.length, threshold };
    });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A page on another site that rebinds its name to 127.0.0.1 still sends its own Host.
    if (loopbackOnly) {
      const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!isLoopback(hostHeader)) throw new HttpError(403, `this server answers only to localhost, not '${hostHeader}'`);
    }
    const path = requestPath(req.url);
    const method = req.method ?? 'GET';
    // Only the page itself may send work: a browser names another site in Origin / Sec-Fetch-Site.
    if (method !== 'GET' && method !== 'HEAD') checkSameOrigin(req);
    const file = files.get(path);
    if (file) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed on ${path}; use GET`, { allow: 'GET, HEAD' });
      return send(res, 200, file.body, file.type, { 'cache-control': 'no-cache' });
    }
    if (path === '/api/info') {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed on ${path}; use GET`, { allow: 'GET, HEAD' });
      return sendJson(res, 200, info);
    }
    const route = api.routes[path];
    if (route) {
      if (method !== route.method && !(route.method === 'GET' && method === 'HEAD')) throw new HttpError(405, `${method} is not allowed on ${path}; use ${route.method}`, { allow: route.method === 'GET' ? 'GET, HEAD' : 'POST' });
      return sendJson(res, 200, await route.handle(req, new URL(req.url ?? '/', 'http://localhost')));
    }
    if (path === '/api/segment') {
      if (method !== 'POST') throw new HttpError(405, `${method} is not allowed on ${path}; use POST`, { allow: 'POST' });
      return sendJson(res, 200, await segment(req));
    }
    throw new HttpError(404, `no such page: ${path}`);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The client left, or the HTTP parser refused the rest of the request and answered already.
      if (req.socket.destroyed) return void res.destroy();
      const e = error instanceof HttpError ? error : new HttpError(500, `segmentation failed: ${(error as Error).message}`);
      // A missing page is routine (a browser asks for /favicon.ico); anything else refused is logged.
      if (e.status !== 404) console.error(`vlsm server: ${e.status} ${req.method ?? '?'} ${JSON.stringify(req.url ?? '')}: ${e.message}`);
      if (res.headersSent) return void res.destroy();
      sendJson(res, e.status, { error: e.message }, e.headers);
      // A refused upload is not read further: the connection closes once the answer is out.
      if (e.status === 413) res.once('finish', () => req.destroy());
    });
  });
  server.on('clientError', answerClientError);
  server.once('close', () => sessions.forEach((s) => s.clearCache()));
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  server.listen(port, host);
  return server;
}
