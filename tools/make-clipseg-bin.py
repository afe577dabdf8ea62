#!/usr/bin/env python3
"""Writes test/fixtures/clipseg/pytorch_model.bin: the weights of test/fixtures/clipseg-tiny
(model.safetensors) re-saved with torch.save, the format older HuggingFace checkpoints ship, so
the test can load a CLIPSeg folder through the PyTorch-archive path.

Run: /usr/bin/python3 tools/make-clipseg-bin.py (reads test/fixtures/clipseg-tiny; PyTorch 1.13 from Debian)."""
import json
import os
import struct
from collections import OrderedDict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "test", "fixtures", "clipseg-tiny", "model.safetensors")
OUT = os.path.join(HERE, "..", "test", "fixtures", "clipseg", "pytorch_model.bin")

with open(SOURCE, "rb") as f:
    (length,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(length))
    data = f.read()

state = OrderedDict()
for name, info in header.items():
    if name == "__metadata__":
        continue
    assert info["dtype"] == "F32", name
    start, end = info["data_offsets"]
    state[name] = torch.from_numpy(np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"]).copy())

os.makedirs(os.path.dirname(OUT), exist_ok=True)
torch.save(state, OUT)
print(f"wrote {len(state)} tensors to {os.path.normpath(OUT)}")
