// Bad input reaches the user as a clear JS error, never as a crash of the process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { NativeError } from '../../src/errors.js';
import { repoRoot } from '../helpers.js';

describe('errors from libtorch', () => {
  it('name the op and the shapes of its arguments, and keep libtorch\'s text as the cause', () => {
    const a = torch.ones([2, 3]);
    const b = torch.ones([4, 5]);
    assert.throws(() => torch.matmul(a, b), (e: Error) => {
      assert.ok(e instanceof NativeError);
      assert.equal(e.message, 'torch.matmul([2, 3] float32, [4, 5] float32): mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)');
      assert.ok((e.cause as Error).message.includes('mat1 and mat2 shapes cannot be multiplied'));
      return true;
    });
  });

  it('reports a convolution whose channels do not match', () => {
    assert.throws(
      () => torch.F.conv2d(torch.ones([2, 4, 8, 8]), torch.ones([6, 3, 3, 3])),
      /F\.conv2d\(\[2, 4, 8, 8\] float32, \[6, 3, 3, 3\] float32.*expected input\[2, 4, 8, 8\] to have 3 channels, but got 4 channels/,
    );
  });

  it('reports impossible views, bad dims and broadcasting failures', () => {
    assert.throws(() => torch.ones([2, 3]).view([4]), /Tensor\.view\(\[2, 3\] float32, \[4\]\): shape '\[4\]' is invalid for input of size 6/);
    assert.throws(() => torch.ones([2, 3]).sum(5), /Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)/);
    assert.throws(() => torch.ones([2, 3]).add(torch.ones([4])), /The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1/);
    assert.throws(() => torch.ones([2]).index([torch.tensor([5], { dtype: 'int64' })]), /index 5 is out of bounds for dimension 0 with size 2/);
  });

  it('rejects wrong argument types before they reach libtorch', () => {
    assert.throws(() => torch.ones([2]).view(['a' as unknown as number]), /Tensor\.view.*argument 'size': expected an integer, got a string/);
    assert.throws(() => torch.ones([2]).view([1.5]), /expected an integer, got 1\.5/);
    assert.throws(() => torch.tensor([1, 2], { dtype: 'complex' as torch.DType }), /unknown dtype 'complex'/);
  });

  it('keeps the process alive after many errors', () => {
    for (let i = 0; i < 200; i++) assert.throws(() => torch.ones([3]).view([2]));
    assert.equal(torch.ones([2]).sum().item(), 2);
  });
});

describe('finding libtorch at install time', () => {
  it('fails with instructions when LIBTORCH names no libtorch folder', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'find-libtorch.cjs'), '--check'], { env: { ...process.env, LIBTORCH: '/nonexistent/libtorch' }, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /LIBTORCH=\/nonexistent\/libtorch: \/nonexistent\/libtorch\/include\/ATen\/ATen\.h does not exist/);
    assert.match(r.stderr, /apt-get install -y libtorch-dev/);
    assert.match(r.stderr, /export LIBTORCH=/);
  });

  it('prints the include folders, lib folder and ABI for node-gyp', () => {
    const run = (what: string): string => spawnSync(process.execPath, [join(repoRoot, 'scripts', 'find-libtorch.cjs'), what], { encoding: 'utf8' }).stdout.trim();
    assert.match(run('abi'), /^[01]$/);
    assert.ok(run('libdir').length > 0);
    assert.ok(run('include').split(' ').length >= 2);
  });
});
