// The base layer's package lookup and progress lines.
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot, packageVersion } from '../../src/package-root.js';
import { bar, ProgressBar, StatusLine } from '../../src/progress.js';
import { repoRoot } from '../helpers.js';

describe('packageRoot', () => {
  it('is the folder of the package.json named vlsm, and its version is that file\'s', () => {
    assert.equal(realpathSync(packageRoot()), realpathSync(repoRoot));
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
    assert.equal(pkg.name, 'vlsm');
    assert.equal(packageVersion(), pkg.version);
  });
});

/** A stream that keeps what is written to it. */
const collect = (isTTY: boolean): { write(s: string): void; isTTY: boolean; text: string } => ({ isTTY, text: '', write(s: string) { this.text += s; } });

describe('progress lines', () => {
  it('draws a bar for a fraction, clamped to [0, 1]', () => {
    assert.equal(bar(0.5, '.', 8), '[####....]');
    assert.equal(bar(2, '-', 4), '[####]');
    assert.equal(bar(-1, '-', 4), '[----]');
  });

  it('off a terminal, writes a line no more often than logEvery, and always the last one', () => {
    const stream = collect(false);
    const progress = new ProgressBar({ label: 'evaluate', total: 4, unit: 'images', stream, logEvery: 60_000 });
    progress.update(1);
    progress.update(2, 'dice 0.50'); // within logEvery of the first line: not written
    progress.done();
    const lines = stream.text.split('\n');
    assert.equal(lines.length, 3, stream.text);
    assert.match(lines[0]!, /^evaluate \[#{6}\.{18}\] 1\/4 images {2}[\d.]+ images\/s( ETA \S+)?$/);
    assert.match(lines[1]!, /^evaluate \[#{12}\.{12}\] 2\/4 images {2}[\d.]+ images\/s( ETA \S+)? {2}dice 0\.50$/);
    assert.equal(lines[2], '');
  });

  it('on a terminal, redraws in place and ends with a newline', () => {
    const stream = collect(true);
    const line = new StatusLine(stream, 60_000);
    line.draw(() => 'a');
    line.draw(() => 'b'); // within 100 ms: skipped
    line.finish('c');
    assert.equal(stream.text, '\ra\x1b[K\rc\x1b[K\n');
  });
});
