// Checkpoints by name: a local folder, the HuggingFace hub cache, or a download from the Hub.
export { resolveModel, type ResolveModelOptions, type ResolvedModel } from './resolve.js';
export {
  hubCacheDir,
  isOfflineEnv,
  parseRepoId,
  repoFolderName,
  repoCache,
  cachedCommit,
  isCommitHash,
  checkRevision,
  checkRepoFileName,
  HF_ENDPOINT,
  type RepoCache,
} from './cache-layout.js';
export { downloadToCache, resolveUrl, type FetchLike, type HubFileRequest, type HubFileResult } from './download.js';
export { ProgressBar, formatBytes, type Progress, type ProgressStream } from './progress.js';
export { pushFolder, type PushFolderOptions, type PushResult } from './upload.js';
export { findHubToken, tokenFilePath } from './token.js';
export { HubError } from './hub-error.js';
