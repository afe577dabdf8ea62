// The caching CPU allocator (native/allocator.cc): tensors of 1 MiB and more reuse freed blocks of
// their size class, idle blocks go back to the system when asked or when left unused, and a
// reused block never leaks its old values into a new tensor's defined contents.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';

const MiB = 2 ** 20;
const idle = (bytes: number): number => torch.cpu.memoryStats().idleBlocks.find(([b]) => b === bytes)?.[1] ?? 0;

describe('torch.cpu caching allocator', () => {
  it('is installed, and serves a freed large block again instead of mapping a new one', () => {
    torch.cpu.emptyCache();
    const before = torch.cpu.memoryStats();
    assert.equal(before.caching, true);
    const a = torch.empty([3 * MiB / 4], { dtype: 'float32' }); // exactly 3 MiB: its own size class
    const held = torch.cpu.memoryStats();
    assert.equal(held.allocatedBytes - before.allocatedBytes, 3 * MiB);
    a.dispose();
    assert.equal(idle(3 * MiB), 1);
    assert.equal(torch.cpu.memoryStats().cachedBytes, 3 * MiB);
    const b = torch.empty([3 * MiB / 4], { dtype: 'float32' });
    const after = torch.cpu.memoryStats();
    assert.equal(after.hits - held.hits, 1);
    assert.equal(after.misses, held.misses);
    assert.equal(idle(3 * MiB), 0);
    b.dispose();
  });

  it('rounds a request up to its size class and reuses the block for a slightly different size', () => {
    torch.cpu.emptyCache();
    // 5,000,000 bytes → the class of 1/8 of 8 MiB steps: 5 MiB.
    const a = torch.empty([1_250_000], { dtype: 'float32' });
    assert.deepEqual(torch.cpu.memoryStats().liveBlocks.filter(([b]) => b === 5 * MiB), [[5 * MiB, 1]]);
    a.dispose();
    const hits = torch.cpu.memoryStats().hits;
    const b = torch.empty([1_200_000], { dtype: 'float32' }); // 4.8 MB: the same 5 MiB class
    assert.equal(torch.cpu.memoryStats().hits, hits + 1);
    b.dispose();
  });

  it('gives a reused block correct contents: zeros are zeros, copies are copies', () => {
    torch.scope(() => {
      const junk = torch.full([2 * MiB / 4], 7.5);
      junk.dispose();
      const zeros = torch.zeros([2 * MiB / 4]);
      assert.equal(zeros.abs().sum().item(), 0);
      const x = torch.randn([2 * MiB / 4]);
      const y = x.clone();
      assert.equal(x.sub(y).abs().max().item(), 0);
    });
  });

  it('emptyCache returns every idle block; small tensors never enter the cache', () => {
    torch.scope(() => {
      torch.empty([4 * MiB / 4]);
      torch.empty([1000]);
    });
    assert.ok(torch.cpu.memoryStats().cachedBytes >= 4 * MiB);
    torch.cpu.emptyCache();
    const s = torch.cpu.memoryStats();
    assert.equal(s.cachedBytes, 0);
    assert.deepEqual(s.idleBlocks, []);
    const live = s.allocatedBytes;
    const small = torch.empty([1000]);
    assert.equal(torch.cpu.memoryStats().allocatedBytes, live);
    small.dispose();
  });

  it('unmaps an idle block once 512 large allocations have passed without reusing it', () => {
    torch.cpu.emptyCache();
    torch.empty([6 * MiB / 4]).dispose(); // a 6 MiB block, left idle
    assert.equal(idle(6 * MiB), 1);
    for (let i = 0; i < 300; i++) torch.empty([MiB / 4]).dispose(); // other sizes: 1 MiB blocks
    assert.equal(idle(6 * MiB), 1, 'still kept after 300');
    for (let i = 0; i < 300; i++) torch.empty([MiB / 4]).dispose();
    assert.equal(idle(6 * MiB), 0, 'unmapped after 600');
  });

  it('tracks the peak in use and resets it', () => {
    torch.cpu.emptyCache();
    torch.cpu.resetPeakMemoryStats();
    const base = torch.cpu.memoryStats().allocatedBytes;
    torch.scope(() => {
      torch.empty([8 * MiB / 4]);
      torch.empty([8 * MiB / 4]);
    });
    const s = torch.cpu.memoryStats();
    assert.equal(s.peakAllocatedBytes - base, 16 * MiB);
    assert.deepEqual(s.peakLiveBlocks.find(([b]) => b === 8 * MiB), [8 * MiB, 2]);
    torch.cpu.resetPeakMemoryStats();
    assert.equal(torch.cpu.memoryStats().peakAllocatedBytes, base);
  });

  it("VLSM_CPU_CACHING=0 keeps libtorch's own allocator, and tensors still work", () => {
    const script = `
      import { torch } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
      const x = torch.randn([1 << 20]);
      const s = torch.cpu.memoryStats();
      console.log(JSON.stringify({ caching: s.caching, allocated: s.allocatedBytes, sum: x.sub(x.clone()).abs().sum().item() }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, VLSM_CPU_CACHING: '0' } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { caching: false, allocated: 0, sum: 0 });
  });
});
