// Engine benchmarks: matmul throughput, a conv layer's forward+backward, per-op call overhead.
import { torch } from '../src/index.js';
import { bestCpuMs, bestMs } from './timing.js';

export interface EngineFigures { matmul512_gflops: number; matmul2048_gflops: number; conv_fwd_bwd_ms: number; op_overhead_us: number }


export function engineFigures(): EngineFigures {
  const out: Partial<EngineFigures> = {};
  for (const [n, repeat] of [[512, 20], [2048, 3]] as const) {
    const [a, b] = [torch.randn([n, n]), torch.randn([n, n])];
    const seconds = bestMs(() => torch.scope(() => void torch.matmul(a, b)), repeat) / 1e3;
    out[`matmul${n}_gflops`] = (2 * n ** 3) / seconds / 1e9;
    torch.dispose(a, b);
  }
  const x = torch.randn([4, 64, 88, 88]);
  const weight = torch.randn([64, 64, 3, 3]).mul(0.05).keep().requiresGrad_();
  const bias = torch.zeros([64]).requiresGrad_();
  out.conv_fwd_bwd_ms = bestMs(() => torch.scope(() => {
    weight.grad = null;
    bias.grad = null;
    torch.F.conv2d(x, weight, bias, { padding: 1 }).sum().backward();
  }), 5);
  // Best of five runs of n calls, after a warm-up run (the JIT), freeing the results as PyTorch
  // does. CPU time, not wall time: the loop is single-threaded, and on a shared machine the
  // scheduler's pauses would swamp a microsecond (pytorch-reference.py measures the same way).
  const s = torch.ones([1]);
  const n = 20000;
  out.op_overhead_us = (bestCpuMs(() => torch.scope(() => {
    for (let i = 0; i < n; i++) torch.add(s, s);
  }), 5) * 1e3) / n;
  return out as EngineFigures;
}
