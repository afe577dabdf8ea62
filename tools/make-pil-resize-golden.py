#!/usr/bin/python3
"""Golden values for vlsm's Pillow-exact resize and HuggingFace image-processor semantics.

Run with Debian's python3-pil and numpy: `/usr/bin/python3 tools/make-pil-resize-golden.py`.

Writes to test/fixtures/pil-resize/:
  golden.bin   the bytes: input images, resized outputs, processor outputs (float32, little endian);
               outputs over 4 KiB are not stored but given by the sha256 of their bytes
  golden.json  where each piece sits in golden.bin (or its sha256) and what produced it:
    inputs      small 8-bit images (random RGB, random grey, a crop of a bundled BUSI image, a
                0/255 checkerboard that makes the negative filter lobes clip, a grey image 125
                times taller than wide, which Pillow before 12.2 resizes width first as any other)
    resize      Image.resize((width, height), filter) of an input, for every filter and for
                shrinking, enlarging, mixed and same-size targets
    busi        sha256 of Image.resize((352, 352), filter) of two whole bundled BUSI images
    nearest_labels  sha256 of NEAREST resizes of a generated 640 x 480 label map (training masks)
    processors  pixel tensors [3, H, W] float32 made by following transformers' image processors
                (PIL backend) step by step: size dict -> output size, PIL resize, centre crop
                (zero padding), rescale (float64 multiply, stored float32), normalise (float32).
                transformers is not installed here; the steps are those of
                image_processing_backends.PilBackend and image_transforms (resize, center_crop,
                rescale, normalize, get_resize_output_image_size, get_size_with_aspect_ratio).
"""
import hashlib
import json
import math
import os

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'pil-resize')
BUSI = os.path.join(ROOT, 'assets', 'busi-sample', 'images')

FILTERS = {
    'nearest': Image.NEAREST,
    'box': Image.BOX,
    'bilinear': Image.BILINEAR,
    'hamming': Image.HAMMING,
    'bicubic': Image.BICUBIC,
    'lanczos': Image.LANCZOS,
}
PIL_CODES = {0: 'nearest', 1: 'lanczos', 2: 'bilinear', 3: 'bicubic', 4: 'box', 5: 'hamming'}

blob = bytearray()


def put(data: bytes) -> dict:
    """Small outputs are stored; larger ones by their sha256, to keep the fixture small."""
    if len(data) > 4096:
        return {'length': len(data), 'sha256': hashlib.sha256(data).hexdigest()}
    offset = len(blob)
    blob.extend(data)
    return {'offset': offset, 'length': len(data)}


def as_array(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.uint8)


def make_inputs() -> dict:
    rng = np.random.RandomState(20261202)
    inputs = {
        'rgb-13x9': Image.fromarray(rng.randint(0, 256, size=(9, 13, 3), dtype=np.uint8), 'RGB'),
        'grey-11x17': Image.fromarray(rng.randint(0, 256, size=(17, 11), dtype=np.uint8), 'L'),
        'busi-crop-48x36': Image.open(os.path.join(BUSI, '10_malignant.png')).convert('RGB').crop((200, 150, 248, 186)),
        'checker-8x8': Image.fromarray((((np.indices((8, 8)).sum(0) % 2) * 255).astype(np.uint8)[:, :, None].repeat(3, 2)), 'RGB'),
        'tall-grey-2x250': Image.fromarray(rng.randint(0, 256, size=(250, 2), dtype=np.uint8), 'L'),
    }
    return inputs


def targets(name: str, image: Image.Image) -> list:
    w, h = image.size
    if name.startswith('tall'):
        return [(2, 40), (3, 17), (1, 250)]
    return [
        (max(1, w // 3), max(1, h // 3 + 1)),  # shrink
        (2 * w + 3, 2 * h + 1),  # enlarge
        (2 * w + 1, max(1, h // 2)),  # wider, shorter
        (max(1, w // 2), 3 * h - 1),  # narrower, taller
        (w, h),  # same size: a copy
        (w, h + 1),  # one axis only
    ]


def processor_cases() -> list:
    """(name, input, steps) with the steps transformers' PIL backend takes for that config."""
    return [
        ('vit-int-size', 'busi-crop-48x36', {'image_processor_type': 'ViTImageProcessor', 'size': 20, 'resample': 2, 'image_mean': [0.485, 0.456, 0.406], 'image_std': [0.229, 0.224, 0.225]}),
        ('vit-defaults', 'rgb-13x9', {'image_processor_type': 'ViTImageProcessor'}),
        ('height-width-bicubic', 'busi-crop-48x36', {'size': {'height': 16, 'width': 30}, 'resample': 3}),
        ('legacy-list-size', 'busi-crop-48x36', {'feature_extractor_type': 'ViTFeatureExtractor', 'size': [17, 25], 'resample': 1}),
        ('shortest-edge', 'busi-crop-48x36', {'size': {'shortest_edge': 20}, 'resample': 2}),
        ('shortest-longest-edge', 'busi-crop-48x36', {'size': {'shortest_edge': 30, 'longest_edge': 32}, 'resample': 4}),
        ('longest-edge', 'busi-crop-48x36', {'size': {'longest_edge': 24}, 'resample': 5}),
        ('max-height-width', 'busi-crop-48x36', {'size': {'max_height': 30, 'max_width': 20}, 'resample': 0}),
        ('clip-int-size-crop', 'busi-crop-48x36', {'image_processor_type': 'CLIPImageProcessor', 'size': 21, 'crop_size': 18}),
        ('clip-defaults-tall', 'rgb-13x9', {'image_processor_type': 'CLIPImageProcessor', 'size': {'shortest_edge': 12}, 'crop_size': {'height': 14, 'width': 10}}),
        ('no-resize-crop-pads', 'rgb-13x9', {'do_resize': False, 'do_center_crop': True, 'crop_size': {'height': 12, 'width': 8}, 'do_rescale': False}),
        ('no-resize-no-normalize', 'busi-crop-48x36', {'do_resize': False, 'do_normalize': False}),
        ('rescale-factor-scalar-stats', 'rgb-13x9', {'size': {'height': 7, 'width': 5}, 'rescale_factor': 0.00390625, 'image_mean': 0.25, 'image_std': 0.75}),
    ]


VIT = {'int_square': True, 'size': {'height': 224, 'width': 224}, 'resample': 2, 'do_center_crop': False, 'crop_size': {'height': 224, 'width': 224}, 'mean': [0.5] * 3, 'std': [0.5] * 3}
CLIP = {'int_square': False, 'size': {'shortest_edge': 224}, 'resample': 3, 'do_center_crop': True, 'crop_size': {'height': 224, 'width': 224},
        'mean': [0.48145466, 0.4578275, 0.40821073], 'std': [0.26862954, 0.26130258, 0.27577711]}


def size_dict(size, int_square):
    if isinstance(size, int):
        return {'height': size, 'width': size} if int_square else {'shortest_edge': size}
    if isinstance(size, list):
        return {'height': size[0], 'width': size[1]}
    return size


def output_size(h, w, size):
    if 'shortest_edge' in size and 'longest_edge' in size:  # get_size_with_aspect_ratio
        s, m = size['shortest_edge'], size['longest_edge']
        raw = None
        lo, hi = float(min(h, w)), float(max(h, w))
        if hi / lo * s > m:
            raw = m * lo / hi
            s = int(round(raw))
        if (h <= w and h == s) or (w <= h and w == s):
            return h, w
        if w < h:
            return int((raw if raw is not None else s) * h / w), s
        return s, int((raw if raw is not None else s) * w / h)
    if 'shortest_edge' in size:  # get_resize_output_image_size(default_to_square=False)
        s = size['shortest_edge']
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = s, int(s * long / short)
        return (new_long, new_short) if w <= h else (new_short, new_long)
    if 'max_height' in size:  # get_image_size_for_max_height_width
        scale = min(size['max_height'] / h, size['max_width'] / w)
        return int(h * scale), int(w * scale)
    if 'height' in size:
        return size['height'], size['width']
    # longest edge alone: the longer side to it, the other in proportion (truncated)
    m = size['longest_edge']
    if h >= w:
        return m, max(1, int(m * w / h))
    return max(1, int(m * h / w)), m


def center_crop(a, ch, cw):  # image_transforms.center_crop on HWC
    h, w = a.shape[:2]
    top, left = (h - ch) // 2, (w - cw) // 2
    if top >= 0 and left >= 0 and top + ch <= h and left + cw <= w:
        return a[top:top + ch, left:left + cw]
    nh, nw = max(ch, h), max(cw, w)
    canvas = np.zeros((nh, nw) + a.shape[2:], dtype=a.dtype)
    tp, lp = math.ceil((nh - h) / 2), math.ceil((nw - w) / 2)
    canvas[tp:tp + h, lp:lp + w] = a
    top, left = top + tp, left + lp
    return canvas[max(0, top):min(nh, top + ch), max(0, left):min(nw, left + cw)]


def run_processor(image: Image.Image, cfg: dict) -> np.ndarray:
    kind = cfg.get('image_processor_type') or cfg.get('feature_extractor_type') or ''
    d = CLIP if kind.startswith('CLIPImageProcessor') or kind.startswith('CLIPFeatureExtractor') else VIT
    a = as_array(image.convert('RGB'))
    if cfg.get('do_resize', True):
        size = size_dict(cfg['size'], d['int_square']) if 'size' in cfg else d['size']
        h, w = output_size(a.shape[0], a.shape[1], size)
        a = as_array(Image.fromarray(a).resize((w, h), FILTERS[PIL_CODES[cfg.get('resample', d['resample'])]]))
    if cfg.get('do_center_crop', d['do_center_crop']):
        crop = size_dict(cfg['crop_size'], True) if 'crop_size' in cfg else d['crop_size']
        a = center_crop(a, crop['height'], crop['width'])
    if cfg.get('do_rescale', True):
        a = (a.astype(np.float64) * cfg.get('rescale_factor', 1 / 255)).astype(np.float32)
    if cfg.get('do_normalize', True):
        if not np.issubdtype(a.dtype, np.floating):
            a = a.astype(np.float32)
        mean, std = cfg.get('image_mean', d['mean']), cfg.get('image_std', d['std'])
        mean = np.array(mean if isinstance(mean, list) else [mean] * 3, dtype=a.dtype)
        std = np.array(std if isinstance(std, list) else [std] * 3, dtype=a.dtype)
        a = (a - mean) / std
    return np.ascontiguousarray(a.astype(np.float32).transpose(2, 0, 1))


def main():
    os.makedirs(OUT, exist_ok=True)
    inputs = make_inputs()
    manifest = {'pillow': Image.__version__, 'inputs': {}, 'resize': [], 'busi': [], 'nearest_labels': [], 'processors': []}
    for name, image in inputs.items():
        a = as_array(image)
        offset = len(blob)
        blob.extend(a.tobytes())
        manifest['inputs'][name] = {'width': image.size[0], 'height': image.size[1], 'channels': 1 if a.ndim == 2 else 3, 'offset': offset, 'length': a.size}
    for name, image in inputs.items():
        for width, height in targets(name, image):
            for filt, code in FILTERS.items():
                out = as_array(image.resize((width, height), code))
                manifest['resize'].append({'input': name, 'width': width, 'height': height, 'filter': filt, **put(out.tobytes())})
    for file in ['10_malignant.png', '2_malignant.png']:
        image = Image.open(os.path.join(BUSI, file)).convert('RGB')
        for filt, code in FILTERS.items():
            out = as_array(image.resize((352, 352), code))
            manifest['busi'].append({'file': f'assets/busi-sample/images/{file}', 'width': 352, 'height': 352, 'filter': filt,
                                     'sha256': hashlib.sha256(out.tobytes()).hexdigest()})
    # A 640 x 480 label map (byte i = bits 24..31 of i * 2654435761, rebuilt by the test) resized
    # NEAREST: a size where libtorch's nearest-exact picks other source pixels than Pillow.
    labels = ((np.arange(640 * 480, dtype=np.uint64) * 2654435761) & 0xFFFFFFFF) >> 24
    label_image = Image.fromarray(labels.astype(np.uint8).reshape(480, 640), 'L')
    for width, height in [(352, 352), (256, 256)]:
        out = as_array(label_image.resize((width, height), Image.NEAREST))
        manifest['nearest_labels'].append({'width': width, 'height': height, 'sha256': hashlib.sha256(out.tobytes()).hexdigest()})
    for name, input_name, cfg in processor_cases():
        out = run_processor(inputs[input_name], cfg)
        manifest['processors'].append({'name': name, 'input': input_name, 'config': cfg, 'shape': list(out.shape), **put(out.astype('<f4').tobytes())})
    with open(os.path.join(OUT, 'golden.bin'), 'wb') as f:
        f.write(bytes(blob))
    with open(os.path.join(OUT, 'golden.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print(f'{len(manifest["resize"])} resize cases, {len(manifest["busi"])} BUSI hashes, {len(manifest["processors"])} processor cases, {len(blob)} bytes')


if __name__ == '__main__':
    main()
