#!/usr/bin/env python3
"""The same measurements as bench/engine.ts, by PyTorch, for the ratio in `npm run bench`.

Prints one JSON object. Run with the same thread settings as vlsm (OMP_WAIT_POLICY=PASSIVE).
"""
import json
import sys

import torch

from pytorch_common import best, best_cpu

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())




out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
for n, repeat in ((512, 20), (2048, 3)):
    a, b = torch.randn(n, n), torch.randn(n, n)
    out[f"matmul{n}_gflops"] = 2 * n**3 / best(lambda: torch.matmul(a, b), repeat) / 1e9

x = torch.randn(4, 64, 88, 88)
conv = torch.nn.Conv2d(64, 64, 3, padding=1)


def fwd_bwd():
    conv.zero_grad()
    conv(x).sum().backward()


out["conv_fwd_bwd_ms"] = best(fwd_bwd, 5) * 1e3
s = torch.ones(1)
n = 20000


def many_adds():
    for _ in range(n):
        torch.add(s, s)


out["op_overhead_us"] = best_cpu(many_adds, 5) / n * 1e6
print(json.dumps(out))
