// Resolving a model name to a local folder of files: a folder as given, a HuggingFace id found in
// the hub cache, or (online) an id downloaded from the Hub into that same cache.

import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { CheckpointError, ConfigError } from '../errors.js';
import {
  cachedCommit,
  checkRepoFileName,
  checkRevision,
  HF_ENDPOINT,
  hubCacheDir,
  isCommitHash,
  isFile,
  isOfflineEnv,
  parseRepoId,
  repoCache,
  type RepoCache,
} from './cache-layout.js';
import { downloadToCache, type FetchLike } from './download.js';
import { ProgressBar, type ProgressStream } from './progress.js';

export interface ResolveModelOptions {
  /** Branch, tag or 40-character commit hash; default "main". Ignored for a folder. */
  revision?: string;
  /** The hub cache; default $HF_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Never touch the network; default from HF_HUB_OFFLINE. */
  offline?: boolean;
  /** Alternatives in preference order (e.g. ['model.safetensors', 'pytorch_model.bin']): the first present is used, one must be. */
  files?: readonly string[];
  /** Files that must all be present (e.g. ['config.json']). */
  required?: readonly string[];
  /** Files fetched when the repository has them (tokenizer, preprocessor config); absence is fine. */
  optional?: readonly string[];
  /** The Hub; default $HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  /** Access token for private or gated repositories; default $HF_TOKEN. */
  token?: string;
  /** The fetch used for every request (default: the global fetch). */
  fetch?: FetchLike;
  /** Where the progress bar goes: true (default) for stderr, false for nowhere, or a stream. */
  progress?: boolean | ProgressStream;
  /** The environment to read HF_* variables from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedModel {
  /** The folder holding the files: the folder given, or snapshots/<commit> in the cache. */
  dir: string;
  source: 'folder' | 'cache' | 'hub';
  repoId?: string;
  revision?: string;
  commit?: string;
  /** The entry of `files` that was found, when `files` is non-empty. */
  file?: string;
  /** Path of every file found, by name: the chosen entry of `files`, the required and the present optional ones. */
  paths: Record<string, string>;
}

interface FolderContents {
  paths: Record<string, string>;
  file?: string;
  missingRequired: string[];
  missingWanted: boolean;
}

/**
 * Resolves `nameOrDir` (a folder, or a HuggingFace id ORG/NAME) to local files.
 *
 * Example: `await resolveModel('CIDAS/clipseg-rd64-refined', {files: ['model.safetensors',
 * 'pytorch_model.bin'], required: ['config.json']})` gives `{dir, paths: {'config.json': …,
 * 'model.safetensors': …}, file: 'model.safetensors', …}`.
 */
export async function resolveModel(nameOrDir: string, options: ResolveModelOptions = {}): Promise<ResolvedModel> {
  const files = (options.files ?? []).map(checkRepoFileName);
  const required = (options.required ?? []).map(checkRepoFileName);
  const optional = (options.optional ?? []).map(checkRepoFileName);
  if (typeof nameOrDir !== 'string' || nameOrDir === '') {
    throw new ConfigError(`resolveModel: expected a folder or a HuggingFace id such as CIDAS/clipseg-rd64-refined, got ${JSON.stringify(nameOrDir)}`);
  }

  if (existsSync(nameOrDir)) {
    if (!statSync(nameOrDir).isDirectory()) {
      throw new ConfigError(`resolveModel: ${nameOrDir} is a file; pass the folder that holds it (with ${describeNeeds(required, files)})`);
    }
    const found = inspect(nameOrDir, files, required, optional);
    if (found.missingRequired.length > 0 || found.missingWanted) {
      throw new CheckpointError(`resolveModel: the folder ${nameOrDir} lacks ${describeMissing(found, files)}; put ${found.missingRequired.length + (found.missingWanted ? 1 : 0) > 1 ? 'them' : 'it'} in ${nameOrDir}`, nameOrDir);
    }
    return { dir: nameOrDir, source: 'folder', file: found.file, paths: found.paths };
  }
  if (looksLikePath(nameOrDir)) {
    throw new ConfigError(`resolveModel: the folder ${nameOrDir} does not exist (and it is not a HuggingFace id ORG/NAME)`);
  }

  const repoId = parseRepoId(nameOrDir);
  const env = options.env ?? process.env;
  const revision = checkRevision(options.revision ?? 'main');
  const cacheDir = options.cacheDir ?? hubCacheDir(env);
  const cache = repoCache(cacheDir, repoId);
  const commit = cachedCommit(cache, revision);
  if (commit !== undefined && existsSync(cache.snapshotDir(commit))) {
    const found = inspect(cache.snapshotDir(commit), files, required, optional);
    if (found.missingRequired.length === 0 && !found.missingWanted) {
      return { dir: cache.snapshotDir(commit), source: 'cache', repoId, revision, commit, file: found.file, paths: found.paths };
    }
  }

  const offline = options.offline ?? isOfflineEnv(env);
  if (offline) throw offlineError(repoId, revision, cache, commit, files, required, options.offline === true ? 'offline: true' : 'HF_HUB_OFFLINE is set');

  return download(repoId, revision, cache, commit, files, required, optional, options, env);
}

function inspect(dir: string, files: readonly string[], required: readonly string[], optional: readonly string[]): FolderContents {
  const paths: Record<string, string> = {};
  const at = (name: string) => join(dir, ...name.split('/'));
  const missingRequired = required.filter((name) => !isFile(at(name)));
  for (const name of [...required, ...optional]) if (isFile(at(name))) paths[name] = at(name);
  const file = files.find((name) => isFile(at(name)));
  if (file !== undefined) paths[file] = at(file);
  return { paths, file, missingRequired, missingWanted: files.length > 0 && file === undefined };
}

function describeNeeds(required: readonly string[], files: readonly string[]): string {
  const parts = [...required];
  if (files.length === 1) parts.push(files[0]);
  if (files.length > 1) parts.push(`${files[0]} (or ${files.slice(1).join(' or ')})`);
  return parts.length === 0 ? 'the model files' : parts.join(' and ');
}

function describeMissing(found: FolderContents, files: readonly string[]): string {
  const parts = [...found.missingRequired];
  if (found.missingWanted) parts.push(files.length === 1 ? files[0] : `one of ${files.join(', ')}`);
  return parts.join(' and ');
}

/** Strings that can only mean a folder: absolute, relative with ./ or ../, ~, backslashes, or more than one "/". */
function looksLikePath(s: string): boolean {
  return isAbsolute(s) || s.startsWith('.') || s.startsWith('~') || s.includes('\\') || s.split('/').length > 2;
}

function offlineError(
  repoId: string,
  revision: string,
  cache: RepoCache,
  commit: string | undefined,
  files: readonly string[],
  required: readonly string[],
  why: string,
): CheckpointError {
  const needs = describeNeeds(required, files);
  const snapshot = commit !== undefined ? cache.snapshotDir(commit) : join(cache.root, 'snapshots', '<commit>');
  const state =
    commit === undefined
      ? `${isCommitHash(revision) ? '' : `there is no ${cache.refPath(revision)}, `}so the HuggingFace cache has no ${repoId} at revision ${revision}`
      : `the cached snapshot ${snapshot} is incomplete`;
  const refLine = isCommitHash(revision) ? '' : `, with the commit hash written to ${cache.refPath(revision)}`;
  return new CheckpointError(
    `resolveModel: ${repoId} is not available offline (${why}): ${state}. Put ${needs} either\n` +
      `  - in a folder, and pass that folder instead of ${repoId}; or\n` +
      `  - in ${snapshot}${refLine}\n` +
      `  (\`huggingface-cli download ${repoId}${isCommitHash(revision) || revision === 'main' ? '' : ` --revision ${revision}`}\` fills that cache on a machine with network; copy ${cache.root} over),\n` +
      '  or go online (unset HF_HUB_OFFLINE, or pass offline: false).',
    snapshot,
  );
}

async function download(
  repoId: string,
  revision: string,
  cache: RepoCache,
  cachedCommitId: string | undefined,
  files: readonly string[],
  required: readonly string[],
  optional: readonly string[],
  options: ResolveModelOptions,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedModel> {
  const endpoint = options.endpoint ?? env.HF_ENDPOINT ?? HF_ENDPOINT;
  const token = options.token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const stream = options.progress === false ? undefined : options.progress === true || options.progress === undefined ? process.stderr : options.progress;
  const progress = stream ? (label: string, total: number | undefined, resumedFrom: number) => new ProgressBar(`${repoId}/${label}`, total, stream, resumedFrom) : undefined;

  // The first answer pins the commit, so every file comes from the same snapshot even if the branch moves.
  let commit: string | undefined = isCommitHash(revision) ? revision : undefined;
  const paths: Record<string, string> = {};
  const get = async (name: string): Promise<string | undefined> => {
    const result = await downloadToCache({ repoId, revision: commit ?? revision, file: name, cache, endpoint, token, fetch: fetchFn, progress });
    commit ??= result.commit;
    return result.found ? result.path : undefined;
  };

  const missingOnHub: string[] = [];
  for (const name of required) {
    const path = await get(name);
    if (path === undefined) missingOnHub.push(name);
    else paths[name] = path;
  }
  let file: string | undefined;
  for (const name of files) {
    const path = await get(name);
    if (path !== undefined) {
      file = name;
      paths[name] = path;
      break;
    }
  }
  if (files.length > 0 && file === undefined) missingOnHub.push(files.length === 1 ? files[0] : `any of ${files.join(', ')}`);
  if (missingOnHub.length > 0) {
    throw new CheckpointError(`resolveModel: ${repoId} at revision ${revision} has no ${missingOnHub.join(' and ')} on ${endpoint}; is it the right model?`, repoId);
  }
  for (const name of optional) {
    const path = await get(name);
    if (path !== undefined) paths[name] = path;
  }

  // Nothing to download when no file was asked for; the cached commit (if any) still names a snapshot.
  commit ??= cachedCommitId;
  if (commit === undefined) {
    throw new ConfigError(`resolveModel: no file was asked for (files, required and optional are empty), so ${repoId} at ${revision} cannot be resolved to a commit`);
  }
  if (!isCommitHash(revision)) {
    await mkdir(dirname(cache.refPath(revision)), { recursive: true });
    await writeFile(cache.refPath(revision), commit);
  }
  return { dir: cache.snapshotDir(commit), source: 'hub', repoId, revision, commit, file, paths };
}
