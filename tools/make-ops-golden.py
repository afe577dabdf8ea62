#!/usr/bin/env python3
"""Golden values for vlsm's op wrappers, computed by PyTorch (Debian python3-torch 1.13).

Every input is a deterministic function of its shape (no RNG), so the TypeScript test rebuilds it
exactly. Output: test/fixtures/ops/golden.json. Run: /usr/bin/python3 tools/make-ops-golden.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def det(*shape, scale=1.0, shift=0.0):
    """sin(0.7 i + 0.3) * scale + shift over the flat index i: the same formula as the test."""
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.float64)
    return (torch.sin(0.7 * i + 0.3) * scale + shift).reshape(shape)


cases = {}


def case(name, out, **extra):
    cases[name] = {"shape": list(out.shape), "values": out.detach().flatten().tolist(), **extra}


x = det(1, 2, 5, 6)
case("interpolate_nearest_size", F.interpolate(x, size=(7, 9), mode="nearest"))
case("interpolate_nearest_scale", F.interpolate(x, scale_factor=1.7, mode="nearest"))
case("interpolate_nearest_exact", F.interpolate(x, size=(3, 4), mode="nearest-exact"))
case("interpolate_bilinear", F.interpolate(x, size=(8, 11), mode="bilinear", align_corners=False))
case("interpolate_bilinear_ac", F.interpolate(x, size=(8, 11), mode="bilinear", align_corners=True))
case("interpolate_bilinear_scale", F.interpolate(x, scale_factor=2.5, mode="bilinear", align_corners=False))
case("interpolate_bicubic", F.interpolate(x, size=(8, 11), mode="bicubic", align_corners=False))
case("interpolate_bicubic_ac", F.interpolate(x, size=(8, 11), mode="bicubic", align_corners=True))
case("interpolate_bilinear_aa_down", F.interpolate(det(1, 1, 12, 14), size=(5, 4), mode="bilinear", antialias=True))
case("interpolate_bicubic_aa_down", F.interpolate(det(1, 1, 12, 14), size=(5, 4), mode="bicubic", antialias=True))
case("interpolate_area", F.interpolate(x, size=(2, 3), mode="area"))
case("interpolate_linear_1d", F.interpolate(det(2, 3, 7), size=12, mode="linear", align_corners=False))

inp = det(2, 4, 7, 6)
w = det(6, 2, 3, 3, scale=0.5, shift=0.1)
b = det(6, scale=0.2)
case("conv2d_groups", F.conv2d(inp, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2))
case("conv2d_same", F.conv2d(inp, det(3, 4, 3, 3), None, padding="same"))
wt = det(4, 3, 4, 4, scale=0.3)
case("conv_transpose2d", F.conv_transpose2d(inp, wt, det(3), stride=2, padding=1, output_padding=1))
case("conv1d", F.conv1d(det(2, 3, 9), det(5, 3, 3), det(5), stride=2, padding=1))
case("avg_pool2d", F.avg_pool2d(inp, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False))
case("max_pool2d", F.max_pool2d(inp, 2, stride=2, padding=1))
case("adaptive_avg_pool2d", F.adaptive_avg_pool2d(inp, (3, 4)))
case("layer_norm", F.layer_norm(inp, (7, 6), det(7, 6, shift=1.0), det(7, 6, scale=0.1), eps=1e-5))
case("group_norm", F.group_norm(inp, 2, det(4, shift=1.0), det(4, scale=0.1)))
rm, rv = det(4, scale=0.1), det(4, scale=0.1, shift=1.0)
case("batch_norm_train", F.batch_norm(inp, rm, rv, det(4, shift=1.0), det(4, scale=0.1), training=True, momentum=0.3))
case("batch_norm_train_running_mean", rm)
case("batch_norm_train_running_var", rv)
case("batch_norm_eval", F.batch_norm(inp, rm, rv, det(4, shift=1.0), det(4, scale=0.1), training=False))
case("var_dim", inp.var(dim=(1, 3), keepdim=True))
case("std_biased", inp.std(dim=-1, unbiased=False))
case("norm_p3", torch.linalg.vector_norm(inp, 3, dim=(0, 2)))
case("softmax", inp.softmax(-1))
case("log_softmax", inp.log_softmax(1))
case("gelu_tanh", F.gelu(inp, approximate="tanh"))
case("gelu", F.gelu(inp))
t = (det(2, 4, 7, 6, scale=0.5, shift=0.5) > 0.5).double()
case("bce_with_logits_mean", F.binary_cross_entropy_with_logits(inp, t).reshape(1))
case("bce_with_logits_pos_weight_sum", F.binary_cross_entropy_with_logits(inp, t, pos_weight=torch.tensor([2.0]), reduction="sum").reshape(1))
case("pad_reflect", F.pad(inp, (1, 2, 2, 1), mode="reflect"))
case("pad_replicate", F.pad(inp, (1, 2, 2, 1), mode="replicate"))
case("pad_constant", F.pad(inp, (1, 2), value=3.5))
idx = torch.tensor([[0, 2, 1], [1, 0, 0]])
case("gather", torch.gather(det(2, 3), 1, idx))
case("scatter", torch.zeros(2, 4).scatter(1, idx, det(2, 3)))
case("logsumexp", torch.logsumexp(inp, dim=(2, 3)))
case("cumsum", torch.cumsum(det(3, 4), dim=1))
case("addmm", torch.addmm(det(2, 4), det(2, 3), det(3, 4), beta=0.5, alpha=2.0))
case("baddbmm", torch.baddbmm(det(2, 2, 4), det(2, 2, 3), det(2, 3, 4), beta=0.5, alpha=2.0))
case("einsum", torch.einsum("bij,bjk->bik", det(2, 2, 3), det(2, 3, 4)))
q, k, v = det(2, 3, 4, 5), det(2, 3, 6, 5, scale=0.7), det(2, 3, 6, 5, scale=0.4)
scores = (q @ k.transpose(-2, -1)) / math.sqrt(5)
keymask = torch.tensor([True, True, True, True, False, False])
case("attention_masked", torch.softmax(scores.masked_fill(~keymask, float("-inf")), -1) @ v)

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "ops", "golden.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "generator": "tools/make-ops-golden.py", "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")
