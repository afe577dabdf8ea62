// Runs left 'running' by a process that died without finishing them.
import { hostname } from 'node:os';
import type { RunRecord } from './types.js';

/** Whether a process with this id exists on this machine (EPERM: it exists, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A 'running' run of this machine whose process has ended: killed without a chance to say so. */
export function isAbandoned(run: Pick<RunRecord, 'status' | 'pid' | 'machine'>): boolean {
  return run.status === 'running' && run.machine.hostname === hostname() && run.pid !== process.pid && !processAlive(run.pid);
}
