#!/usr/bin/env python3
"""The reference for the prompt-generation row: the same mask attributes (connected components,
their coverage, the 3 x 3 grid cells they fall in, bounding boxes) computed from the same masks
with numpy and scipy.ndimage, the way the Python reference extracts them.
Usage: python-mask-attributes.py THREADS MASK_FOLDER. Prints one JSON object."""
import json
import os
import sys
import time

import numpy as np
from PIL import Image
from scipy import ndimage

folder = sys.argv[2]
masks = [np.asarray(Image.open(os.path.join(folder, f)).convert("L")) for f in sorted(os.listdir(folder))]


def attributes(mask):
    h, w = mask.shape
    labels, n = ndimage.label(mask >= 128)  # 4-connectivity
    boxes = ndimage.find_objects(labels)
    counted = (labels > 0) & (mask == 255)
    rows = np.minimum(np.arange(h) * 3 // h, 2)[:, None]
    cols = np.minimum(np.arange(w) * 3 // w, 2)[None, :]
    cell = rows * 3 + cols
    out = []
    for k, box in enumerate(boxes, start=1):
        sel = counted & (labels == k)
        total = sel.sum()
        shares = np.bincount(cell[sel], minlength=9) / max(total, 1)
        out.append({"coverage": total / (h * w), "shares": shares.tolist(), "bbox": [box[1].start, box[0].start, box[1].stop, box[0].stop]})
    return out


attributes(masks[0])
t0 = time.perf_counter()
for m in masks:
    attributes(m)
print(json.dumps({"mask_attributes_ms": (time.perf_counter() - t0) * 1e3 / len(masks), "masks": len(masks)}))
