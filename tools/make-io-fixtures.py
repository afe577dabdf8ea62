#!/usr/bin/python3
"""Writes the small checkpoint files that test/torch/io reads (test/fixtures/io/).

Run from the repository root with PyTorch (Debian's python3-torch 1.13 was used):
    /usr/bin/python3 tools/make-io-fixtures.py

legacy.pth (storage keys are object ids) and tiny_scripted.pt differ byte-wise from run to run;
their content does not.

Every tensor is either built from torch.arange (so the tests recompute it) or stored a second time
in a `<name>.expected.safetensors` file written by the tiny independent writer below, so the
TypeScript readers are checked against values Python wrote, not against themselves.
"""
import argparse
import collections
import json
import os
import pickle
import struct
import zipfile

import torch
from torch import nn

OUT = os.path.join('test', 'fixtures', 'io')
SAFETENSORS_DTYPES = {
    torch.float64: 'F64', torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16',
    torch.int64: 'I64', torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL',
}


def write_safetensors(path, tensors, metadata=None):
    """A minimal safetensors writer (name order, header padded with spaces to a multiple of 8)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        raw = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {'dtype': SAFETENSORS_DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def out(name):
    return os.path.join(OUT, name)


# ---- a TorchScript module tree -----------------------------------------------------------------

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)
        self.register_buffer('scale', torch.arange(3, dtype=torch.float32))
        self.layers = nn.ModuleList([nn.Linear(3, 4), nn.Linear(4, 2, bias=False)])

    def forward(self, x):
        y = self.bn(self.conv(x)) * self.scale.view(1, 3, 1, 1)
        y = y.mean((2, 3))
        for layer in self.layers:
            y = layer(y)
        return y


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.positional_embedding = nn.Parameter(torch.randn(2, 2))
        self.head = nn.Linear(2, 1)
        self.mask = torch.ones(2)  # a plain tensor attribute: neither parameter nor buffer
        self.size: int = 7

    def forward(self, x):
        return self.head(self.block(x) + self.positional_embedding.sum() * self.mask)


def make_torchscript():
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():
        net.block.bn.running_mean.copy_(torch.tensor([0.1, 0.2, 0.3]))
        net.block.bn.running_var.copy_(torch.tensor([1.5, 2.5, 3.5]))
        net.block.bn.num_batches_tracked.fill_(5)
    net.eval()
    scripted = torch.jit.script(net)
    torch.jit.save(scripted, out('tiny_scripted.pt'))
    write_safetensors(out('tiny_scripted.expected.safetensors'), dict(net.state_dict()))


# ---- torch.save zip archives ---------------------------------------------------------------------

class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)


def make_state_dict_checkpoint():
    torch.manual_seed(1)
    model = nn.DataParallel(Small())
    state = model.state_dict()  # OrderedDict with module.* keys and a _metadata attribute
    args = argparse.Namespace(lr=0.001, name='tiny', sizes=[1, 2], flag=True)
    torch.save({'state_dict': state, 'epoch': 3, 'best_iou': 0.5, 'args': args, 'note': b'raw\x00\xffbytes'}, out('wrapped_state_dict.pth'))
    write_safetensors(out('wrapped_state_dict.expected.safetensors'), {k[len('module.'):]: v for k, v in state.items()})


def dtype_tensors():
    base = torch.arange(-3, 9).reshape(3, 4)
    return collections.OrderedDict([
        ('f64', base.double() / 4), ('f32', base.float() / 8), ('f16', base.half() / 2), ('bf16', base.bfloat16() * 2),
        ('i64', base.long() * 1_000_000_000_000), ('i32', base.int() * 1000), ('i16', base.short() * 100), ('i8', base.to(torch.int8)),
        ('u8', (base + 3).to(torch.uint8) * 20), ('bool', base % 3 == 0), ('scalar', torch.tensor(2.5)), ('empty', torch.zeros(0, 3)),
    ])


def make_dtypes():
    torch.save(dtype_tensors(), out('dtypes.pth'))
    torch.save(dtype_tensors(), out('dtypes_protocol4.pth'), pickle_protocol=4)
    # The same archive with every entry deflated (torch writes storages uncompressed; zip tools may not).
    with zipfile.ZipFile(out('dtypes.pth')) as src, zipfile.ZipFile(out('dtypes_deflated.pth'), 'w', zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), src.read(info.filename), zipfile.ZIP_DEFLATED)


def make_views():
    x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    s = torch.arange(10, dtype=torch.int64)
    big = torch.arange(100, dtype=torch.float32)
    torch.save({
        'x': x, 'xt': x.t(), 'row': x[1], 'col': x[:, 2],  # four tensors over one storage
        'head': s[:4], 'tail': s[4:],  # two tensors sharing another storage
        'window': big[10:13],  # a small view of a large storage that nothing else uses
        'param': nn.Parameter(torch.arange(2.0)),  # pickled through torch._utils._rebuild_parameter
    }, out('views.pth'))


class Evil:
    def __reduce__(self):
        return (os.system, ('touch /tmp/vlsm-io-fixture-pwned',))


def make_malicious():
    torch.save({'weight': torch.zeros(2), 'payload': Evil()}, out('malicious.pth'))


def make_legacy():
    torch.save({'weight': torch.arange(4.0)}, out('legacy.pth'), _use_new_zipfile_serialization=False)


def make_plain_pickle():
    with open(out('plain.pkl'), 'wb') as f:
        pickle.dump({'a': 1}, f, protocol=2)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    make_torchscript()
    make_state_dict_checkpoint()
    make_dtypes()
    make_views()
    make_malicious()
    make_legacy()
    make_plain_pickle()
    for name in sorted(os.listdir(OUT)):
        print(f'{os.path.getsize(out(name)):8d}  {out(name)}')
