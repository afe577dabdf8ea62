// Downloading one file of a Hub repository into the cache layout, resumably.
//
// This follows huggingface_hub's file_download.py rather than @huggingface/hub's
// downloadFileToCacheDir (2.17.5), which restarts an interrupted download from zero, reports no
// progress, names the snapshot after the file's last commit instead of the revision's commit and
// writes no refs file, so its cache differs from the one Python tools read:
// 1. HEAD <endpoint>/ORG/NAME/resolve/<revision>/<file> without following the redirect to the CDN:
//    X-Repo-Commit is the commit, X-Linked-Etag (LFS: the sha256) or ETag names the blob,
//    X-Linked-Size or Content-Length its size, Location where the bytes are.
// 2. GET the bytes into blobs/<etag>.incomplete, asking with Range for what is still missing; a 200
//    answer (Range ignored) starts over.
// 3. Check the size (and the sha256 when the etag is one), rename to blobs/<etag>, and link
//    snapshots/<commit>/<file> -> ../../blobs/<etag> (relative, as Python does).

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, symlink, lstat, copyFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { CheckpointError } from '../errors.js';
import { isFile, type RepoCache } from './cache-layout.js';
import type { Progress } from './progress.js';

/** The subset of the global fetch that vlsm uses; tests inject their own. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface HubFileRequest {
  repoId: string;
  /** A branch, tag or commit hash. */
  revision: string;
  file: string;
  cache: RepoCache;
  endpoint: string;
  token?: string;
  fetch: FetchLike;
  /** Makes a progress reporter for one file; undefined for none. */
  progress?: (label: string, total: number | undefined, resumedFrom: number) => Progress;
}

export type HubFileResult = { found: true; path: string; commit: string } | { found: false; commit?: string };

interface FileMetadata {
  commit: string;
  etag: string;
  size: number | undefined;
  url: string;
  sameOrigin: boolean;
}

const MAX_RELATIVE_REDIRECTS = 10;

/** The URL of a file at a revision (the revision and every path part percent-encoded). */
export function resolveUrl(endpoint: string, repoId: string, revision: string, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${repoId}/resolve/${encodeURIComponent(revision)}/${path}`;
}

/**
 * Makes `file` present in the cache, downloading what is missing; `{found: false}` when the
 * revision has no such file (so a caller can try the next preferred name).
 */
export async function downloadToCache(req: HubFileRequest): Promise<HubFileResult> {
  const meta = await fetchMetadata(req);
  if ('missing' in meta) return { found: false, commit: meta.commit };
  const blob = req.cache.blobPath(meta.etag);
  if (!isFile(blob)) await downloadBlob(req, meta, blob);
  const pointer = join(req.cache.snapshotDir(meta.commit), ...req.file.split('/'));
  await linkPointer(pointer, blob);
  return { found: true, path: pointer, commit: meta.commit };
}

function authHeaders(req: HubFileRequest): Record<string, string> {
  return req.token ? { authorization: `Bearer ${req.token}` } : {};
}

async function callFetch(req: HubFileRequest, url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await req.fetch(url, init);
  } catch (cause) {
    const detail = (cause as Error).cause instanceof Error ? `: ${((cause as Error).cause as Error).message}` : '';
    throw new CheckpointError(
      `${what} ${req.repoId}/${req.file}: request to ${url} failed (${(cause as Error).message}${detail}); ` +
        'check the network, or set HF_HUB_OFFLINE=1 and provide the files locally',
      req.file,
      undefined,
      { cause },
    );
  }
}

async function fetchMetadata(req: HubFileRequest): Promise<FileMetadata | { missing: true; commit?: string }> {
  const start = resolveUrl(req.endpoint, req.repoId, req.revision, req.file);
  const origin = new URL(start).origin;
  let url = start;
  for (let hop = 0; hop <= MAX_RELATIVE_REDIRECTS; hop++) {
    const res = await callFetch(req, url, { method: 'HEAD', redirect: 'manual', headers: { ...authHeaders(req), 'accept-encoding': 'identity' } }, 'resolveModel: looking up');
    const commit = res.headers.get('x-repo-commit') ?? undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const target = new URL(location, url);
      // A redirect within the Hub (a renamed repository) is followed; one to the CDN carries the answer.
      if (target.origin === origin && !res.headers.has('x-linked-etag') && !res.headers.has('etag')) {
        url = target.href;
        continue;
      }
      return metadataFrom(req, res, target.href, target.origin === origin);
    }
    if (res.ok) return metadataFrom(req, res, url, true);
    const code = res.headers.get('x-error-code');
    if (res.status === 404 && code !== 'RepoNotFound' && code !== 'RevisionNotFound') return { missing: true, commit };
    if (code === 'RevisionNotFound') {
      throw new CheckpointError(`resolveModel: ${req.repoId} has no revision ${JSON.stringify(req.revision)} on ${req.endpoint} (HTTP ${res.status}); give an existing branch, tag or commit`, req.file);
    }
    if (res.status === 401 || res.status === 403 || code === 'RepoNotFound' || code === 'GatedRepo') {
      throw new CheckpointError(
        `resolveModel: ${req.endpoint} refused ${req.repoId}/${req.file} (HTTP ${res.status}${code ? `, ${code}` : ''}): ` +
          'the repository does not exist, or it is private or gated; check the id, or set HF_TOKEN to a token that may read it',
        req.file,
      );
    }
    throw new CheckpointError(`resolveModel: ${req.endpoint} answered HTTP ${res.status} ${res.statusText} for ${url}`, req.file);
  }
  throw new CheckpointError(`resolveModel: more than ${MAX_RELATIVE_REDIRECTS} redirects looking up ${req.repoId}/${req.file} on ${req.endpoint}`, req.file);
}

function metadataFrom(req: HubFileRequest, res: Response, url: string, sameOrigin: boolean): FileMetadata {
  const commit = res.headers.get('x-repo-commit');
  const rawEtag = res.headers.get('x-linked-etag') ?? res.headers.get('etag');
  const etag = rawEtag?.replace(/^W\//, '').replace(/"/g, '');
  if (!commit || !etag || !/^[A-Za-z0-9._-]+$/.test(etag)) {
    throw new CheckpointError(
      `resolveModel: the answer for ${req.repoId}/${req.file} from ${req.endpoint} lacks a usable X-Repo-Commit or ETag header ` +
        `(got ${JSON.stringify(commit)} and ${JSON.stringify(rawEtag)}); a proxy may be rewriting it, or HF_ENDPOINT is not a Hub`,
      req.file,
    );
  }
  const sizeHeader = res.headers.get('x-linked-size') ?? res.headers.get('content-length');
  const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
  return { commit, etag, size, url, sameOrigin };
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function downloadBlob(req: HubFileRequest, meta: FileMetadata, blob: string): Promise<void> {
  await mkdir(dirname(blob), { recursive: true });
  const incomplete = `${blob}.incomplete`;
  let have = await fileSize(incomplete);
  if (meta.size !== undefined && have > meta.size) {
    await rm(incomplete, { force: true });
    have = 0;
  }
  if (meta.size === undefined || have < meta.size) {
    const headers: Record<string, string> = { ...(meta.sameOrigin ? authHeaders(req) : {}), 'accept-encoding': 'identity' };
    if (have > 0) headers.range = `bytes=${have}-`;
    const res = await callFetch(req, meta.url, { headers, redirect: 'follow' }, 'resolveModel: downloading');
    if (res.status === 206) {
      const range = res.headers.get('content-range') ?? '';
      if (!range.startsWith(`bytes ${have}-`)) {
        await res.body?.cancel();
        await rm(incomplete, { force: true });
        throw new CheckpointError(`resolveModel: resuming ${req.repoId}/${req.file} at byte ${have}, the server sent Content-Range ${JSON.stringify(range)}; the partial file was removed, run again`, req.file);
      }
    } else if (res.ok) {
      have = 0; // the server ignored the Range header: start over
    } else {
      await res.body?.cancel();
      throw new CheckpointError(`resolveModel: downloading ${req.repoId}/${req.file} from ${meta.url} failed with HTTP ${res.status} ${res.statusText}`, req.file);
    }
    await writeBody(req, res, incomplete, have, meta.size);
  }
  await verifyBlob(req, meta, incomplete);
  await rename(incomplete, blob);
}

async function writeBody(req: HubFileRequest, res: Response, incomplete: string, offset: number, total: number | undefined): Promise<void> {
  const progress = req.progress?.(req.file, total, offset);
  const handle = await open(incomplete, offset > 0 ? 'a' : 'w');
  let received = offset;
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await handle.write(chunk);
        received += chunk.byteLength;
        progress?.update(received);
      }
    }
  } catch (cause) {
    throw new CheckpointError(
      `resolveModel: the download of ${req.repoId}/${req.file} broke off after ${received} bytes (${(cause as Error).message}); ` +
        `the ${received} bytes are kept in ${incomplete}, run again to resume`,
      req.file,
      undefined,
      { cause },
    );
  } finally {
    await handle.close();
  }
  progress?.done();
}

async function verifyBlob(req: HubFileRequest, meta: FileMetadata, incomplete: string): Promise<void> {
  const size = await fileSize(incomplete);
  if (meta.size !== undefined && size !== meta.size) {
    throw new CheckpointError(
      `resolveModel: ${req.repoId}/${req.file} is ${meta.size} bytes on the Hub but ${size} arrived; the ${size} bytes are kept in ${incomplete}, run again to resume`,
      req.file,
    );
  }
  // LFS files are named by their sha256; checking it also covers a resume that joined two versions.
  if (/^[0-9a-f]{64}$/.test(meta.etag)) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(incomplete)) hash.update(chunk as Buffer);
    const digest = hash.digest('hex');
    if (digest !== meta.etag) {
      await rm(incomplete, { force: true });
      throw new CheckpointError(`resolveModel: ${req.repoId}/${req.file} has sha256 ${digest}, the Hub says ${meta.etag}; the download was removed, run again`, req.file);
    }
  }
}

async function linkPointer(pointer: string, blob: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const existing = await lstat(pointer).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing) {
    if (isFile(pointer)) return;
    await rm(pointer, { force: true }); // a dangling link: its blob was deleted
  }
  try {
    await symlink(relative(dirname(pointer), blob), pointer);
  } catch (error) {
    // Filesystems without symlinks (some Windows and network mounts): huggingface_hub copies too.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM' && (error as NodeJS.ErrnoException).code !== 'ENOTSUP') throw error;
    await copyFile(blob, pointer);
  }
}
