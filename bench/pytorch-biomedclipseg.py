#!/usr/bin/env python3
"""The reference speed for bench/biomedclipseg.ts: open_clip, timm and transformers are not
installable here, so this times the same architecture assembled from torch.nn with PyTorch:
a ViT-B/16 (pre-LN, exact GELU) run to block 10, BERT-base (post-LN) on a 256-token padded prompt,
the MLP projection to 512, and the CLIPSeg rd64-refined decoder on the 14 x 14 grid.
bf16 runs under torch.autocast('cpu', torch.bfloat16).
Usage: pytorch-biomedclipseg.py THREADS [fp32|bf16]. Prints one JSON object. Used only by `npm run bench`."""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from pytorch_common import DecoderLayer, best, clipseg_decoder, peak_rss_mib, precision_context, reset_peak_rss

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
precision = sys.argv[2] if len(sys.argv) > 2 else "fp32"
torch.manual_seed(0)


class PreLN(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.fc1, self.fc2 = nn.Linear(d, mlp), nn.Linear(mlp, d)

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class PostLN(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.fc1, self.fc2 = nn.Linear(d, mlp), nn.Linear(mlp, d)

    def forward(self, x, pad):
        x = self.norm1(x + self.attn(x, x, x, key_padding_mask=pad, need_weights=False)[0])
        return self.norm2(x + self.fc2(F.gelu(self.fc1(x))))


vision = nn.ModuleList([PreLN(768, 12, 3072) for _ in range(12)])
patch = nn.Conv2d(3, 768, 16, 16)
pos = torch.zeros(1, 197, 768)
bert = nn.ModuleList([PostLN(768, 12, 3072) for _ in range(12)])
word, position, emb_norm = nn.Embedding(30522, 768), nn.Embedding(512, 768), nn.LayerNorm(768, eps=1e-12)
proj = nn.Sequential(nn.Linear(768, 640, bias=False), nn.GELU(), nn.Linear(640, 512, bias=False))
reduces = nn.ModuleList([nn.Linear(768, 64) for _ in range(3)])
dec = nn.ModuleList([DecoderLayer(64, 4, 2048) for _ in range(3)])
film_mul, film_add = nn.Linear(512, 64), nn.Linear(512, 64)
head = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.ConvTranspose2d(64, 32, 4, 4), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 4))


def forward(x, ids):
    b = x.shape[0]
    t = patch(x).flatten(2).transpose(1, 2)
    t = torch.cat([torch.zeros(b, 1, 768), t], 1) + pos
    acts = []
    for i, blk in enumerate(vision):
        t = blk(t)
        if i in (4, 7, 10):
            acts.append(t)
        if i == 10:
            break
    pad = ids == 0
    e = emb_norm(word(ids) + position.weight[: ids.shape[1]])
    for blk in bert:
        e = blk(e, pad)
    cond = proj(e[:, 0])
    return clipseg_decoder(acts, cond, reduces, dec, film_mul, film_add, head, 14)




with torch.inference_mode(), precision_context(precision):
    ids = torch.zeros(1, 256, dtype=torch.long)
    ids[0, :7] = torch.tensor([2, 1037, 26572, 1999, 1996, 6472, 3])
    b1 = best(lambda: forward(torch.randn(1, 3, 224, 224), ids).sum().item(), 3)
    reset_peak_rss()
    b8 = best(lambda: forward(torch.randn(8, 3, 224, 224), ids.expand(8, -1)).sum().item(), 1)
    peak = peak_rss_mib()
print(json.dumps({"torch": torch.__version__, "precision": precision, "batch1_ms": b1 * 1e3, "batch8_ms_per_image": b8 / 8 * 1e3, "peak_rss_mib": peak}))
