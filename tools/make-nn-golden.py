#!/usr/bin/python3
"""Golden vectors for test/torch/nn: PyTorch's outputs and gradients for small float64 modules.

Run with Debian's PyTorch 1.13 (`/usr/bin/python3 tools/make-nn-golden.py`). Writes
test/fixtures/nn/golden.json (an index) and test/fixtures/nn/golden.bin (little-endian float64
values, integer and bool tensors included, converted back by the dtype in the index), so the tests
read it without vlsm's io module.

Each case records `<case>/state/<key>` (the module's state dict before the forward), the inputs
`<case>/input/<name>`, the outputs `<case>/output/<i>`, the upstream gradients
`<case>/grad_output/<i>` (the loss is sum(output_i * grad_output_i)), and the gradients
`<case>/grad/input/<name>` and `<case>/grad/param/<key>`. Extra tensors (running statistics after
a training step, eval outputs, freshly initialised float32 layers) have their own names.
"""
import json
import os
from collections import OrderedDict

import torch
import torch.nn as nn

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'nn')

tensors = OrderedDict()  # name -> tensor
meta = OrderedDict()      # free-form JSON facts (state-dict key lists, module arguments)


def put(name, t):
    assert name not in tensors, name
    tensors[name] = t.detach().clone()


def case(name, module, inputs, call, grad_inputs=(), args=None):
    """Runs call(module, **inputs), backpropagates random upstream gradients, records everything."""
    for key, value in module.state_dict().items():
        put(f'{name}/state/{key}', value)
    for key, value in inputs.items():
        put(f'{name}/input/{key}', value)
        if key in grad_inputs:
            value.requires_grad_(True)
    outputs = call(module, **inputs)
    if not isinstance(outputs, (tuple, list)):
        outputs = (outputs,)
    loss = 0
    for i, out in enumerate(outputs):
        if out is None:
            continue
        grad = torch.randn_like(out)
        put(f'{name}/output/{i}', out)
        put(f'{name}/grad_output/{i}', grad)
        loss = loss + (out * grad).sum()
    loss.backward()
    for key in grad_inputs:
        put(f'{name}/grad/input/{key}', inputs[key].grad)
    for key, p in module.named_parameters():
        if p.grad is not None:
            put(f'{name}/grad/param/{key}', p.grad)
    meta[name] = {'args': args or {}, 'keys': list(module.state_dict().keys())}
    return module


def randomise(module):
    """Norm layers start at ones/zeros; random affine parameters make their gradients informative."""
    with torch.no_grad():
        for p in module.parameters():
            p.normal_()
    return module


# ---- layers -------------------------------------------------------------------------------------

case('linear', nn.Linear(5, 4), {'x': torch.randn(3, 2, 5)}, lambda m, x: m(x), ['x'])
case('linear_nobias', nn.Linear(5, 4, bias=False), {'x': torch.randn(3, 5)}, lambda m, x: m(x), ['x'])
case('conv1d', nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2), {'x': torch.randn(2, 4, 11)}, lambda m, x: m(x), ['x'])
case('conv2d', nn.Conv2d(4, 6, 3, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2), {'x': torch.randn(2, 4, 7, 8)},
     lambda m, x: m(x), ['x'])
case('conv2d_same', nn.Conv2d(3, 4, (3, 2), padding='same', dilation=2, bias=False), {'x': torch.randn(1, 3, 6, 5)},
     lambda m, x: m(x), ['x'])
case('conv2d_reflect', nn.Conv2d(2, 3, 3, padding=1, padding_mode='reflect'), {'x': torch.randn(1, 2, 5, 4)},
     lambda m, x: m(x), ['x'])
case('conv_transpose2d', nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), {'x': torch.randn(2, 4, 5, 4)},
     lambda m, x: m(x), ['x'])
case('conv_transpose2d_size', nn.ConvTranspose2d(3, 2, 2, stride=3, dilation=2), {'x': torch.randn(1, 3, 4, 4)},
     lambda m, x: m(x, output_size=[13, 14]), ['x'])
case('layer_norm', randomise(nn.LayerNorm([4, 5])), {'x': torch.randn(3, 4, 5)}, lambda m, x: m(x), ['x'])
case('group_norm', randomise(nn.GroupNorm(2, 6)), {'x': torch.randn(3, 6, 4, 4)}, lambda m, x: m(x), ['x'])

bn = case('batch_norm2d', randomise(nn.BatchNorm2d(3)), {'x': torch.randn(4, 3, 5, 5) * 2 + 1}, lambda m, x: m(x), ['x'])
for key, value in bn.state_dict().items():
    put(f'batch_norm2d/after/{key}', value)
bn.eval()
x_eval = torch.randn(2, 3, 5, 5)
put('batch_norm2d/eval/input', x_eval)
put('batch_norm2d/eval/output', bn(x_eval))

bn_cumulative = nn.BatchNorm1d(3, momentum=None)
for step in range(3):
    x = torch.randn(5, 3, 4) * (step + 1)
    put(f'batch_norm1d_cumulative/input/{step}', x)
    bn_cumulative(x)
for key, value in bn_cumulative.state_dict().items():
    put(f'batch_norm1d_cumulative/after/{key}', value)

case('embedding', nn.Embedding(10, 4, padding_idx=1), {'ids': torch.tensor([[1, 2, 3], [4, 1, 9]])}, lambda m, ids: m(ids))

# ---- attention ----------------------------------------------------------------------------------


def bias_randomised(m):
    with torch.no_grad():
        m.in_proj_bias.normal_()
        m.out_proj.bias.normal_()
    return m


x = torch.randn(5, 3, 8)  # [L, N, E]
kpm = torch.tensor([[False, False, False, True, True], [False, False, False, False, False], [True, False, False, False, False]])
causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)
case('mha_self', bias_randomised(nn.MultiheadAttention(8, 2)), {'x': x, 'key_padding_mask': kpm, 'attn_mask': causal},
     lambda m, x, key_padding_mask, attn_mask: m(x, x, x, key_padding_mask=key_padding_mask, attn_mask=attn_mask), ['x'])

q = torch.randn(3, 4, 8)  # [N, L, E]
k = torch.randn(3, 6, 6)  # [N, S, kdim]
v = torch.randn(3, 6, 7)  # [N, S, vdim]
float_mask = torch.randn(4, 6)
kpm2 = torch.tensor([[False] * 6, [False] * 4 + [True] * 2, [True] + [False] * 5])
case('mha_kv_batch_first', bias_randomised(nn.MultiheadAttention(8, 4, kdim=6, vdim=7, batch_first=True)),
     {'q': q, 'k': k, 'v': v, 'key_padding_mask': kpm2, 'attn_mask': float_mask},
     lambda m, q, k, v, key_padding_mask, attn_mask: m(q, k, v, key_padding_mask=key_padding_mask, attn_mask=attn_mask,
                                                      average_attn_weights=False),
     ['q', 'k', 'v'])

q3 = torch.randn(4, 2, 8)  # [L, N, E]
kv3 = torch.randn(5, 2, 8)
mask3 = torch.randn(2 * 2, 4, 5)
case('mha_bias_kv_zero_attn', bias_randomised(nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True)),
     {'q': q3, 'kv': kv3, 'attn_mask': mask3},
     lambda m, q, kv, attn_mask: m(q, kv, kv, attn_mask=attn_mask), ['q', 'kv'])

case('mha_unbatched_no_weights', bias_randomised(nn.MultiheadAttention(8, 2, batch_first=True)),
     {'x': torch.randn(5, 8), 'key_padding_mask': torch.tensor([False, False, True, False, False])},
     lambda m, x, key_padding_mask: m(x, x, x, key_padding_mask=key_padding_mask, need_weights=False), ['x'])

# ---- initialisation: float32 layers after torch.manual_seed(0) ----------------------------------

torch.set_default_dtype(torch.float32)
for name, build in [
    ('linear', lambda: nn.Linear(5, 4)),
    ('conv2d', lambda: nn.Conv2d(3, 4, 3)),
    ('conv_transpose2d', lambda: nn.ConvTranspose2d(4, 2, 3, groups=2)),
    ('embedding', lambda: nn.Embedding(6, 3, padding_idx=0)),
    ('mha', lambda: nn.MultiheadAttention(8, 2)),
    ('mha_kv', lambda: nn.MultiheadAttention(8, 2, kdim=4, vdim=3, add_bias_kv=True)),
]:
    torch.manual_seed(0)
    for key, value in build().state_dict().items():
        put(f'init/{name}/{key}', value)

torch.manual_seed(0)
put('init/trunc_normal', nn.init.trunc_normal_(torch.empty(500), mean=0.5, std=2.0, a=-1.0, b=3.0))
torch.manual_seed(0)
put('init/kaiming_normal', nn.init.kaiming_normal_(torch.empty(20, 6, 3), mode='fan_out', nonlinearity='relu'))

# ---- state-dict keys of a nested model ----------------------------------------------------------


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.LayerNorm(4, elementwise_affine=False), nn.GroupNorm(2, 4)])
        self.heads = nn.ModuleDict({'a': nn.Linear(4, 1, bias=False), 'b': nn.Embedding(3, 4)})
        self.attention = nn.MultiheadAttention(8, 2)
        self.register_buffer('position_ids', torch.arange(3), persistent=False)
        self.register_buffer('scale', torch.ones(1))
        self.tail = nn.Sequential(OrderedDict([('proj', nn.Linear(4, 2)), ('act', nn.GELU()), ('drop', nn.Dropout(0.1))]))


nested = Nested()
meta['nested'] = {
    'stateDict': [[k, list(v.shape), str(v.dtype).replace('torch.', '')] for k, v in nested.state_dict().items()],
    'namedParameters': [k for k, _ in nested.named_parameters()],
    'namedBuffers': [k for k, _ in nested.named_buffers()],
    'namedModules': [k for k, _ in nested.named_modules()],
    'namedChildren': [k for k, _ in nested.named_children()],
    'numParameters': sum(p.numel() for p in nested.parameters()),
}

# ---- write ----------------------------------------------------------------------------------------

index = OrderedDict()
chunks = []
offset = 0
for name, t in tensors.items():
    values = t.to(torch.float64).contiguous().numpy().tobytes()
    index[name] = {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'offset': offset}
    chunks.append(values)
    offset += len(values)
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, 'golden.bin'), 'wb') as f:
    f.write(b''.join(chunks))
with open(os.path.join(OUT, 'golden.json'), 'w') as f:
    json.dump({'torch': torch.__version__, 'tensors': index, 'meta': meta}, f, indent=1)
print(f'{len(index)} tensors, {offset} bytes')
