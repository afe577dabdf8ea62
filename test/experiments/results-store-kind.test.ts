// A results database must be a regular file: SQLite would block forever on a FIFO given as --db.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openResults, ResultsStoreError } from '../../src/experiments/results/index.js';
import { makeFifo, releaseFifo } from '../imaging/hostile-files.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-results-kind-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('results database file kind', () => {
  it('refuses a FIFO and a directory, naming the path, read-only or not', () => {
    const fifo = join(dir, 'pipe.sqlite');
    makeFifo(fifo);
    const folder = join(dir, 'folder.sqlite');
    mkdirSync(folder);
    try {
      for (const readonly of [false, true]) {
        assert.throws(() => openResults(fifo, { readonly }), (error: unknown) => error instanceof ResultsStoreError && error.file === fifo && error.message === `results database ${fifo}: it is a FIFO (named pipe), not a regular file`);
        assert.throws(() => openResults(folder, { readonly }), { name: 'ResultsStoreError', message: `results database ${folder}: it is a directory, not a regular file` });
      }
    } finally {
      releaseFifo(fifo);
    }
  });
});
