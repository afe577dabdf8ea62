#!/usr/bin/python3
"""Golden key lists of the home libraries' state dicts, for vlsm's export tests (test/models/export).

Run with Debian's PyTorch 1.13: `/usr/bin/python3 tools/make-export-key-lists.py`.

The reference state dicts are the fixtures the original implementations wrote, each under its home
library's published key layout (see test/fixtures/README.md and each folder's README):
  clipseg-tiny/model.safetensors            transformers CLIPSegForImageSegmentation
  biomedclipseg-tiny/open_clip_model.safetensors   open_clip CustomTextCLIP (BiomedCLIP)
  biomedclipseg-tiny/decoder.safetensors    medvlsm's decoder (transformers CLIPSegDecoder, `decoder.*`)
  cris-tiny/model.pth                       CRIS.pytorch (DerrickWang005/CRIS.pytorch) CRIS
  cnn/<arch>.pt ['state_dict']              segmentation_models_pytorch 0.3.3 Unet / UnetPlusPlus / DeepLabV3Plus
Writes test/fixtures/export/home-keys.json: {name: [[key, shape, dtype], ...]} in the file's order.

`--check DIR [DIR ...]` instead loads folders that `vlsm export` wrote from those fixture models
(unmodified, float32) with torch.load(weights_only=True) and the safetensors header, and compares
every tensor with the reference: same keys, shapes, dtypes and values (prints the largest
difference; exits 1 on any mismatch).
"""
import json
import os
import struct
import sys
from collections import OrderedDict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'test', 'fixtures')
OUT = os.path.join(FIX, 'export', 'home-keys.json')

ST_DTYPES = {'F32': (np.float32, 'float32'), 'F16': (np.float16, 'float16'), 'I64': (np.int64, 'int64'), 'BF16': (None, 'bfloat16')}


def read_safetensors(path):
    """safetensors without the safetensors package: 8-byte header length, JSON header, raw data."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = OrderedDict()
    for key, entry in header.items():
        if key == '__metadata__':
            continue
        begin, end = entry['data_offsets']
        np_dtype, name = ST_DTYPES[entry['dtype']]
        raw = data[begin:end]
        if np_dtype is None:  # bfloat16: the high half of a float32
            u16 = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            t = torch.from_numpy(u16.view(np.float32).copy()).to(torch.bfloat16)
        else:
            t = torch.from_numpy(np.frombuffer(raw, dtype=np_dtype).copy())
        out[key] = t.reshape(entry['shape'])
    return out


def strip(prefix, sd):
    return OrderedDict((k[len(prefix):] if k.startswith(prefix) else k, v) for k, v in sd.items())


def references():
    cris = torch.load(os.path.join(FIX, 'cris-tiny', 'model.pth'), map_location='cpu')
    if isinstance(cris, dict) and 'state_dict' in cris:
        cris = cris['state_dict']
    refs = OrderedDict()
    refs['clipseg/model.safetensors'] = read_safetensors(os.path.join(FIX, 'clipseg-tiny', 'model.safetensors'))
    refs['biomedclipseg/open_clip_model.safetensors'] = read_safetensors(os.path.join(FIX, 'biomedclipseg-tiny', 'open_clip_model.safetensors'))
    refs['biomedclipseg/decoder.safetensors'] = read_safetensors(os.path.join(FIX, 'biomedclipseg-tiny', 'decoder.safetensors'))
    refs['cris/cris.pth'] = strip('module.', cris)
    for arch in ['unet', 'unetplusplus', 'deeplabv3plus']:
        refs[f'{arch}/model.pth'] = torch.load(os.path.join(FIX, 'cnn', f'{arch}.pt'), map_location='cpu')['state_dict']
    return refs


def dtype_name(t):
    return str(t.dtype).replace('torch.', '')


def make():
    out = OrderedDict()
    for name, sd in references().items():
        out[name] = [[k, list(v.shape), dtype_name(v)] for k, v in sd.items()]
        print(name, len(sd), 'tensors')
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:  # one tensor per line, so diffs read well
        f.write('{\n' + ',\n'.join(f' {json.dumps(name)}: [\n' + ',\n'.join(f'  {json.dumps(e)}' for e in entries) + '\n ]' for name, entries in out.items()) + '\n}\n')


def check(dirs):
    refs = references()
    bad = 0
    for d in dirs:
        family = os.path.basename(os.path.normpath(d))
        for name, ref in refs.items():
            fam, file = name.split('/')
            if fam != family:
                continue
            path = os.path.join(d, file)
            if file.endswith('.safetensors'):
                got = read_safetensors(path)
            else:
                loaded = torch.load(path, map_location='cpu', weights_only=True)
                got = loaded['state_dict'] if 'state_dict' in loaded else loaded
                prefixed = all(k.startswith('module.') for k in got)
                got = strip('module.', got)
            if list(got.keys()) != list(ref.keys()) and sorted(got.keys()) != sorted(ref.keys()):
                print(f'{path}: keys differ: extra {sorted(set(got) - set(ref))[:5]}, missing {sorted(set(ref) - set(got))[:5]}')
                bad += 1
                continue
            diff = 0.0
            for k, v in ref.items():
                g = got[k]
                if g.shape != v.shape or g.dtype != v.dtype:
                    print(f'{path}: {k}: {dtype_name(g)} {list(g.shape)} vs reference {dtype_name(v)} {list(v.shape)}')
                    bad += 1
                    continue
                diff = max(diff, (g.double() - v.double()).abs().max().item() if g.numel() else 0.0)
            extra = f", module. prefix {prefixed}" if not file.endswith('.safetensors') else ''
            print(f'{path}: torch.load/safetensors read {len(got)} tensors, keys/shapes/dtypes equal, max |diff| {diff:g}{extra}')
            if diff != 0:
                bad += 1
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--check':
        check(sys.argv[2:])
    else:
        make()
