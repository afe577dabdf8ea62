#!/usr/bin/env python3
"""The reference for bench/clipseg.ts: what HuggingFace's CLIPSegForImageSegmentation computes
(transformers is not installable here, so the same architecture assembled from torch.nn: ViT-B/16
with all 12 layers run and the pooled output post-normed, as output_hidden_states does, the text
tower, and the rd64-refined decoder). bf16 runs under torch.autocast('cpu', torch.bfloat16).
Usage: pytorch-clipseg.py THREADS [fp32|bf16]. Prints one JSON object. Used only by `npm run bench`."""
import json
import sys

import torch
import torch.nn as nn

from pytorch_common import Attention, DecoderLayer, best, clipseg_decoder, peak_rss_mib, precision_context, reset_peak_rss

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
precision = sys.argv[2] if len(sys.argv) > 2 else "fp32"
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.fc1, self.fc2 = nn.Linear(d, mlp), nn.Linear(mlp, d)

    def forward(self, x, mask=None):
        h = self.ln_1(x)
        x = x + self.attn(h, mask)
        h = self.fc1(self.ln_2(x))
        return x + self.fc2(h * torch.sigmoid(1.702 * h))


vision = nn.ModuleList([Block(768, 12, 3072) for _ in range(12)])
text = nn.ModuleList([Block(512, 8, 2048) for _ in range(12)])
patch = nn.Conv2d(3, 768, 16, 16, bias=False)
pre_norm, post_norm, final_norm = nn.LayerNorm(768), nn.LayerNorm(768), nn.LayerNorm(512)
pos = torch.zeros(1, 485, 768)
tok, tok_pos = nn.Embedding(49408, 512), torch.zeros(77, 512)
reduces = nn.ModuleList([nn.Linear(768, 64) for _ in range(3)])
dec = nn.ModuleList([DecoderLayer(64, 4, 2048) for _ in range(3)])
film_mul, film_add, proj = nn.Linear(512, 64), nn.Linear(512, 64), nn.Linear(512, 512, bias=False)
head = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.ConvTranspose2d(64, 32, 4, 4), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 4))


def forward(x, ids):
    b = x.shape[0]
    t = patch(x).flatten(2).transpose(1, 2)
    t = pre_norm(torch.cat([torch.zeros(b, 1, 768), t], 1) + pos)
    hidden = [t]
    for blk in vision:  # HuggingFace runs every layer and keeps every hidden state
        t = blk(t)
        hidden.append(t)
    post_norm(t[:, 0])  # the pooled output HuggingFace computes
    acts = [hidden[i + 1] for i in (3, 6, 9)]
    L = ids.shape[1]
    e = tok(ids) + tok_pos[:L]
    causal = torch.full((L, L), float("-inf")).triu(1)
    for blk in text:
        e = blk(e, causal)
    e = final_norm(e)
    cond = proj(e[torch.arange(b), ids.argmax(-1)])
    return clipseg_decoder(acts, cond, reduces, dec, film_mul, film_add, head, 22)


ids = torch.tensor([[49406, 320, 3360, 2522, 6833, 335, 49407]])
with torch.inference_mode(), precision_context(precision):
    # Best of 5 and of 2 after a warm-up, as bench/clipseg.ts.
    b1 = best(lambda: forward(torch.randn(1, 3, 352, 352), ids).sum().item(), 5)
    reset_peak_rss()
    b8 = best(lambda: forward(torch.randn(8, 3, 352, 352), ids.expand(8, -1)).sum().item(), 2)
    peak = peak_rss_mib()
print(json.dumps({"torch": torch.__version__, "precision": precision, "batch1_ms": b1 * 1e3, "batch8_ms_per_image": b8 / 8 * 1e3, "peak_rss_mib": peak}))
