// Where a run came from: vlsm's version and git commit, and the machine it ran on.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, hostname, platform, release } from 'node:os';
import { join } from 'node:path';
import { packageRoot, packageVersion } from '../../package-root.js';
import type { MachineInfo } from './types.js';

/** vlsm's folder; null when it cannot be found (the commit is then unknown, not an error). */
function vlsmRoot(): string | null {
  try {
    return packageRoot();
  } catch {
    return null;
  }
}

/** vlsm's version; 'unknown' when its package.json cannot be found. */
export function vlsmVersion(): string {
  return vlsmRoot() === null ? 'unknown' : packageVersion();
}

/** `git rev-parse HEAD` of vlsm's checkout (with "-dirty" when tracked files changed); null outside one. */
export function gitCommit(root: string | null = vlsmRoot()): string | null {
  if (!root || !existsSync(join(root, '.git'))) return null;
  try {
    const head = String(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })).trim();
    const dirty = String(execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    // No git binary, or not a repository after all: the commit is simply unknown.
    return null;
  }
}

/** This machine: host name, CPU count, OS; the libtorch version when given. */
export function machineInfo(libtorchVersion: string | null = null): MachineInfo {
  return { hostname: hostname(), cpus: cpus().length, os: `${platform()} ${release()}`, libtorchVersion };
}
