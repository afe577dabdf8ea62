#!/usr/bin/env python3
"""The same measurement as bench/cnn.ts, by PyTorch: one training step (forward, BCE-with-logits,
backward, SGD with momentum) of the ResNet-50 UNet, UNet++ and DeepLabV3+ built by
tools/make-cnn-golden.py (smp 0.3.3's architecture over torchvision's resnet50).

Usage: cnn-pytorch-reference.py [threads] [batch] [size] [repeat]. Prints one JSON object with
`<arch>_train_step_ms`. Run with OMP_WAIT_POLICY=PASSIVE, as vlsm.
"""
import importlib.util
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('golden', os.path.join(HERE, '..', 'tools', 'make-cnn-golden.py'))
golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden)

args = sys.argv[1:] + [None] * 4
threads, batch, size, repeat = args[:4]
if threads:
    torch.set_num_threads(int(threads))
batch, size, repeat = int(batch or 16), int(size or 256), int(repeat or 1)

out = {'torch': torch.__version__, 'threads': torch.get_num_threads()}
for arch in ['unet', 'unetplusplus', 'deeplabv3plus']:
    dec = 256 if arch == 'deeplabv3plus' else [256, 128, 64, 32, 16]
    _, model = golden.build(arch, 'bottleneck', [3, 4, 6, 3], 64, 1, dec)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    x = torch.randn(batch, 3, size, size)
    y = (torch.rand(batch, 1, size, size) > 0.5).float()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        opt.step()

    step()
    best = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    out[f'{arch}_train_step_ms'] = best * 1e3
    del model, opt
print(json.dumps(out))
