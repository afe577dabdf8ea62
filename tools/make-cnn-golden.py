#!/usr/bin/python3
"""Golden vectors and parameter counts for the CNN baselines (test/models/cnn).

Run with Debian's PyTorch 1.13 and torchvision 0.14: `/usr/bin/python3 tools/make-cnn-golden.py`.

The reference is segmentation_models_pytorch 0.3.3 (qubvel-org/segmentation_models.pytorch, tag
v0.3.3, commit e5d3db20e9c2ddb76f88642409e527239943c983), which is not installed here. Its encoder
is torchvision's ResNet itself (ResNetEncoder subclasses it and deletes fc and avgpool), so the
encoder below *is* torchvision's ResNet, its blocks and its `_make_layer`; only the base width is
made tiny. The decoders are rebuilt from torch.nn following smp 0.3.3's decoders/unet/decoder.py,
decoders/unetplusplus/decoder.py, decoders/deeplabv3/decoder.py and base/{modules,heads,model}.py,
module for module, so that state-dict keys and their order are the library's.

Writes to test/fixtures/cnn/:
  <arch>.pt        torch.save({'state_dict': model weights, 'expected': {...}}): the weights
                   (random, BatchNorm statistics randomised too) and the expected tensors:
                   `logits` (eval mode); from one train-mode step from the same state,
                   `train_logits`, `train_loss` (BCE-with-logits against det(logits) > 0),
                   `grad.<key>` for a few parameters (GRAD_KEYS) and `after_train.<bn key>` (the
                   running statistics); DeepLabV3+'s Dropout(0.5) is kept in eval mode there,
                   since random streams differ; and for
                   the UNet++ the five encoder features `features.<i>`.
  resnet-tiny-torchvision.pth  the UNet++'s (basic-block) encoder saved as a torchvision ResNet state dict
                   (fc.* included), for the user path that loads ImageNet checkpoints.
  reference.json   the tiny configurations, and the full-size ResNet-50 models' parameter
                   counts and output shapes at 256x256.
The input is det(shape) (sin(0.7 i + 0.3) over the flat index, test/helpers.ts `det`) with the
shape given per model in reference.json, computed in float64 and cast to float32: not stored.
"""
import json
import math
import os
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'cnn')


# ---- encoder: torchvision's ResNet at any base width ----------------------------------------------

def resnet(block, layers, width=64, num_classes=1000):
    """torchvision.models.resnet.ResNet with `width` in place of its hard-coded 64 (same modules,
    same `_make_layer`, same key order)."""
    if width == 64:
        return ResNet(block, layers, num_classes=num_classes)
    m = ResNet.__new__(ResNet)
    nn.Module.__init__(m)
    m._norm_layer = nn.BatchNorm2d
    m.inplanes = width
    m.dilation = 1
    m.groups = 1
    m.base_width = 64
    m.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
    m.bn1 = nn.BatchNorm2d(width)
    m.relu = nn.ReLU(inplace=True)
    m.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
    m.layer1 = m._make_layer(block, width, layers[0])
    m.layer2 = m._make_layer(block, width * 2, layers[1], stride=2)
    m.layer3 = m._make_layer(block, width * 4, layers[2], stride=2)
    m.layer4 = m._make_layer(block, width * 8, layers[3], stride=2)
    m.avgpool = nn.AdaptiveAvgPool2d((1, 1))
    m.fc = nn.Linear(width * 8 * block.expansion, num_classes)
    return m


def make_encoder(tv):
    """smp's ResNetEncoder: the torchvision model without fc and avgpool."""
    del tv.fc
    del tv.avgpool
    return tv


def encoder_features(enc, x, depth=5):
    stages = [nn.Identity(), nn.Sequential(enc.conv1, enc.bn1, enc.relu), nn.Sequential(enc.maxpool, enc.layer1), enc.layer2, enc.layer3, enc.layer4]
    features = []
    for i in range(depth + 1):
        x = stages[i](x)
        features.append(x)
    return features


def replace_strides_with_dilation(module, rate):
    """smp encoders/_utils.py: every Conv2d of the stage gets stride 1, dilation `rate`, padding
    (k // 2) * rate (the 1x1 convolutions included, where it changes nothing)."""
    for mod in module.modules():
        if isinstance(mod, nn.Conv2d):
            mod.stride = (1, 1)
            mod.dilation = (rate, rate)
            kh, kw = mod.kernel_size
            mod.padding = ((kh // 2) * rate, (kw // 2) * rate)


def encoder_channels(block, width):
    e = block.expansion
    return [3, width, width * e, width * 2 * e, width * 4 * e, width * 8 * e]


# ---- smp base modules ------------------------------------------------------------------------------

class Conv2dReLU(nn.Sequential):
    def __init__(self, cin, cout, k, padding=0, use_batchnorm=True):
        conv = nn.Conv2d(cin, cout, k, padding=padding, bias=not use_batchnorm)
        bn = nn.BatchNorm2d(cout) if use_batchnorm else nn.Identity()
        super().__init__(conv, bn, nn.ReLU(inplace=True))


class SegmentationHead(nn.Sequential):
    def __init__(self, cin, cout, kernel_size=3, upsampling=1):
        conv = nn.Conv2d(cin, cout, kernel_size=kernel_size, padding=kernel_size // 2)
        up = nn.UpsamplingBilinear2d(scale_factor=upsampling) if upsampling > 1 else nn.Identity()
        super().__init__(conv, up, nn.Identity())


class SmpModel(nn.Module):
    def __init__(self, encoder, decoder, head, output_stride=32):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.segmentation_head = head
        self.output_stride = output_stride

    def forward(self, x):
        h, w = x.shape[-2:]
        assert h % self.output_stride == 0 and w % self.output_stride == 0
        features = encoder_features(self.encoder, x)
        return self.segmentation_head(self.decoder(*features))


# ---- UNet (decoders/unet/decoder.py) ---------------------------------------------------------------

class DecoderBlock(nn.Module):
    def __init__(self, cin, cskip, cout, use_batchnorm=True):
        super().__init__()
        self.conv1 = Conv2dReLU(cin + cskip, cout, 3, padding=1, use_batchnorm=use_batchnorm)
        self.attention1 = nn.Identity()
        self.conv2 = Conv2dReLU(cout, cout, 3, padding=1, use_batchnorm=use_batchnorm)
        self.attention2 = nn.Identity()

    def forward(self, x, skip=None):
        x = F.interpolate(x, scale_factor=2, mode='nearest')
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


def channel_plan(enc_channels, decoder_channels):
    enc = list(enc_channels[1:])[::-1]
    head = enc[0]
    return [head] + list(decoder_channels[:-1]), enc[1:] + [0], list(decoder_channels)


class UnetDecoder(nn.Module):
    def __init__(self, enc_channels, decoder_channels, use_batchnorm=True):
        super().__init__()
        ins, skips, outs = channel_plan(enc_channels, decoder_channels)
        self.center = nn.Identity()
        self.blocks = nn.ModuleList([DecoderBlock(i, s, o, use_batchnorm) for i, s, o in zip(ins, skips, outs)])

    def forward(self, *features):
        features = features[1:][::-1]
        x, skips = self.center(features[0]), features[1:]
        for i, block in enumerate(self.blocks):
            x = block(x, skips[i] if i < len(skips) else None)
        return x


# ---- UNet++ (decoders/unetplusplus/decoder.py) -----------------------------------------------------

class UnetPlusPlusDecoder(nn.Module):
    def __init__(self, enc_channels, decoder_channels, use_batchnorm=True):
        super().__init__()
        self.in_channels, self.skip_channels, self.out_channels = channel_plan(enc_channels, decoder_channels)
        self.center = nn.Identity()
        blocks = OrderedDict()
        for layer in range(len(self.in_channels) - 1):
            for depth in range(layer + 1):
                if depth == 0:
                    cin, cskip, cout = self.in_channels[layer], self.skip_channels[layer] * (layer + 1), self.out_channels[layer]
                else:
                    cout = self.skip_channels[layer]
                    cskip = self.skip_channels[layer] * (layer + 1 - depth)
                    cin = self.skip_channels[layer - 1]
                blocks[f'x_{depth}_{layer}'] = DecoderBlock(cin, cskip, cout, use_batchnorm)
        last = len(self.in_channels) - 1
        blocks[f'x_0_{last}'] = DecoderBlock(self.in_channels[-1], 0, self.out_channels[-1], use_batchnorm)
        self.blocks = nn.ModuleDict(blocks)
        self.depth = last

    def forward(self, *features):
        features = features[1:][::-1]
        dense = {}
        for layer in range(len(self.in_channels) - 1):
            for depth in range(self.depth - layer):
                if layer == 0:
                    dense[f'x_{depth}_{depth}'] = self.blocks[f'x_{depth}_{depth}'](features[depth], features[depth + 1])
                else:
                    li = depth + layer
                    cat = [dense[f'x_{idx}_{li}'] for idx in range(depth + 1, li + 1)]
                    cat = torch.cat(cat + [features[li + 1]], dim=1)
                    dense[f'x_{depth}_{li}'] = self.blocks[f'x_{depth}_{li}'](dense[f'x_{depth}_{li - 1}'], cat)
        return self.blocks[f'x_0_{self.depth}'](dense[f'x_0_{self.depth - 1}'])


# ---- DeepLabV3+ (decoders/deeplabv3/decoder.py) ----------------------------------------------------

class SeparableConv2d(nn.Sequential):
    def __init__(self, cin, cout, k, padding=0, dilation=1, bias=True):
        super().__init__(
            nn.Conv2d(cin, cin, k, padding=padding, dilation=dilation, groups=cin, bias=False),
            nn.Conv2d(cin, cout, 1, bias=bias),
        )


class ASPPSeparableConv(nn.Sequential):
    def __init__(self, cin, cout, rate):
        super().__init__(SeparableConv2d(cin, cout, 3, padding=rate, dilation=rate, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class ASPPPooling(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        size = x.shape[-2:]
        for mod in self:
            x = mod(x)
        return F.interpolate(x, size=size, mode='bilinear', align_corners=False)


class ASPP(nn.Module):
    def __init__(self, cin, cout, rates):
        super().__init__()
        mods = [nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())]
        mods += [ASPPSeparableConv(cin, cout, r) for r in rates]
        mods.append(ASPPPooling(cin, cout))
        self.convs = nn.ModuleList(mods)
        self.project = nn.Sequential(nn.Conv2d(5 * cout, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.Dropout(0.5))

    def forward(self, x):
        return self.project(torch.cat([conv(x) for conv in self.convs], dim=1))


class DeepLabV3PlusDecoder(nn.Module):
    def __init__(self, enc_channels, out_channels=256, rates=(12, 24, 36), output_stride=16):
        super().__init__()
        self.aspp = nn.Sequential(
            ASPP(enc_channels[-1], out_channels, rates),
            SeparableConv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        )
        self.up = nn.UpsamplingBilinear2d(scale_factor=2 if output_stride == 8 else 4)
        self.block1 = nn.Sequential(nn.Conv2d(enc_channels[-4], 48, 1, bias=False), nn.BatchNorm2d(48), nn.ReLU())
        self.block2 = nn.Sequential(SeparableConv2d(48 + out_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU())

    def forward(self, *features):
        aspp = self.up(self.aspp(features[-1]))
        high = self.block1(features[-4])
        return self.block2(torch.cat([aspp, high], dim=1))


# ---- builders --------------------------------------------------------------------------------------

BLOCKS = {'basic': BasicBlock, 'bottleneck': Bottleneck}


def build(arch, block, layers, width, classes, decoder_channels, rates=(12, 24, 36)):
    tv = resnet(BLOCKS[block], layers, width)
    enc_ch = encoder_channels(BLOCKS[block], width)
    if arch == 'unet':
        enc = make_encoder(tv)
        return tv, SmpModel(enc, UnetDecoder(enc_ch, decoder_channels), SegmentationHead(decoder_channels[-1], classes, 3))
    if arch == 'unetplusplus':
        enc = make_encoder(tv)
        return tv, SmpModel(enc, UnetPlusPlusDecoder(enc_ch, decoder_channels), SegmentationHead(decoder_channels[-1], classes, 3))
    if arch == 'deeplabv3plus':
        enc = make_encoder(tv)
        replace_strides_with_dilation(enc.layer4, 2)
        dec = DeepLabV3PlusDecoder(enc_ch, decoder_channels, rates, 16)
        return tv, SmpModel(enc, dec, SegmentationHead(decoder_channels, classes, 1, upsampling=4), output_stride=16)
    raise ValueError(arch)


def det(shape):
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.float64)
    return torch.sin(0.7 * i + 0.3).reshape(shape).float()


def randomise_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = torch.rand(c, generator=gen) + 0.5
            m.bias.data = torch.randn(c, generator=gen) * 0.1
            m.running_mean.data = torch.randn(c, generator=gen) * 0.1
            m.running_var.data = torch.rand(c, generator=gen) + 0.5
            m.num_batches_tracked.fill_(3)


TINY = {
    'unet': dict(block='bottleneck', layers=[1, 2, 1, 1], width=4, classes=1, decoder_channels=[8, 8, 4, 4, 4], input=[2, 3, 32, 32]),
    'unetplusplus': dict(block='basic', layers=[1, 1, 1, 1], width=4, classes=2, decoder_channels=[8, 8, 4, 4, 4], input=[2, 3, 32, 32]),
    'deeplabv3plus': dict(block='bottleneck', layers=[1, 1, 1, 1], width=4, classes=1, decoder_channels=8, rates=[1, 2, 3], input=[2, 3, 48, 48]),
}


# Gradients recorded after the training step: stem, a decoder convolution, the head.
GRAD_KEYS = {
    'unet': ['encoder.conv1.weight', 'encoder.bn1.weight', 'encoder.layer4.0.bn3.bias', 'decoder.blocks.4.conv2.0.weight', 'segmentation_head.0.weight', 'segmentation_head.0.bias'],
    'unetplusplus': ['encoder.conv1.weight', 'encoder.bn1.weight', 'encoder.layer4.0.bn2.bias', 'decoder.blocks.x_1_2.conv1.1.weight', 'decoder.blocks.x_0_4.conv2.0.weight', 'segmentation_head.0.weight', 'segmentation_head.0.bias'],
    'deeplabv3plus': ['encoder.conv1.weight', 'encoder.bn1.weight', 'encoder.layer4.0.bn3.bias', 'decoder.aspp.0.convs.2.0.0.weight', 'decoder.aspp.0.convs.4.2.weight', 'decoder.block2.0.1.weight', 'segmentation_head.0.weight', 'segmentation_head.0.bias'],
}


def synthetic_image(width, height):
    """A smooth 8-bit RGB pattern, same formula as test/models/cnn/family.test.ts."""
    import numpy as np
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(3), indexing='ij')
    return np.floor(127.5 + 127.5 * np.sin(0.3 * x + 0.2 * y + c)).astype(np.uint8)


def preprocess_reference():
    """torchvision's Resize on a PIL image, as medvlsm's transforms: the 8-bit resized pixels
    (row-major RGB, hex)."""
    from PIL import Image
    from torchvision import transforms
    width, height, size = 45, 37, 24
    image = Image.fromarray(synthetic_image(width, height), 'RGB')
    out = {'width': width, 'height': height, 'size': size}
    for name, resize in [('square', transforms.Resize([size, size])), ('shorter_side', transforms.Resize(size))]:
        resized = resize(image)
        out[name] = {'height': resized.height, 'width': resized.width, 'pixels_hex': resized.tobytes().hex()}
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    reference = {'tiny': TINY, 'full': {}}
    for arch, cfg in TINY.items():
        x = det(cfg['input'])
        tv, model = build(arch, cfg['block'], cfg['layers'], cfg['width'], cfg['classes'], cfg['decoder_channels'], tuple(cfg.get('rates', (12, 24, 36))))
        randomise_batchnorm(model, gen)
        if arch == 'unetplusplus':
            # The torchvision checkpoint the UNet's encoder is loaded from (fc.* included).
            tv_state = OrderedDict((k, v.clone()) for k, v in model.encoder.state_dict().items())
            fc = nn.Linear(cfg['width'] * 8 * BLOCKS[cfg['block']].expansion, 10)
            tv_state['fc.weight'] = fc.weight.detach().clone()
            tv_state['fc.bias'] = fc.bias.detach().clone()
            torch.save(tv_state, os.path.join(OUT, 'resnet-tiny-torchvision.pth'))
        state = OrderedDict((k, v.clone()) for k, v in model.state_dict().items())
        expected = OrderedDict()
        model.eval()
        with torch.no_grad():
            expected['logits'] = model(x)
            if arch == 'unetplusplus':
                for i, f in enumerate(encoder_features(model.encoder, x)[1:]):
                    expected[f'features.{i + 1}'] = f
        model.train()
        if arch == 'deeplabv3plus':
            model.decoder.aspp[0].project[3].eval()
        # One training forward and backward: BCE-with-logits against det(logits) > 0, mean.
        logits = model(x)
        target = (det(list(logits.shape)) > 0).float()
        loss = F.binary_cross_entropy_with_logits(logits, target)
        loss.backward()
        expected['train_logits'] = logits.detach()
        expected['train_loss'] = loss.detach()
        params = dict(model.named_parameters())
        expected['grad'] = OrderedDict((k, params[k].grad.clone()) for k in GRAD_KEYS[arch])
        after = OrderedDict((k, v.clone()) for k, v in model.state_dict().items() if 'running_' in k or 'num_batches_tracked' in k)
        expected['after_train'] = after
        torch.save({'state_dict': state, 'expected': expected}, os.path.join(OUT, f'{arch}.pt'))
        print(arch, 'tiny parameters', sum(p.numel() for p in model.parameters()), 'logits', list(expected['logits'].shape))

    # Full size: ResNet-50, smp defaults, one class, 256x256 (random weights; shapes and counts).
    for arch in ['unet', 'unetplusplus', 'deeplabv3plus']:
        dec = 256 if arch == 'deeplabv3plus' else [256, 128, 64, 32, 16]
        _, model = build(arch, 'bottleneck', [3, 4, 6, 3], 64, 1, dec)
        model.eval()
        with torch.no_grad():
            out = model(torch.zeros(1, 3, 256, 256))
        counts = {
            'parameters': sum(p.numel() for p in model.parameters()),
            'encoder': sum(p.numel() for p in model.encoder.parameters()),
            'decoder': sum(p.numel() for p in model.decoder.parameters()),
            'segmentation_head': sum(p.numel() for p in model.segmentation_head.parameters()),
            'state_dict_keys': len(model.state_dict()),
            'output_shape': list(out.shape),
        }
        reference['full'][arch] = counts
        print(arch, 'resnet50', counts)
    reference['preprocess'] = preprocess_reference()
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(reference, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
