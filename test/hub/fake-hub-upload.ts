// A loopback HTTP server answering the Hub's upload endpoints as huggingface.co does: repository
// creation (409 when it exists), preupload (LFS for files over a size), the LFS batch API (basic
// PUT, or multipart with pre-signed part URLs and a completion call; no actions for objects it
// already holds), verify, and the NDJSON commit. It checks the bearer token and keeps what was
// committed. Nothing leaves 127.0.0.1.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUploadHubOptions {
  token: string;
  /** Files at least this large go through LFS (default 1000 bytes). */
  lfsThreshold?: number;
  /** LFS objects at least this large use multipart with this part size. */
  multipart?: { over: number; chunkSize: number };
  /** Fail the first PUT of these part numbers with HTTP 500 (a dropped part). */
  failPartsOnce?: number[];
}

export interface FakeUploadHub {
  endpoint: string;
  /** Every request: method, path, whether it carried the expected token. */
  log: { method: string; path: string; authorized: boolean }[];
  repos: Map<string, { private: boolean }>;
  /** LFS objects stored, by sha256. */
  objects: Map<string, Buffer>;
  /** Committed files per repository: path → content. */
  committed: Map<string, Map<string, Buffer>>;
  /** Every Authorization header value seen (to check the token only goes where it should). */
  authHeaders: { path: string; value: string | undefined }[];
  close(): Promise<void>;
}

const body = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

const sendJson = (res: ServerResponse, status: number, value: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
};

export async function startFakeUploadHub(o: FakeUploadHubOptions): Promise<FakeUploadHub> {
  const log: FakeUploadHub['log'] = [];
  const authHeaders: FakeUploadHub['authHeaders'] = [];
  const repos = new Map<string, { private: boolean }>();
  const objects = new Map<string, Buffer>();
  const committed = new Map<string, Map<string, Buffer>>();
  const parts = new Map<string, Map<number, Buffer>>();
  const failed = new Set<number>();
  const threshold = o.lfsThreshold ?? 1000;
  let endpoint = '';

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      const authorized = req.headers.authorization === `Bearer ${o.token}`;
      log.push({ method: req.method ?? '', path, authorized });
      authHeaders.push({ path, value: req.headers.authorization });
      const data = await body(req);
      const needsAuth = !path.startsWith('/storage/');
      if (needsAuth && !authorized) return sendJson(res, 401, { error: 'Invalid credentials in Authorization header' });

      if (req.method === 'POST' && path === '/api/repos/create') {
        const { name, organization, private: priv } = JSON.parse(data.toString()) as { name: string; organization: string; private: boolean };
        const id = `${organization}/${name}`;
        if (repos.has(id)) return sendJson(res, 409, { error: 'You already created this model repo', url: `${endpoint}/${id}` });
        repos.set(id, { private: priv });
        return sendJson(res, 200, { url: `${endpoint}/${id}` });
      }
      let m = /^\/api\/models\/([^/]+\/[^/]+)\/preupload\/main$/.exec(path);
      if (req.method === 'POST' && m) {
        if (!repos.has(m[1]!)) return sendJson(res, 404, { error: 'Repository not found' });
        const { files } = JSON.parse(data.toString()) as { files: { path: string; size: number; sample: string }[] };
        return sendJson(res, 200, { files: files.map((f) => ({ path: f.path, uploadMode: f.size >= threshold ? 'lfs' : 'regular', shouldIgnore: false })) });
      }
      m = /^\/([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(path);
      if (req.method === 'POST' && m) {
        const request = JSON.parse(data.toString()) as { objects: { oid: string; size: number }[] };
        const answer = request.objects.map(({ oid, size }) => {
          if (objects.has(oid)) return { oid, size };
          if (o.multipart && size >= o.multipart.over) {
            const count = Math.ceil(size / o.multipart.chunkSize);
            const header: Record<string, string> = { chunk_size: String(o.multipart.chunkSize) };
            for (let i = 1; i <= count; i++) header[String(i)] = `${endpoint}/storage/part/${oid}/${i}`;
            return { oid, size, actions: { upload: { href: `${endpoint}/storage/complete/${oid}`, header }, verify: { href: `${endpoint}/api/lfs/verify` } } };
          }
          return { oid, size, actions: { upload: { href: `${endpoint}/storage/put/${oid}` }, verify: { href: `${endpoint}/api/lfs/verify` } } };
        });
        res.writeHead(200, { 'content-type': 'application/vnd.git-lfs+json' }).end(JSON.stringify({ transfer: o.multipart ? 'multipart' : 'basic', objects: answer }));
        return;
      }
      m = /^\/storage\/put\/([0-9a-f]{64})$/.exec(path);
      if (req.method === 'PUT' && m) {
        if (createHash('sha256').update(data).digest('hex') !== m[1]) return sendJson(res, 400, { error: 'sha256 mismatch' });
        objects.set(m[1]!, data);
        return void res.writeHead(200).end();
      }
      m = /^\/storage\/part\/([0-9a-f]{64})\/(\d+)$/.exec(path);
      if (req.method === 'PUT' && m) {
        const n = Number(m[2]);
        if (o.failPartsOnce?.includes(n) && !failed.has(n)) {
          failed.add(n);
          return void res.writeHead(500).end('storage hiccup');
        }
        if (!parts.has(m[1]!)) parts.set(m[1]!, new Map());
        parts.get(m[1]!)!.set(n, data);
        return void res.writeHead(200, { etag: `"etag-${n}-${data.length}"` }).end();
      }
      m = /^\/storage\/complete\/([0-9a-f]{64})$/.exec(path);
      if (req.method === 'POST' && m) {
        const { parts: list } = JSON.parse(data.toString()) as { parts: { partNumber: number; etag: string }[] };
        const stored = parts.get(m[1]!) ?? new Map<number, Buffer>();
        for (const p of list) if (p.etag !== `"etag-${p.partNumber}-${stored.get(p.partNumber)?.length}"`) return sendJson(res, 400, { error: `bad etag for part ${p.partNumber}` });
        const whole = Buffer.concat(list.map((p) => stored.get(p.partNumber)!));
        if (createHash('sha256').update(whole).digest('hex') !== m[1]) return sendJson(res, 400, { error: 'assembled object has the wrong sha256' });
        objects.set(m[1]!, whole);
        return sendJson(res, 200, {});
      }
      if (req.method === 'POST' && path === '/api/lfs/verify') {
        const { oid } = JSON.parse(data.toString()) as { oid: string };
        return objects.has(oid) ? sendJson(res, 200, {}) : sendJson(res, 404, { error: 'object not found' });
      }
      m = /^\/api\/models\/([^/]+\/[^/]+)\/commit\/main$/.exec(path);
      if (req.method === 'POST' && m) {
        const files = committed.get(m[1]!) ?? new Map<string, Buffer>();
        const lines = data.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
        if (lines[0]?.key !== 'header') return sendJson(res, 400, { error: 'the first line must be the header' });
        for (const { key, value } of lines.slice(1)) {
          if (key === 'file') files.set(String(value.path), Buffer.from(String(value.content), 'base64'));
          else if (key === 'lfsFile') {
            const object = objects.get(String(value.oid));
            if (!object) return sendJson(res, 400, { error: `LFS object ${String(value.oid)} was never uploaded` });
            files.set(String(value.path), object);
          }
        }
        committed.set(m[1]!, files);
        return sendJson(res, 200, { commitUrl: `${endpoint}/${m[1]}/commit/${'c'.repeat(40)}`, commitOid: 'c'.repeat(40) });
      }
      sendJson(res, 404, { error: `no route ${req.method} ${path}` });
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, log, repos, objects, committed, authHeaders, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
