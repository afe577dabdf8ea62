// Opening a results database, found by flag, environment or default name.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeFileKind } from '../../regular-file.js';
import { BUSY_TIMEOUT_MS, migrate } from './schema.js';
import { ResultsStore } from './store.js';
import { ResultsStoreError } from './types.js';

/** The default results file name, in the working directory. */
export const DEFAULT_RESULTS_FILE = 'vlsm-results.sqlite';

/** Where results go: `explicit` (a --db flag), else $VLSM_RESULTS, else ./vlsm-results.sqlite. */
export function resultsPath(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  return explicit || env.VLSM_RESULTS || join(process.cwd(), DEFAULT_RESULTS_FILE);
}

/**
 * Opens (creating if needed) a results database: WAL journal, busy timeout, foreign keys, schema
 * migrated to the current version. A file that is not a vlsm results database, is damaged, or
 * comes from a newer vlsm is a ResultsStoreError naming it.
 */
export function openResults(path: string, o: { readonly?: boolean } = {}): ResultsStore {
  const fail = (why: string, cause?: unknown): never => {
    throw new ResultsStoreError(`results database ${path}: ${why}`, path, cause === undefined ? undefined : { cause });
  };
  if (o.readonly && !existsSync(path)) fail('no such file; run an evaluation first, or pass --db / set $VLSM_RESULTS');
  // SQLite would block forever reading a FIFO, or read a device without end.
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats !== undefined && !stats.isFile()) fail(`it is ${describeFileKind(stats)}, not a regular file`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: o.readonly ?? false, fileMustExist: o.readonly ?? false, timeout: BUSY_TIMEOUT_MS });
    const opened = db;
    if (!o.readonly) opened.pragma('journal_mode = WAL');
    opened.pragma('foreign_keys = ON');
    migrate(opened, o.readonly ?? false, fail);
    return new ResultsStore(path, opened);
  } catch (error) {
    db?.close();
    if (error instanceof ResultsStoreError) throw error;
    const message = (error as Error).message;
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/.test(message)) {
      return fail(`${message}: the file is damaged or not an SQLite database; move it aside (a new one is created) or pass another --db`, error);
    }
    return fail(message, error);
  }
}
