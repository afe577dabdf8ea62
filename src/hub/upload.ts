// Pushing a folder to the Hub through its HTTP API, as huggingface_hub's upload_folder does:
// create the repository (an existing one is fine), ask `preupload` which files go through LFS,
// upload those through the LFS batch API (a single PUT, or multipart for the parts the Hub asks
// for, each part retried; objects the Hub already holds are skipped, so a rerun resumes), then
// one commit that adds small files inline and LFS files by their sha256.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ConfigError } from '../errors.js';
import { HF_ENDPOINT, isOfflineEnv, parseRepoId } from './cache-layout.js';
import type { FetchLike } from './download.js';
import { HubError } from './hub-error.js';
import { findHubToken } from './token.js';

export interface PushFolderOptions {
  repo: string;
  private?: boolean;
  /** Default 'main'. */
  revision?: string;
  commitMessage?: string;
  /** Default $HF_TOKEN or the HuggingFace token file. */
  token?: string;
  /** Default $HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  fetch?: FetchLike;
  env?: NodeJS.ProcessEnv;
  /** One line per step (never the token). */
  log?: (line: string) => void;
  /** Attempts per multipart part before giving up (default 3). */
  partAttempts?: number;
}

export interface PushResult {
  repo: string;
  commitUrl: string | undefined;
  commitOid: string | undefined;
  /** Files sent inline in the commit. */
  regular: string[];
  /** Files uploaded through LFS in this push. */
  uploaded: string[];
  /** LFS files the Hub already held (an earlier, interrupted push). */
  skipped: string[];
}

interface LocalFile {
  path: string;
  absolute: string;
  size: number;
  sha256: string;
  sample: Buffer;
}

interface LfsAction {
  href: string;
  header?: Record<string, string>;
}

interface LfsObject {
  oid: string;
  size: number;
  actions?: { upload?: LfsAction; verify?: LfsAction };
  error?: { code: number; message: string };
}

/** Every regular file under `dir` (hidden files and folders left out), with its hash. */
function folderFiles(dir: string): LocalFile[] {
  const out: LocalFile[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const absolute = join(folder, entry.name);
      if (entry.isDirectory()) walk(absolute);
      else if (entry.isFile()) out.push(describeFile(dir, absolute));
    }
  };
  walk(dir);
  return out;
}

function describeFile(root: string, absolute: string): LocalFile {
  const size = statSync(absolute).size;
  const hash = createHash('sha256');
  const fd = openSync(absolute, 'r');
  const sample = Buffer.alloc(Math.min(512, size));
  try {
    const chunk = Buffer.alloc(8 * 1024 * 1024);
    let position = 0;
    while (position < size) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - position), position);
      if (n === 0) break;
      if (position === 0) chunk.copy(sample, 0, 0, sample.length);
      hash.update(chunk.subarray(0, n));
      position += n;
    }
  } finally {
    closeSync(fd);
  }
  return { path: relative(root, absolute).split(sep).join('/'), absolute, size, sha256: hash.digest('hex'), sample };
}

function readRange(path: string, start: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buffer, done, length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** Pushes the files of `dir` to the model repository `o.repo` (created when missing). */
export async function pushFolder(dir: string, o: PushFolderOptions): Promise<PushResult> {
  const env = o.env ?? process.env;
  const repo = parseRepoId(o.repo);
  const revision = o.revision ?? 'main';
  const endpoint = (o.endpoint ?? env.HF_ENDPOINT ?? HF_ENDPOINT).replace(/\/+$/, '');
  const log = o.log ?? (() => {});
  if (isOfflineEnv(env)) throw new HubError(`hub push ${repo}: HF_HUB_OFFLINE is set; pushing needs the network (unset it to push)`);
  const found = o.token !== undefined ? { token: o.token, source: 'the token option' } : findHubToken(env);
  if (!found) throw new HubError(`hub push ${repo}: no Hub token; set HF_TOKEN to a token with write access, or run \`huggingface-cli login\` (the token file it writes is read too)`);
  const files = folderFiles(dir);
  if (files.length === 0) throw new ConfigError(`${dir}: no files to push`, dir);
  const fetchFn: FetchLike = o.fetch ?? ((url, init) => fetch(url, init));
  const auth = { authorization: `Bearer ${found.token}` };

  const call = async (what: string, url: string, init: RequestInit, okStatuses: number[] = []): Promise<Response> => {
    let response: Response;
    try {
      response = await fetchFn(url, init);
    } catch (cause) {
      throw new HubError(`hub push ${repo}: ${what}: cannot reach ${endpoint} (${(cause as Error).message}); are you online? (HF_ENDPOINT overrides the Hub address)`, undefined, { cause });
    }
    if (response.ok || okStatuses.includes(response.status)) return response;
    const body = (await response.text().catch(() => '')).slice(0, 300).replaceAll(found.token, '***');
    if (response.status === 401 || response.status === 403) {
      throw new HubError(`hub push ${repo}: ${what}: the Hub refused the token from ${found.source} (HTTP ${response.status}); it needs write access to ${repo}${body ? ` (${body})` : ''}`, response.status);
    }
    throw new HubError(`hub push ${repo}: ${what}: HTTP ${response.status}${body ? ` (${body})` : ''}`, response.status);
  };
  const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  // 1. The repository (409: it exists, which is fine).
  const [organization, name] = repo.split('/') as [string, string];
  await call('create the repository', `${endpoint}/api/repos/create`, json({ name, organization, private: o.private === true, type: 'model' }), [409]);
  log(`repository ${repo} ready`);

  // 2. Which files the Hub wants through LFS.
  const pre = (await (await call('preupload', `${endpoint}/api/models/${repo}/preupload/${encodeURIComponent(revision)}`, json({
    files: files.map((f) => ({ path: f.path, size: f.size, sample: f.sample.toString('base64') })),
  }))).json()) as { files?: { path: string; uploadMode?: string; shouldIgnore?: boolean }[] };
  const modes = new Map((pre.files ?? []).map((f) => [f.path, f]));
  const pushed = files.filter((f) => !modes.get(f.path)?.shouldIgnore);
  const lfs = pushed.filter((f) => modes.get(f.path)?.uploadMode === 'lfs');
  const regular = pushed.filter((f) => modes.get(f.path)?.uploadMode !== 'lfs');

  // 3. LFS objects: the batch answer has no upload action for what the Hub already holds.
  const uploaded: string[] = [];
  const skipped: string[] = [];
  if (lfs.length > 0) {
    const batch = (await (await call('LFS batch', `${endpoint}/${repo}.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { ...auth, accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' },
      body: JSON.stringify({ operation: 'upload', transfers: ['basic', 'multipart'], objects: lfs.map((f) => ({ oid: f.sha256, size: f.size })), hash_algo: 'sha256', ref: { name: revision } }),
    })).json()) as { transfer?: string; objects?: LfsObject[] };
    const byOid = new Map((batch.objects ?? []).map((obj) => [obj.oid, obj]));
    for (const file of lfs) {
      const obj = byOid.get(file.sha256);
      if (!obj) throw new HubError(`hub push ${repo}: LFS batch: the Hub did not answer for ${file.path}`);
      if (obj.error) throw new HubError(`hub push ${repo}: LFS batch: ${file.path}: ${obj.error.message} (${obj.error.code})`, obj.error.code);
      const upload = obj.actions?.upload;
      if (!upload) {
        skipped.push(file.path);
        log(`${file.path}: already on the Hub`);
        continue;
      }
      const chunkSize = Number(upload.header?.chunk_size);
      if (Number.isFinite(chunkSize) && chunkSize > 0) await uploadMultipart(file, upload, chunkSize);
      else await call(`upload ${file.path}`, upload.href, { method: 'PUT', headers: { ...(upload.header ?? {}) }, body: readFileSync(file.absolute) });
      if (obj.actions?.verify) {
        const verify = obj.actions.verify;
        await call(`verify ${file.path}`, verify.href, { method: 'POST', headers: { ...auth, ...(verify.header ?? {}), 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ oid: file.sha256, size: file.size }) });
      }
      uploaded.push(file.path);
      log(`${file.path}: uploaded (${file.size} bytes)`);
    }
  }

  async function uploadMultipart(file: LocalFile, upload: LfsAction, chunkSize: number): Promise<void> {
    const header = upload.header ?? {};
    const partNumbers = Object.keys(header).filter((k) => /^\d+$/.test(k)).map(Number).sort((a, b) => a - b);
    const attempts = o.partAttempts ?? 3;
    const parts: { partNumber: number; etag: string }[] = [];
    for (const partNumber of partNumbers) {
      const body = readRange(file.absolute, (partNumber - 1) * chunkSize, chunkSize);
      let etag: string | null = null;
      for (let attempt = 1; etag === null; attempt++) {
        try {
          // Part URLs are pre-signed: no Authorization header goes to them.
          const response = await call(`upload part ${partNumber} of ${file.path}`, header[String(partNumber)]!, { method: 'PUT', body });
          etag = response.headers.get('etag');
          if (etag === null) throw new HubError(`hub push ${repo}: part ${partNumber} of ${file.path}: the storage answered without an ETag`);
        } catch (error) {
          if (attempt >= attempts) throw error;
          log(`${file.path}: part ${partNumber} failed (${(error as Error).message}); retrying`);
        }
      }
      parts.push({ partNumber, etag });
    }
    await call(`complete ${file.path}`, upload.href, { method: 'POST', headers: { accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ oid: file.sha256, parts }) });
  }

  // 4. The commit: a header line, inline files, LFS pointers.
  const lines = [
    { key: 'header', value: { summary: o.commitMessage ?? 'Upload model exported by vlsm', description: '' } },
    ...regular.map((f) => ({ key: 'file', value: { path: f.path, content: readFileSync(f.absolute).toString('base64'), encoding: 'base64' } })),
    ...lfs.map((f) => ({ key: 'lfsFile', value: { path: f.path, algo: 'sha256', oid: f.sha256, size: f.size } })),
  ];
  const commit = (await (await call('commit', `${endpoint}/api/models/${repo}/commit/${encodeURIComponent(revision)}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    body: lines.map((l) => JSON.stringify(l)).join('\n'),
  })).json()) as { commitUrl?: string; commitOid?: string };
  log(`committed ${pushed.length} files${commit.commitUrl ? `: ${commit.commitUrl}` : ''}`);
  return { repo, commitUrl: commit.commitUrl, commitOid: commit.commitOid, regular: regular.map((f) => f.path), uploaded, skipped };
}
