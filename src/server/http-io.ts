// Request and response plumbing of the vlsm server: security headers on every answer, JSON
// answers, bodies read up to a limit (413 beyond it, unread), and the error type that becomes a
// JSON `{error}` answer with its status.
import type http from 'node:http';
import { describeJsonError } from '../json-error.js';
import { formatSize } from '../regular-file.js';

export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

/** An error that becomes a JSON `{error}` response with its status. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export function send(res: http.ServerResponse, status: number, body: Buffer | string, type: string, headers: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'cache-control': 'no-store', ...headers });
}

/** Reads the whole body, or throws 413 as soon as it would pass `limit` (the rest is not read). */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    // A client that stops before its declared length has sent a malformed request, not broken the server.
    req.once('error', (error: NodeJS.ErrnoException) => reject(new HttpError(400, `the request body ended early (${error.code ?? error.message})`)));
  });
}

export function tooLarge(limit: number): HttpError {
  return new HttpError(413, `the upload is larger than the server's limit of ${formatSize(limit)}; send a smaller image or start the server with a larger --max-upload-mb`, { connection: 'close' });
}

/** A JSON object body, or 400 naming what is wrong; `shape` shows the expected form. */
export function parseJsonObject(body: Buffer, shape: string): Record<string, unknown> {
  let value: unknown;
  let text = '';
  try {
    text = body.toString('utf8');
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON (${describeJsonError(error, text)}); send ${shape}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, `the body must be a JSON object ${shape}`);
  return value as Record<string, unknown>;
}

/** The media type of a request, lower case, without parameters. */
export const mediaType = (req: http.IncomingMessage): string => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
