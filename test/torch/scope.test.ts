// Deterministic memory: scopes free what they do not return, and a training loop does not grow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';

const live = (): number => torch.memory().numTensors;

describe('torch.scope', () => {
  it('disposes every tensor made inside except the returned ones', () => {
    const before = live();
    let inner: torch.Tensor | undefined;
    const out = torch.scope(() => {
      inner = torch.ones([3]);
      const twice = inner.mul(2);
      return { result: twice.add(1), label: 'x' };
    });
    assert.equal(inner!.isDisposed, true);
    assert.deepEqual(out.result.toArray(), [3, 3, 3]);
    assert.equal(live(), before + 1);
    out.result.dispose();
    assert.equal(live(), before);
  });

  it('passes returned tensors to the enclosing scope', () => {
    const before = live();
    torch.scope(() => {
      const kept = torch.scope(() => [torch.zeros([2]), torch.ones([2])]);
      assert.equal(kept[0].isDisposed, false);
    });
    assert.equal(live(), before);
  });

  it('leaves kept tensors alone', () => {
    const kept = torch.scope(() => {
      torch.keep(torch.ones([2]));
      return torch.zeros([1]).keep();
    });
    assert.equal(kept.isDisposed, false);
  });

  it('disposes everything when fn throws, and rethrows', () => {
    const before = live();
    assert.throws(() => torch.scope(() => {
      torch.ones([4]);
      throw new Error('boom');
    }), /boom/);
    assert.equal(live(), before);
  });

  it('refuses a Promise, since a scope cannot span an await', () => {
    assert.throws(() => torch.scope(async () => torch.ones([1])), /fn returned a Promise; a scope cannot span an await/);
  });

  it('makes a disposed tensor fail loudly, not crash', () => {
    const t = torch.ones([2]);
    t.dispose();
    t.dispose();
    assert.throws(() => t.add(1), /used after dispose\(\)/);
    assert.equal(t.toString(), 'Tensor(disposed)');
  });

  it('runs 1,000 training steps of a small model without growing memory', () => {
    torch.manualSeed(0);
    const w1 = torch.randn([8, 4]).mul(0.5).keep().requiresGrad_();
    const w2 = torch.randn([1, 8]).mul(0.5).keep().requiresGrad_();
    const x = torch.randn([32, 4]).keep();
    const y = x.sum(1, { keepdim: true }).gt(0).float().keep();
    const params = [w1, w2];
    const step = (): number => torch.scope(() => {
      for (const p of params) p.grad = null;
      const hidden = torch.F.relu(torch.F.linear(x, w1));
      const loss = torch.F.binaryCrossEntropyWithLogits(torch.F.linear(hidden, w2), y);
      loss.backward();
      torch.noGrad(() => { for (const p of params) p.sub_(p.grad!, 0.5); });
      return loss.item();
    });
    const first = step();
    const baseline = live();
    const rssBefore = process.memoryUsage().rss;
    let last = first;
    for (let i = 0; i < 1000; i++) last = step();
    assert.equal(live(), baseline, 'live tensor count after 1,000 steps');
    assert.ok(process.memoryUsage().rss - rssBefore < 64 * 1024 * 1024, 'RSS grew by more than 64 MiB');
    assert.ok(last < first * 0.5, `loss ${first} -> ${last}`);
  });
});
