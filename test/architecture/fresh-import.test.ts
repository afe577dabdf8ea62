// Every built module of src loads on its own, first, in a fresh Node process: an import cycle that
// touches a binding before it is initialised (ReferenceError) or a module that needs another to be
// loaded before it fails here, naming the file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { repoRoot } from '../helpers.js';

const builtSrc = join(repoRoot, 'dist', 'src');

/** The built .js files under dir whose .ts source still exists (output of deleted sources is stale). */
function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    const source = join(repoRoot, relative(join(repoRoot, 'dist'), path)).replace(/\.js$/, '.ts');
    return name.endsWith('.js') && existsSync(source) ? [path] : [];
  });
}

/** Imports `file` alone in a new process; resolves to the error's first lines, or null when it loads. */
function importAlone(file: string): Promise<string | null> {
  const script = `import(${JSON.stringify(pathToFileURL(file).href)}).catch((e) => { process.stderr.write(String(e?.stack ?? e)); process.exit(1); });`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve(error ? (stderr.split('\n').slice(0, 3).join(' | ') || String(error.message)) : null);
    });
  });
}

test('every module under dist/src loads first and alone in a fresh process', { timeout: 600_000 }, async () => {
  const files = modules(builtSrc).sort();
  assert.ok(files.length > 100, `found only ${files.length} modules under ${builtSrc}; build first`);
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      const error = await importAlone(file);
      if (error !== null) failures.push(`${relative(repoRoot, file)}: ${error}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(2, availableParallelism()) }, worker));
  assert.deepEqual(failures.sort(), [], 'modules that fail when imported first');
});
