#!/usr/bin/env python3
"""The reference speed for bench/clipseg.ts: HuggingFace-equivalent CLIPSeg built from the
original timojl/clipseg computation is not installable here, so this times the same architecture
assembled from torch.nn (ViT-B/16 towers + CLIPSeg decoder, rd64-refined sizes) with PyTorch.
Prints one JSON object. Used only by `npm run bench`."""
import json
import sys

import torch
import torch.nn as nn

from pytorch_common import best, clipseg_decoder

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())


class Block(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.fc1, self.fc2 = nn.Linear(d, mlp), nn.Linear(mlp, d)

    def forward(self, x, mask=None):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        h = self.fc1(self.ln_2(x))
        return x + self.fc2(h * torch.sigmoid(1.702 * h))


vision = nn.ModuleList([Block(768, 12, 3072) for _ in range(12)])
text = nn.ModuleList([Block(512, 8, 2048) for _ in range(12)])
patch = nn.Conv2d(3, 768, 16, 16, bias=False)
tok = nn.Embedding(49408, 512)
reduces = nn.ModuleList([nn.Linear(768, 64) for _ in range(3)])
dec = nn.ModuleList([nn.TransformerEncoderLayer(64, 4, 2048, 0.0, batch_first=True) for _ in range(3)])
film_mul, film_add, proj = nn.Linear(512, 64), nn.Linear(512, 64), nn.Linear(512, 512)
head = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.ConvTranspose2d(64, 32, 4, 4), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 4))


def forward(x, ids):
    b = x.shape[0]
    t = patch(x).flatten(2).transpose(1, 2)
    t = torch.cat([torch.zeros(b, 1, 768), t], 1)
    acts = []
    for i, blk in enumerate(vision):
        t = blk(t)
        if i + 1 in (4, 7, 10):
            acts.append(t)
        if i + 1 == 10:
            break
    e = tok(ids)
    causal = torch.full((ids.shape[1], ids.shape[1]), float("-inf")).triu(1)
    for blk in text:
        e = blk(e, causal)
    cond = proj(e[:, -1])
    return clipseg_decoder(acts, cond, reduces, dec, film_mul, film_add, head, 22)




with torch.inference_mode():
    ids = torch.tensor([[49406, 320, 3360, 2522, 6833, 335, 49407]])
    b1 = best(lambda: forward(torch.randn(1, 3, 352, 352), ids), 3)
    b8 = best(lambda: forward(torch.randn(8, 3, 352, 352), ids.expand(8, -1)), 1)
print(json.dumps({"torch": torch.__version__, "batch1_ms": b1 * 1e3, "batch8_ms_per_image": b8 / 8 * 1e3, "images_per_s": 8 / b8}))
