// Malformed requests to the web server, on raw sockets (a browser or node:http would refuse to send
// most of them): each gets a 4xx answer and one line in the log, never a 5xx or a stack, and the
// server keeps serving. A fast-check property sends random methods, targets, headers and bodies.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { familyNamed } from '../../src/models/registry.js';
import type { SegmentationModel } from '../../src/models/types.js';
import { createServer } from '../../src/server/app.js';

/** A small randomly initialised U-Net: these requests never reach a prediction. */
const TINY_UNET = { encoder_name: 'resnet18', encoder_params: { block: 'basic', layers: [1, 1, 1, 1], width: 8 }, encoder_weights: null, decoder_channels: [32, 16, 8, 8, 8] };

interface RawReply {
  /** The status code, or 0 when the connection closed without an answer. */
  status: number;
  text: string;
}

/** Writes `bytes` on a fresh connection and reads until the server closes it (5 s at most). */
function rawRequest(port: number, bytes: string | Buffer): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer within 5 s to ${JSON.stringify(String(bytes).slice(0, 80))}`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
      resolve({ status: status ? Number(status[1]) : 0, text });
    });
    socket.end(bytes);
  });
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;

/** Runs `work` with console.error collected instead of printed. */
async function logged<T>(work: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  try {
    return { value: await work(), lines };
  } finally {
    console.error = original;
  }
}

describe('vlsm web server: malformed requests', () => {
  let model: SegmentationModel;
  let server: http.Server;
  let port: number;

  before(async () => {
    model = familyNamed('unet').scratch!(TINY_UNET, [32, 32]);
    server = createServer({ model, port: 0 });
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    model.dispose();
  });

  it('answers a malformed absolute request URL with 400 and one log line, then keeps serving', async () => {
    const { value: reply, lines } = await logged(() => rawRequest(port, get('http://[bad/')));
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /"error":"the request URL is malformed"/);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^vlsm server: 400 GET "http:\/\/\[bad\/": the request URL is malformed$/);
    assert.equal((await rawRequest(port, get('/api/info'))).status, 200);
  });

  it('answers a bad method, bad headers, bad framing and bad percent-encoding with 4xx and one log line each', async () => {
    const cases: [string, string | Buffer, number][] = [
      ['unknown method', 'FROB / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400],
      ['control byte in a header', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\x01b\r\n\r\n', 400],
      ['header without a colon', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nnot a header\r\n\r\n', 400],
      ['not HTTP at all', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x0d, 0x0a, 0x0d, 0x0a]), 400],
      ['two content lengths', 'POST /api/segment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 400],
      ['broken chunked body', 'POST /api/segment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400],
      ['a body shorter than declared', 'POST /api/segment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"image":', 400],
    ];
    for (const [name, bytes, status] of cases) {
      const { value: reply, lines } = await logged(() => rawRequest(port, bytes));
      assert.equal(reply.status, status, `${name}: ${reply.text}`);
      assert.equal(lines.length, 1, `${name}: ${JSON.stringify(lines)}`);
      assert.match(lines[0]!, /^vlsm server: 4\d\d /, name);
    }
    const percent = await rawRequest(port, get('/%zz%/%E0%A4%A'));
    assert.equal(percent.status, 404, percent.text);
    assert.equal((await rawRequest(port, get('/api/info'))).status, 200);
  });

  it('answers a multipart upload with 415 and malformed JSON with 400, quoting none of the body', async () => {
    const multipart = '--x\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nSECRET\r\n--x--\r\n';
    const asForm = await rawRequest(port, `POST /api/segment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: ${multipart.length}\r\nConnection: close\r\n\r\n${multipart}`);
    assert.equal(asForm.status, 415, asForm.text);
    const body = 'SECRET, not JSON';
    const { value: asJson, lines } = await logged(() => rawRequest(port, `POST /api/segment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
    assert.equal(asJson.status, 400, asJson.text);
    assert.match(asJson.text, /the body is not valid JSON \(unexpected character\)/);
    assert.ok(!asJson.text.includes('SECRET') && !lines.join('\n').includes('SECRET'), `${asJson.text}\n${lines.join('\n')}`);
  });

  it('never answers 5xx to random methods, targets, headers and bodies, and stays up (fast-check, seed 1206, 150 runs)', async () => {
    const token = fc.stringMatching(/^[A-Za-z!#$%&'*+.^_`|~-]{1,10}$/);
    // Mostly well-formed pieces, so that requests get past the HTTP parser to the routes; some not.
    const printable = fc.stringMatching(/^[ -~]{0,24}$/);
    const method = fc.oneof({ arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'), weight: 6 }, token, fc.string({ maxLength: 8 }));
    const target = fc.oneof(
      { arbitrary: fc.constantFrom('/', '/api/segment', '/api/info', '/app.js', '/style.css', '/favicon.ico', '*', 'http://127.0.0.1/api/info', 'http://[::1/', '//x', '/%', '/%zz', '/?a=%'), weight: 4 },
      { arbitrary: fc.webPath(), weight: 3 },
      fc.webUrl(),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    );
    const header = fc.tuple(
      fc.oneof({ arbitrary: fc.constantFrom('Content-Type', 'Content-Length', 'Transfer-Encoding', 'Expect', 'Host', 'Accept', 'Upgrade', 'Range'), weight: 3 }, token),
      fc.oneof({ arbitrary: fc.constantFrom('application/json', 'multipart/form-data', 'chunked', '100-continue', '12', '0', '-1', 'websocket', 'localhost', 'evil.example'), weight: 3 }, printable, fc.string({ unit: 'binary-ascii', maxLength: 20 })),
    );
    const request = fc.record({ method, target, headers: fc.array(header, { maxLength: 4 }), body: fc.string({ unit: 'binary-ascii', maxLength: 40 }) });
    const statuses = new Map<number, number>();
    await logged(() =>
      fc.assert(
        fc.asyncProperty(request, async (r) => {
          const length = r.body.length > 0 ? [`Content-Length: ${r.body.length}`] : [];
          const head = [`${r.method} ${r.target} HTTP/1.1`, 'Host: 127.0.0.1', ...r.headers.map(([k, v]) => `${k}: ${v}`), ...length, 'Connection: close'].join('\r\n');
          const reply = await rawRequest(port, `${head}\r\n\r\n${r.body}`);
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          assert.ok(reply.status < 500, `${reply.status} for ${JSON.stringify(head)}: ${reply.text.slice(0, 300)}`);
        }),
        { seed: 1206, numRuns: 150 },
      ),
    );
    assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0, `a spread of answers: ${JSON.stringify([...statuses])}`);
    assert.equal((await rawRequest(port, get('/api/info'))).status, 200);
  });
});
