// One run executed in a child process (run-process.ts), so that native work cannot stall the
// worker's lock renewals; an abort asks the child to stop at its next checkpoint.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { QueuedRun, WorkerContext } from './types.js';

/** A module's exported executor: `import(module)[name]`, a RunExecutor. */
export interface ExecutorRef {
  /** A file URL or an absolute path of the module. */
  module: string;
  name: string;
}

export interface RunExecutionRequest {
  executor: ExecutorRef;
  run: QueuedRun;
  storePath: string;
  context: Omit<WorkerContext, 'signal' | 'log'>;
}

/** The child's messages: log lines while it runs, then its result. */
export type RunExecutionReply = { log: string } | { runId: number } | { error: { name: string; message: string; isVlsmError: boolean } };

/** The executor's error, rebuilt in the worker with its class name and message. */
export class ExecutorError extends Error {
  constructor(readonly errorName: string, message: string, readonly isVlsmError: boolean) {
    super(message);
    this.name = errorName;
  }
}

/**
 * Executes `run` in a child process into the results store at `storePath`; resolves with the id
 * of the run there, rejects with an ExecutorError (or with the child's exit when it dies).
 */
export function runInChild(executor: ExecutorRef, run: QueuedRun, storePath: string, context: RunExecutionRequest['context'], signal: AbortSignal, log: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./run-process.js', import.meta.url)), [], { execArgv: [], stdio: 'inherit' });
    let answer: Exclude<RunExecutionReply, { log: string }> | undefined;
    const onAbort = (): void => void (child.connected && child.send('stop'));
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('message', (message: RunExecutionReply) => {
      if ('log' in message) log(message.log);
      else answer = message;
    });
    child.once('error', reject);
    child.once('exit', (code, killedBy) => {
      signal.removeEventListener('abort', onAbort);
      if (answer && 'runId' in answer) resolve(answer.runId);
      else if (answer) reject(new ExecutorError(answer.error.name, answer.error.message, answer.error.isVlsmError));
      else reject(new Error(`the run's process ended ${killedBy ? `by ${killedBy}` : `with code ${code}`} without a result`));
    });
    child.send({ executor, run, storePath, context } satisfies RunExecutionRequest);
    if (signal.aborted) onAbort();
  });
}
