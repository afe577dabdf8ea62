// nn.Sequential frees each intermediate once the next layer has used it, never its input or a
// tensor a layer handed back unchanged; nn.ReLU({ inplace: true }) overwrites and returns its input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';

const { nn } = torch;
const MiB = 2 ** 20;

/** Adds 1 into a new tensor, and records the CPU allocator's bytes in use when it ran. */
class AddOne extends nn.Module {
  inUse = 0;
  forward(x: torch.Tensor): torch.Tensor {
    this.inUse = torch.cpu.memoryStats().allocatedBytes;
    return x.add(1);
  }
}

describe('nn.Sequential memory', () => {
  it('holds at most the current input and output of a layer, not every earlier output', () => {
    torch.scope(() => {
      const layers = [new AddOne(), new AddOne(), new AddOne(), new AddOne()];
      const stack = new nn.Sequential(...layers);
      const input = torch.zeros([2 * MiB / 4]); // 2 MiB: served by the caching allocator
      const base = torch.cpu.memoryStats().allocatedBytes;
      const out = stack.forward(input);
      // When the last layer runs, only the previous layer's output is alive besides the input.
      assert.equal(layers[3]!.inUse - base, 2 * MiB);
      assert.equal(out.sum().item(), 4 * 2 * MiB / 4);
      assert.equal(input.sum().item(), 0, 'the input is untouched and still usable');
    });
  });

  it('keeps a tensor an in-place layer returns, and gives the same values and gradients as out of place', () => {
    torch.manualSeed(11);
    torch.scope(() => {
      const x = torch.randn([4, 3, 5, 5]);
      const conv = new nn.Conv2d(3, 6, 3, { padding: 1 });
      const bn = new nn.BatchNorm2d(6);
      const grads = (relu: torch.nn.ReLU): number[] => {
        conv.zeroGrad();
        const y = new nn.Sequential(conv, bn, relu).forward(x);
        y.square().sum().backward();
        return [...(y.data() as Float32Array), ...(conv.weight.grad!.data() as Float32Array)];
      };
      const inPlace = grads(new nn.ReLU({ inplace: true }));
      const plain = grads(new nn.ReLU());
      assert.deepEqual(inPlace, plain);
      const t = torch.tensor([-1, 2, -3]);
      const r = new nn.ReLU({ inplace: true }).forward(t);
      assert.equal(r, t);
      assert.deepEqual([...(t.data() as Float32Array)], [0, 2, 0]);
    });
  });
});
