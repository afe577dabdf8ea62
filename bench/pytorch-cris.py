#!/usr/bin/env python3
"""The reference for bench/cris.ts: CRIS-R50 (DerrickWang005/CRIS.pytorch model/segmenter.py and
layers.py over OpenAI CLIP's RN50, config cris_r50.yaml sizes) assembled from torch.nn with random
weights, one 17-token prompt per image, logits upsampled to 416² bicubically (medvlsm's wrapper).
bf16 runs under torch.autocast('cpu', torch.bfloat16); norms take float32, as vlsm's LayerNorm
does under autocast. Usage: pytorch-cris.py THREADS [fp32|bf16]. Prints one JSON object."""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from pytorch_common import best, peak_rss_mib, precision_context, reset_peak_rss

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
precision = sys.argv[2] if len(sys.argv) > 2 else "fp32"
torch.manual_seed(0)


class LN(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.float())


def conv_bn(i, o, k, p):
    return nn.Sequential(nn.Conv2d(i, o, k, padding=p, bias=False), nn.BatchNorm2d(o), nn.ReLU())


class Bottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(inplanes, planes, 1, bias=False), nn.BatchNorm2d(planes)
        self.c2, self.b2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False), nn.BatchNorm2d(planes)
        self.c3, self.b3 = nn.Conv2d(planes, planes * 4, 1, bias=False), nn.BatchNorm2d(planes * 4)
        self.stride = stride
        self.down = None
        if stride > 1 or inplanes != planes * 4:
            self.down = nn.Sequential(nn.AvgPool2d(stride), nn.Conv2d(inplanes, planes * 4, 1, bias=False), nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        out = F.relu(self.b1(self.c1(x)))
        out = F.relu(self.b2(self.c2(out)))
        if self.stride > 1:
            out = F.avg_pool2d(out, self.stride)
        out = self.b3(self.c3(out))
        return F.relu(out + (self.down(x) if self.down is not None else x))


class AttnPool(nn.Module):
    def __init__(self, side, dim, heads, out):
        super().__init__()
        self.pos = nn.Parameter(torch.randn(side * side + 1, dim) / dim**0.5)
        self.side, self.heads = side, heads
        self.q, self.k, self.v, self.c = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, out)
        self.connect = nn.Sequential(nn.Conv2d(dim, out, 1, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        b, c, h, w = x.shape
        res = self.connect(x)
        grid = self.pos[1:].reshape(1, self.side, self.side, c).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, (h, w), mode="bicubic", align_corners=False).flatten(2)
        seq = (x.reshape(b, c, h * w) + grid).permute(2, 0, 1)
        out, _ = F.multi_head_attention_forward(seq, seq, seq, c, self.heads, None, torch.cat([self.q.bias, self.k.bias, self.v.bias]), None, None, False, 0.0,
                                                self.c.weight, self.c.bias, use_separate_proj_weight=True, q_proj_weight=self.q.weight,
                                                k_proj_weight=self.k.weight, v_proj_weight=self.v.weight, need_weights=False)
        return F.relu(out.permute(1, 2, 0).reshape(b, -1, h, w) + res)


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 32, 3, 1), conv_bn(32, 32, 3, 1), conv_bn(32, 64, 3, 1))
        self.stem[0][0].stride = (2, 2)
        layers, inplanes = [], 64
        for planes, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            mods = [Bottleneck(inplanes, planes, stride)] + [Bottleneck(planes * 4, planes, 1) for _ in range(blocks - 1)]
            inplanes = planes * 4
            layers.append(nn.Sequential(*mods))
        self.layers = nn.ModuleList(layers)
        self.attnpool = AttnPool(13, 2048, 32, 1024)

    def forward(self, x):
        x = F.avg_pool2d(self.stem(x), 2)
        x = self.layers[0](x)
        c3 = self.layers[1](x)
        c4 = self.layers[2](c3)
        return c3, c4, self.attnpool(self.layers[3](c4))


class TextBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads)
        self.ln_1, self.ln_2 = LN(d), LN(d)
        self.fc, self.proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, mask):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        h = self.fc(self.ln_2(x))
        return x + self.proj(h * torch.sigmoid(1.702 * h))


class Text(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(49408, 512), nn.Parameter(torch.randn(77, 512) * 0.01)
        self.blocks = nn.ModuleList([TextBlock(512, 8) for _ in range(12)])
        self.ln_final, self.projection = LN(512), nn.Parameter(torch.randn(512, 1024) * 0.02)

    def forward(self, ids):
        L = ids.shape[1]
        x = (self.tok(ids) + self.pos[:L]).permute(1, 0, 2)
        mask = torch.full((L, L), float("-inf")).triu(1)
        for blk in self.blocks:
            x = blk(x, mask)
        x = self.ln_final(x.permute(1, 0, 2))
        state = x[torch.arange(x.shape[0]), ids.argmax(-1)] @ self.projection
        return x, state


def coord(x):
    b, _, h, w = x.shape
    xs = torch.linspace(-1, 1, w).view(1, 1, 1, w).expand(b, 1, h, w)
    ys = torch.linspace(-1, 1, h).view(1, 1, h, 1).expand(b, 1, h, w)
    return torch.cat([x, xs.to(x.dtype), ys.to(x.dtype)], 1)


class FPN(nn.Module):
    def __init__(self, i=(512, 1024, 1024), o=(256, 512, 1024)):
        super().__init__()
        self.txt_proj = nn.Sequential(nn.Linear(i[2], o[2], bias=False), nn.BatchNorm1d(o[2]), nn.ReLU())
        self.f1_v_proj, self.norm_layer = conv_bn(i[2], o[2], 1, 0), nn.Sequential(nn.BatchNorm2d(o[2]), nn.ReLU())
        self.f2_v_proj, self.f2_cat = conv_bn(i[1], o[1], 3, 1), conv_bn(o[2] + o[1], o[1], 1, 0)
        self.f3_v_proj, self.f3_cat = conv_bn(i[0], o[0], 3, 1), conv_bn(o[0] + o[1], o[1], 1, 0)
        self.f4_proj5, self.f4_proj4, self.f4_proj3 = conv_bn(o[2], o[1], 3, 1), conv_bn(o[1], o[1], 3, 1), conv_bn(o[1], o[1], 3, 1)
        self.aggr, self.coordconv = conv_bn(3 * o[1], o[1], 1, 0), conv_bn(o[1] + 2, o[1], 3, 1)
        self.coordconv2 = conv_bn(o[1], o[1], 3, 1)

    def forward(self, v3, v4, v5, state):
        up = lambda t: F.interpolate(t, scale_factor=2, mode="bilinear", align_corners=False)
        f5 = self.norm_layer(self.f1_v_proj(v5) * self.txt_proj(state)[:, :, None, None])
        f4 = self.f2_cat(torch.cat([self.f2_v_proj(v4), up(f5)], 1))
        f3 = self.f3_cat(torch.cat([F.avg_pool2d(self.f3_v_proj(v3), 2, 2), f4], 1))
        fq = self.aggr(torch.cat([self.f4_proj3(f3), self.f4_proj4(f4), up(self.f4_proj5(f5))], 1))
        return self.coordconv2(self.coordconv(coord(fq)))


def pos1d(d, n):
    div = torch.exp(torch.arange(0, d, 2).float() * -(math.log(10000.0) / d))
    a = torch.arange(n).float()[:, None] * div
    return torch.stack([a.sin(), a.cos()], 2).reshape(n, 1, d)


def pos2d(d, h, w):
    half = d // 2
    cols = pos1d(half, w).reshape(w, half).t()[:, None, :].expand(half, h, w)
    rows = pos1d(half, h).reshape(h, half).t()[:, :, None].expand(half, h, w)
    return torch.cat([cols, rows], 0).reshape(d, 1, h * w).permute(2, 1, 0)


class DecoderLayer(nn.Module):
    def __init__(self, d=512, heads=8, ffn=2048):
        super().__init__()
        self.self_attn, self.cross = nn.MultiheadAttention(d, heads), nn.MultiheadAttention(d, heads)
        self.n1, self.n2, self.n3, self.sn, self.cn = LN(d), LN(d), LN(d), LN(d), LN(d)
        self.ffn = nn.Sequential(nn.Linear(d, ffn), nn.ReLU(), LN(ffn), nn.Linear(ffn, d))

    def forward(self, vis, txt, vpos, tpos, pad):
        n = self.n1(vis)
        q = n + vpos
        vis = vis + self.sn(self.self_attn(q, q, n, need_weights=False)[0])
        n = self.n2(vis)
        vis = vis + self.cn(self.cross(n + vpos, txt + tpos, txt, key_padding_mask=pad, need_weights=False)[0])
        return vis + self.ffn(self.n3(vis))


class Projector(nn.Module):
    def __init__(self, word=1024, d=256, k=3):
        super().__init__()
        up = lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.vis = nn.Sequential(up(), conv_bn(2 * d, 2 * d, 3, 1), up(), conv_bn(2 * d, d, 3, 1), nn.Conv2d(d, d, 1))
        self.txt, self.k = nn.Linear(word, d * k * k + 1), k

    def forward(self, x, state):
        x = self.vis(x)
        b, c, h, w = x.shape
        dyn = self.txt(state)
        weight, bias = dyn[:, :-1].reshape(b, c, self.k, self.k), dyn[:, -1]
        return F.conv2d(x.reshape(1, b * c, h, w), weight, bias, padding=self.k // 2, groups=b).transpose(0, 1)


backbone, text, neck, proj = ResNet().eval(), Text().eval(), FPN().eval(), Projector().eval()
decoder, dec_norm = nn.ModuleList([DecoderLayer().eval() for _ in range(3)]), LN(512)


def forward(x, ids):
    v3, v4, v5 = backbone(x)
    words, state = text(ids)
    pad = ids == 0
    fq = neck(v3, v4, v5, state)
    b, c, h, w = fq.shape
    vis, txt = fq.reshape(b, c, h * w).permute(2, 0, 1), words.permute(1, 0, 2)
    vpos, tpos = pos2d(c, h, w), pos1d(c, ids.shape[1])
    for layer in decoder:
        vis = layer(vis, txt, vpos, tpos, pad)
    decoded = dec_norm(vis).permute(1, 2, 0).reshape(b, c, h, w)
    return F.interpolate(proj(decoded, state), (416, 416), mode="bicubic", align_corners=True)


row = [49406, 320, 30901, 49407] + [0] * 13
with torch.inference_mode(), precision_context(precision):
    b1 = best(lambda: forward(torch.randn(1, 3, 416, 416), torch.tensor([row])).float().sum().item(), 3)
    reset_peak_rss()
    b8 = best(lambda: forward(torch.randn(8, 3, 416, 416), torch.tensor([row] * 8)).float().sum().item(), 1)
    peak = peak_rss_mib()
print(json.dumps({"torch": torch.__version__, "precision": precision, "batch1_ms": b1 * 1e3, "batch8_ms_per_image": b8 / 8 * 1e3, "peak_rss_mib": peak}))
