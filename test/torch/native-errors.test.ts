// Allocation failures and libtorch errors come back as JS errors naming the operation, never a
// crash: each request runs in a child process, so an abort (std::bad_alloc escaping the addon)
// fails the test instead of ending the runner.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../helpers.js';
import { runIsolated } from './io/hostile-inputs.js';

const dist = (...parts: string[]): string => JSON.stringify(join(repoRoot, 'dist', 'src', ...parts));

it('a 1e15-element tensor from torch.empty, torch.zeros and native fromFile is a JS error naming the op', () => {
  const child = runIsolated(`
    const torch = await import(${dist('torch', 'index.js')});
    const { native } = await import(${dist('torch', 'native.js')});
    const { dtypeCode } = await import(${dist('torch', 'dtype.js')});
    const attempts = {
      empty: () => torch.empty([1e15]),
      zeros: () => torch.zeros([1e6, 1e9]),
      fromFile: () => native().fromFile(${JSON.stringify(join(repoRoot, 'package.json'))}, 0, dtypeCode('float32'), [1e15]),
    };
    for (const [name, attempt] of Object.entries(attempts)) {
      try { attempt(); console.log(name + ' => allocated'); }
      catch (e) { console.log(name + ' => ' + e.constructor.name + ': ' + e.message.split('\\n')[0]); }
    }`);
  assert.equal(child.signal, null, `the process was killed: ${child.stderr}`);
  assert.equal(child.status, 0, child.stderr);
  const lines = Object.fromEntries(child.stdout.trim().split('\n').map((l) => l.split(' => ')));
  assert.match(lines.empty, /^NativeError: torch\.empty\(\[1000000000000000\]\): out of memory: the result needs 4000000000000000 bytes \(\d+\.\d GiB\), more than can be allocated$/);
  assert.match(lines.zeros, /^NativeError: torch\.zeros\(\[1000000, 1000000000\]\): out of memory: the result needs 4000000000000000 bytes/);
  assert.match(lines.fromFile, /^Error: fromFile: .*can't allocate memory/);
});
