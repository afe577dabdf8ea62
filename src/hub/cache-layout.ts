// The HuggingFace hub cache layout, as huggingface_hub (Python) writes it and transformers reads it:
//
//   <cache>/models--ORG--NAME/refs/<revision>          the commit hash a branch or tag points to
//   <cache>/models--ORG--NAME/snapshots/<commit>/FILE  a relative symlink to ../../blobs/<etag>
//   <cache>/models--ORG--NAME/blobs/<etag>             the file's bytes (sha256 for LFS files)
//
// <cache> is $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub (huggingface_hub constants.py). Every name that becomes part of a path
// (repository id, revision, file name) is checked here first, so none can leave its folder.

import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, ConfigError } from '../errors.js';
import { readRegularFileSync } from '../regular-file.js';

export const HF_ENDPOINT = 'https://huggingface.co';

/** The hub cache folder the environment names. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'huggingface', 'hub');
  return join(homedir(), '.cache', 'huggingface', 'hub');
}

/** HF_HUB_OFFLINE as huggingface_hub reads it: 1, ON, YES or TRUE (any case) mean offline. */
export function isOfflineEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['1', 'ON', 'YES', 'TRUE'].includes((env.HF_HUB_OFFLINE ?? '').trim().toUpperCase());
}

const REPO_PART = /^[A-Za-z0-9_.-]+$/;

/**
 * Checks `ORG/NAME` as the Hub does (huggingface_hub validate_repo_id: word characters, "-" and ".",
 * no "--" or "..", at most 96 characters) and returns it unchanged.
 */
export function parseRepoId(id: string): string {
  const parts = id.split('/');
  const ok =
    parts.length === 2 &&
    parts.every((p) => REPO_PART.test(p) && !/^[-.]|[-.]$/.test(p)) &&
    !id.includes('--') &&
    !id.includes('..') &&
    id.length <= 96;
  if (!ok) {
    throw new ConfigError(
      `${JSON.stringify(id)} is not a HuggingFace model id: expected ORG/NAME made of letters, digits, "-", "_" and "." ` +
        '(no "--" or "..", not starting or ending with "-" or "."), e.g. CIDAS/clipseg-rd64-refined',
    );
  }
  return id;
}

/** The cache folder name of a model repository: models--ORG--NAME. */
export function repoFolderName(repoId: string): string {
  return `models--${parseRepoId(repoId).split('/').join('--')}`;
}

export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** A branch, tag or commit; "refs/pr/1" style names are allowed, "..", "\" and absolute ones are not. */
export function checkRevision(revision: string): string {
  const segments = revision.split('/');
  if (revision === '' || revision.includes('\\') || revision.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new ConfigError(`${JSON.stringify(revision)} is not a usable revision: give a branch, tag or 40-character commit hash without "..", "\\" or empty path parts`, undefined, 'revision');
  }
  return revision;
}

/** A file name inside a repository: relative, "/"-separated, no ".", ".." or empty parts. */
export function checkRepoFileName(name: string): string {
  const segments = name.split('/');
  if (
    name === '' ||
    name.includes('\\') ||
    name.includes('\0') ||
    /^[A-Za-z]:/.test(name) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new ConfigError(
      `${JSON.stringify(name)} is not a usable file name: a repository file is a relative "/"-separated path without "..", "." or empty parts (and no "\\"), e.g. model.safetensors`,
      undefined,
      'files',
    );
  }
  return name;
}

export interface RepoCache {
  /** <cache>/models--ORG--NAME */
  root: string;
  refPath(revision: string): string;
  snapshotDir(commit: string): string;
  blobPath(etag: string): string;
}

export function repoCache(cacheDir: string, repoId: string): RepoCache {
  const root = join(cacheDir, repoFolderName(repoId));
  return {
    root,
    refPath: (revision) => join(root, 'refs', ...checkRevision(revision).split('/')),
    snapshotDir: (commit) => join(root, 'snapshots', commit),
    blobPath: (etag) => join(root, 'blobs', etag),
  };
}

/** The commit a revision names in the cache: itself when a commit hash, else the content of refs/<revision>. */
export function cachedCommit(cache: RepoCache, revision: string): string | undefined {
  if (isCommitHash(revision)) return revision;
  const ref = cache.refPath(revision);
  if (!existsSync(ref)) return undefined;
  // A ref holds one hash; a FIFO or device there must not block or flood the reader.
  const commit = readRegularFileSync(ref, { what: 'cache ref', maxBytes: 4096 }, (message, cause) => new CheckpointError(message, ref, undefined, { cause })).toString('utf8').trim();
  if (!isCommitHash(commit)) {
    throw new CheckpointError(`${ref} should hold a 40-character commit hash, got ${JSON.stringify(commit.slice(0, 80))}; delete it to let the cache be rebuilt`, ref);
  }
  return commit;
}

/** True when the path exists as a file once symlinks are followed (a dangling link into blobs/ is absent). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return false;
    throw error;
  }
}
