"""Pieces the PyTorch reference scripts of `npm run bench` share (imported from the bench folder)."""
import contextlib
import re
import time

import torch
import torch.nn as nn


def best(fn, repeat):
    """Best wall time in seconds of `repeat` runs after one warm-up run."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def best_cpu(fn, repeat):
    """Least CPU time in seconds of `repeat` runs after one warm-up run, as bench/timing.ts's bestCpuMs."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def precision_context(precision):
    """bf16 rows run under torch.autocast('cpu', torch.bfloat16), as a PyTorch user would."""
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def reset_peak_rss():
    """Forgets the peak resident size so far (Linux), so the next peak is the work's own."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mib():
    with open("/proc/self/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024


class Attention(nn.Module):
    """HuggingFace's CLIPAttention: separate q/k/v projections, queries scaled, bmm, softmax, bmm."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.scale = heads, (d // heads) ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask=None):
        b, n, d = x.shape

        def split(t):
            return t.view(b, n, self.heads, -1).transpose(1, 2).reshape(b * self.heads, n, -1)

        q, k, v = split(self.q_proj(x) * self.scale), split(self.k_proj(x)), split(self.v_proj(x))
        w = torch.bmm(q, k.transpose(1, 2))
        if mask is not None:
            w = (w.view(b, self.heads, n, n) + mask).view(b * self.heads, n, n)
        out = torch.bmm(w.softmax(-1), v).view(b, self.heads, n, -1).transpose(1, 2).reshape(b, n, d)
        return self.out_proj(out)


class DecoderLayer(nn.Module):
    """CLIPSeg's decoder layer (post-LN, ReLU MLP). Its input comes from a linear, so under CPU
    autocast it is bfloat16, which PyTorch 1.13's layer_norm rejects beside float32 weights: the
    norms take it in float32, as vlsm's LayerNorm does under autocast (a no-op in float32)."""

    def __init__(self, d, heads, mlp):
        super().__init__()
        self.attn = Attention(d, heads)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, mlp), nn.Linear(mlp, d)

    def forward(self, x):
        x = self.norm1((x + self.attn(x)).float())
        return self.norm2((x + self.fc2(torch.relu(self.fc1(x)))).float())


def clipseg_decoder(acts, cond, reduces, layers, film_mul, film_add, head, side):
    """CLIPSeg's decoder: reduce and add the activations deepest first, FiLM at step 0, then the head."""
    out = None
    for i, (a, r, layer) in enumerate(zip(acts[::-1], reduces, layers)):
        out = r(a) if out is None else r(a) + out
        if i == 0:
            out = film_mul(cond)[:, None] * out + film_add(cond)[:, None]
        out = layer(out)
    b, _, width = out.shape
    return head(out[:, 1:].transpose(1, 2).reshape(b, width, side, side))
