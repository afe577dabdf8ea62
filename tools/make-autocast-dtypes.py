#!/usr/bin/env python3
"""Golden output dtypes of operators under CPU bfloat16 autocast, recorded with PyTorch 1.13.

For each operator and each combination of input dtypes, the dtype PyTorch's
torch.autocast('cpu', torch.bfloat16) gives its output (and, as a control, the dtype without
autocast). The test builds the same inputs (shape and dtype; values do not matter) and checks that
vlsm's torch.autocast gives the same dtypes. Output: test/fixtures/amp/autocast-dtypes.json.
Run: /usr/bin/python3 tools/make-autocast-dtypes.py
"""
import json
import os

import torch
import torch.nn.functional as F

NAMES = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.float16: "float16", torch.float64: "float64", torch.int64: "int64"}
DTYPES = {v: k for k, v in NAMES.items()}

# name -> (input shapes, function). The TypeScript test holds the same table with vlsm's calls.
OPS = {
    "matmul": ([(4, 8), (8, 3)], lambda a, b: torch.matmul(a, b)),
    "mm": ([(4, 8), (8, 3)], lambda a, b: torch.mm(a, b)),
    "bmm": ([(2, 4, 8), (2, 8, 3)], lambda a, b: torch.bmm(a, b)),
    "addmm": ([(4, 3), (4, 8), (8, 3)], lambda c, a, b: torch.addmm(c, a, b)),
    "baddbmm": ([(2, 4, 3), (2, 4, 8), (2, 8, 3)], lambda c, a, b: torch.baddbmm(c, a, b)),
    "linear": ([(4, 8), (3, 8), (3,)], lambda x, w, b: F.linear(x, w, b)),
    "conv1d": ([(1, 2, 9), (3, 2, 3), (3,)], lambda x, w, b: F.conv1d(x, w, b)),
    "conv2d": ([(1, 2, 6, 6), (3, 2, 3, 3), (3,)], lambda x, w, b: F.conv2d(x, w, b, padding=1)),
    "conv_transpose2d": ([(1, 2, 4, 4), (2, 3, 2, 2), (3,)], lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2)),
    "layer_norm": ([(2, 4, 8), (8,), (8,)], lambda x, w, b: F.layer_norm(x, [8], w, b)),
    "group_norm": ([(2, 4, 3, 3), (4,), (4,)], lambda x, w, b: F.group_norm(x, 2, w, b)),
    "batch_norm_eval": ([(2, 4, 3, 3), (4,), (4,)], lambda x, w, b: F.batch_norm(x, torch.zeros(4), torch.ones(4), w, b, training=False)),
    "softmax": ([(2, 5)], lambda x: torch.softmax(x, -1)),
    "log_softmax": ([(2, 5)], lambda x: torch.log_softmax(x, -1)),
    "sum": ([(2, 5)], lambda x: x.sum()),
    "mean": ([(2, 5)], lambda x: x.mean()),
    "prod": ([(2, 5)], lambda x: x.prod()),
    "exp": ([(2, 5)], lambda x: torch.exp(x)),
    "sigmoid": ([(2, 5)], lambda x: torch.sigmoid(x)),
    "gelu": ([(2, 5)], lambda x: F.gelu(x)),
    "relu": ([(2, 5)], lambda x: F.relu(x)),
    "binary_cross_entropy_with_logits": ([(2, 5), (2, 5)], lambda x, t: F.binary_cross_entropy_with_logits(x, t)),
    "mse_loss": ([(2, 5), (2, 5)], lambda x, t: F.mse_loss(x, t)),
    "l1_loss": ([(2, 5), (2, 5)], lambda x, t: F.l1_loss(x, t)),
    "add": ([(2, 5), (2, 5)], lambda a, b: a + b),
    "mul": ([(2, 5), (2, 5)], lambda a, b: a * b),
    "cat": ([(2, 5), (2, 5)], lambda a, b: torch.cat([a, b])),
    "stack": ([(2, 5), (2, 5)], lambda a, b: torch.stack([a, b])),
    "interpolate_bilinear": ([(1, 2, 4, 4)], lambda x: F.interpolate(x, size=(8, 8), mode="bilinear", align_corners=False)),
    "interpolate_nearest": ([(1, 2, 4, 4)], lambda x: F.interpolate(x, size=(8, 8), mode="nearest")),
    "max_pool2d": ([(1, 2, 4, 4)], lambda x: F.max_pool2d(x, 2)),
    "avg_pool2d": ([(1, 2, 4, 4)], lambda x: F.avg_pool2d(x, 2)),
    "adaptive_avg_pool2d": ([(1, 2, 4, 4)], lambda x: F.adaptive_avg_pool2d(x, 1)),
    "normalize": ([(2, 5)], lambda x: F.normalize(x, dim=-1)),
    "cosine_similarity": ([(2, 5), (2, 5)], lambda a, b: F.cosine_similarity(a, b, dim=-1)),
}

# Input dtype combinations: all float32, and for multi-input ops the mixed cases a model meets
# (a bfloat16 activation meeting a float32 weight or target, and the reverse).
def combos(arity):
    yield ["float32"] * arity
    yield ["bfloat16"] * arity
    if arity > 1:
        yield ["bfloat16"] + ["float32"] * (arity - 1)
        yield ["float32"] + ["bfloat16"] * (arity - 1)


def run(fn, shapes, dtypes):
    g = torch.Generator().manual_seed(0)
    inputs = [torch.rand(s, generator=g).to(DTYPES[d]) for s, d in zip(shapes, dtypes)]
    try:
        return NAMES[fn(*inputs).dtype]
    except RuntimeError as e:
        return "error"


cases = []
for name, (shapes, fn) in OPS.items():
    for dtypes in combos(len(shapes)):
        plain = run(fn, shapes, dtypes)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            cast = run(fn, shapes, dtypes)
        cases.append({"op": name, "shapes": [list(s) for s in shapes], "inputs": dtypes, "plain": plain, "autocast": cast})

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "amp", "autocast-dtypes.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "deviceType": "cpu", "dtype": "bfloat16", "cases": cases}, f, indent=1)
    f.write("\n")
print(f"{len(cases)} cases -> {out}")
