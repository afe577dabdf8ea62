// Test doubles for the Hub: a cache layout built in a temp folder, and a loopback HTTP server that
// answers like huggingface.co (HEAD on resolve/ with X-Repo-Commit and ETag, a redirect to a "CDN"
// path for LFS files, Range requests). Nothing here leaves 127.0.0.1.
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
export const COMMIT_A = 'a'.repeat(40);
export const COMMIT_B = '0123456789abcdef0123456789abcdef01234567';

/** Writes models--ORG--NAME with blobs named by sha256, relative snapshot links and an optional ref. */
export function fakeCache(cacheDir: string, repoId: string, commit: string, files: Record<string, string | Buffer>, ref?: string): string {
  const root = join(cacheDir, `models--${repoId.replace('/', '--')}`);
  for (const [name, content] of Object.entries(files)) {
    const blob = join(root, 'blobs', sha256(content));
    mkdirSync(dirname(blob), { recursive: true });
    writeFileSync(blob, content);
    const pointer = join(root, 'snapshots', commit, name);
    mkdirSync(dirname(pointer), { recursive: true });
    symlinkSync(relative(dirname(pointer), blob), pointer);
  }
  mkdirSync(join(root, 'snapshots', commit), { recursive: true });
  if (ref !== undefined) {
    mkdirSync(join(root, 'refs'), { recursive: true });
    writeFileSync(join(root, 'refs', ref), commit);
  }
  return root;
}

export interface HubFile {
  content: Buffer;
  /** Served through a redirect to /cdn/<sha256> with X-Linked-Etag, as LFS files are. */
  lfs?: boolean;
  /** The etag the HEAD answer announces (default: sha256 for LFS, a git-like id otherwise). */
  etag?: string;
}

export interface FakeHubOptions {
  repoId: string;
  commit: string;
  files: Record<string, HubFile>;
  /** Honour Range headers (default true). */
  ranges?: boolean;
  /** Cut the connection after this many body bytes on the first GET of each file. */
  breakAfter?: number;
  /** Answer every request for the repository with 401 RepoNotFound. */
  missingRepo?: boolean;
}

export interface FakeHub {
  endpoint: string;
  /** Every request: method, path, Range header. */
  log: { method: string; path: string; range?: string }[];
  /** Body bytes written per path. */
  served: Map<string, number>;
  close(): Promise<void>;
}

export async function startFakeHub(o: FakeHubOptions): Promise<FakeHub> {
  const log: FakeHub['log'] = [];
  const served = new Map<string, number>();
  const broken = new Set<string>();
  const byCdn = new Map<string, HubFile>();
  for (const f of Object.values(o.files)) if (f.lfs) byCdn.set(`/cdn/${sha256(f.content)}`, f);

  const sendBody = (req: IncomingMessage, res: ServerResponse, path: string, file: HubFile) => {
    const total = file.content.length;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range && o.ranges !== false) {
      start = Number(range[1]);
      if (start >= total) {
        res.writeHead(416, { 'content-range': `bytes */${total}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': total - start, 'content-range': `bytes ${start}-${total - 1}/${total}` });
    } else {
      res.writeHead(200, { 'content-length': total });
    }
    const body = file.content.subarray(start);
    if (o.breakAfter !== undefined && !broken.has(path)) {
      broken.add(path);
      const part = body.subarray(0, o.breakAfter);
      served.set(path, (served.get(path) ?? 0) + part.length);
      res.write(part, () => res.socket?.destroy());
      return;
    }
    served.set(path, (served.get(path) ?? 0) + body.length);
    res.end(body);
  };

  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    log.push({ method: req.method ?? '', path, ...(req.headers.range ? { range: req.headers.range } : {}) });
    const cdn = byCdn.get(path);
    if (cdn) return sendBody(req, res, path, cdn);
    const prefix = `/${o.repoId}/resolve/`;
    if (!path.startsWith(prefix)) return res.writeHead(404).end();
    if (o.missingRepo) return res.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end();
    const [revision, ...rest] = path.slice(prefix.length).split('/');
    if (revision !== 'main' && revision !== o.commit) return res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end();
    const file = o.files[rest.join('/')];
    if (!file) return res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': o.commit }).end();
    const common = { 'x-repo-commit': o.commit };
    if (file.lfs) {
      res.writeHead(302, {
        ...common,
        location: `/cdn/${sha256(file.content)}`,
        'x-linked-etag': `"${file.etag ?? sha256(file.content)}"`,
        'x-linked-size': String(file.content.length),
      });
      return res.end();
    }
    const etag = file.etag ?? sha256(file.content).slice(0, 40);
    if (req.method === 'HEAD') return res.writeHead(200, { ...common, etag: `"${etag}"`, 'content-length': file.content.length }).end();
    return sendBody(req, res, path, file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
