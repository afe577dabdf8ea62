// The ResNet encoder: torchvision checkpoints through the user path, shapes, dilation, errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import type { ResNetParams } from '../../../src/models/cnn/config.js';
import { ResNetEncoder, resnetParams } from '../../../src/models/cnn/resnet.js';
import { loadTorchvisionEncoder } from '../../../src/models/cnn/weights.js';
import { assertClose, det, fixturePath } from '../../helpers.js';

const checkpoint = fixturePath('cnn', 'resnet-tiny-torchvision.pth');
const tiny: ResNetParams = { block: 'basic', layers: [1, 1, 1, 1], width: 4, groups: 1, width_per_group: 64 };
const values = (t: torch.Tensor): number[] => Array.from(t.to('float64').data() as Float64Array);
const tinyBottleneck: ResNetParams = { block: 'bottleneck', layers: [1, 1, 1, 1], width: 4, groups: 1, width_per_group: 64 };

describe('ResNetEncoder', () => {
  it('loads a torchvision checkpoint (torch.save of a state dict, fc included) through the user path, ignoring fc', async () => {
    const encoder = new ResNetEncoder(tiny);
    await loadTorchvisionEncoder(encoder, checkpoint);
    // The same weights are the UNet++ fixture's encoder.*: compare them exactly.
    const model = await torch.io.loadStateDict(fixturePath('cnn', 'unetplusplus.pt'), { key: 'state_dict' });
    const mine = encoder.stateDict();
    assert.equal(mine.size, [...model.keys()].filter((k) => k.startsWith('encoder.')).length);
    for (const [key, value] of mine) assert.equal(value.sub(model.get(`encoder.${key}`)!).abs().max().item(), 0, key);
    const file = await torch.io.loadStateDict(checkpoint);
    assert.ok(file.has('fc.weight') && file.has('fc.bias'), 'the fixture is a full classifier checkpoint');
    encoder.eval();
    const expected = await torch.io.loadStateDict(fixturePath('cnn', 'unetplusplus.pt'), { key: 'expected' });
    torch.scope(() => {
      const features = torch.noGrad(() => encoder.forward(det([2, 3, 32, 32], { dtype: 'float32' })));
      const last = expected.get('features.5')!;
      assertClose(features[5], Array.from(last.to('float64').data() as Float64Array), 1e-4, 'layer4', last.shape);
    });
    torch.dispose([...model.values(), ...file.values(), ...expected.values()]);
    encoder.dispose();
  });

  it("adapts the RGB stem to one or four input channels as smp's patch_first_conv", async () => {
    const rgb = (await torch.io.loadStateDict(checkpoint)).get('conv1.weight')!;
    const grey = new ResNetEncoder(tiny, { inChannels: 1 });
    await loadTorchvisionEncoder(grey, checkpoint);
    assert.deepEqual(grey.conv1.weight.shape, [4, 1, 7, 7]);
    assertClose(grey.conv1.weight, values(rgb.sum(1, { keepdim: true })), 1e-6, 'sum over RGB');
    const four = new ResNetEncoder(tiny, { inChannels: 4 });
    await loadTorchvisionEncoder(four, checkpoint);
    assertClose(four.conv1.weight.narrow(1, 3, 1), values(rgb.narrow(1, 0, 1).mul(0.75)), 1e-6, 'fourth channel = R · 3/4');
    torch.dispose(rgb);
    grey.dispose();
    four.dispose();
  });

  it('names the file, the key and both shapes when a checkpoint does not fit', async () => {
    const wider = new ResNetEncoder({ ...tiny, width: 8 });
    await assert.rejects(loadTorchvisionEncoder(wider, checkpoint), (error: Error) => {
      assert.match(error.message, /loadStateDict\(ResNetEncoder\) from .*resnet-tiny-torchvision\.pth/);
      assert.match(error.message, /size mismatch for conv1\.weight: checkpoint \[4, 3, 7, 7\], model \[8, 3, 7, 7\]/);
      return true;
    });
    wider.dispose();
  });

  it("has torchvision resnet50's keys without fc and its 23,508,032 parameters", () => {
    const encoder = new ResNetEncoder(resnetParams('resnet50'));
    const keys = [...encoder.stateDict().keys()];
    assert.equal(keys.length, 318); // torchvision resnet50: 320 keys, fc.weight and fc.bias removed
    assert.deepEqual(keys.slice(0, 7), ['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked', 'layer1.0.conv1.weight']);
    assert.ok(keys.includes('layer1.0.downsample.0.weight') && keys.includes('layer4.2.bn3.num_batches_tracked'));
    assert.ok(!keys.includes('layer1.1.downsample.0.weight'));
    assert.equal(encoder.numParameters(), 23_508_032);
    assert.deepEqual(encoder.outChannels, [3, 64, 256, 512, 1024, 2048]);
    encoder.dispose();
  });

  it('returns the input and five maps at strides 2 to 32, or 16 and 8 when dilated', () => {
    const shapes = (outputStride: 8 | 16 | 32): number[][] => {
      const encoder = new ResNetEncoder(tinyBottleneck, { outputStride }).eval();
      const out = torch.scope(() => torch.noGrad(() => encoder.forward(torch.zeros([1, 3, 64, 64])).map((f) => f.shape)));
      encoder.dispose();
      return out;
    };
    assert.deepEqual(shapes(32), [[1, 3, 64, 64], [1, 4, 32, 32], [1, 16, 16, 16], [1, 32, 8, 8], [1, 64, 4, 4], [1, 128, 2, 2]]);
    assert.deepEqual(shapes(16).slice(4), [[1, 64, 4, 4], [1, 128, 4, 4]]);
    assert.deepEqual(shapes(8).slice(3), [[1, 32, 8, 8], [1, 64, 8, 8], [1, 128, 8, 8]]);
  });

  it('dilates every 3x3 convolution of the last stage, the first block included, as smp does', () => {
    const encoder = new ResNetEncoder(tinyBottleneck, { outputStride: 16 });
    const conv2 = encoder.getSubmodule('layer4.0.conv2') as torch.nn.Conv2d;
    assert.deepEqual([conv2.stride, conv2.dilation, conv2.padding], [[1, 1], [2, 2], [2, 2]]);
    assert.deepEqual((encoder.getSubmodule('layer4.0.downsample.0') as torch.nn.Conv2d).stride, [1, 1]);
    assert.deepEqual((encoder.getSubmodule('layer3.0.conv2') as torch.nn.Conv2d).stride, [2, 2]);
    encoder.dispose();
  });

  it('lists the supported encoders for an unknown name', () => {
    assert.throws(() => resnetParams('resnet49'), /Wrong encoder name 'resnet49', supported encoders: resnet18, resnet34, resnet50, resnet101, resnet152/);
  });
});
