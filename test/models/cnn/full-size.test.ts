// Full-size ResNet-50 models with smp 0.3.3's defaults and one class: parameter counts, keys and
// output shapes at 256×256 against tools/make-cnn-golden.py's reference (fixtures/cnn/reference.json).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { cnnDefaults, type CnnArchitecture } from '../../../src/models/cnn/config.js';
import { createCnnModel } from '../../../src/models/cnn/family.js';
import { fixturePath, readJson } from '../../helpers.js';

interface FullReference { parameters: number; encoder: number; decoder: number; segmentation_head: number; state_dict_keys: number; output_shape: number[] }
const reference = readJson<{ full: Record<CnnArchitecture, FullReference> }>(fixturePath('cnn', 'reference.json'));

// Counted by tools/make-cnn-golden.py from smp v0.3.3's architecture over torchvision's resnet50.
const PARAMETERS: Record<CnnArchitecture, number> = { unet: 32_521_105, unetplusplus: 48_985_745, deeplabv3plus: 26_677_585 };

for (const arch of ['unet', 'unetplusplus', 'deeplabv3plus'] as const) {
  describe(`${arch} with a ResNet-50 encoder, smp defaults, one class`, () => {
    it(`has ${PARAMETERS[arch].toLocaleString('en')} parameters split as the reference's, and as many state-dict keys`, () => {
      const model = createCnnModel(cnnDefaults(arch));
      const ref = reference.full[arch];
      assert.equal(model.numParameters(), PARAMETERS[arch]);
      assert.equal(model.numParameters(), ref.parameters);
      assert.equal(model.encoder.numParameters(), ref.encoder);
      assert.equal(model.decoder.numParameters(), ref.decoder);
      assert.equal(model.segmentationHead.numParameters(), ref.segmentation_head);
      assert.equal(model.stateDict().size, ref.state_dict_keys);
      model.dispose();
    });

    it('maps a 256x256 image to 256x256 logits', () => {
      const model = createCnnModel(cnnDefaults(arch)).eval();
      const shape = torch.scope(() => torch.noGrad(() => model.forward(torch.zeros([1, 3, 256, 256])).shape));
      assert.deepEqual(shape, reference.full[arch].output_shape);
      assert.deepEqual(shape, [1, 1, 256, 256]);
      model.dispose();
    });
  });
}

describe('smp input checks', () => {
  it("rejects sides not divisible by the output stride with smp's advice", () => {
    const model = createCnnModel(cnnDefaults('unet', { encoder_name: 'resnet18' }));
    assert.throws(
      () => model.forward(torch.zeros([1, 3, 256, 300])),
      /Unet: wrong input shape height=256, width=300\. Expected image height and width divisible by 32\. Consider pad your images to shape \(256, 320\)\./,
    );
    model.dispose();
  });

  it('gives DeepLabV3+ an output stride of 16', () => {
    const model = createCnnModel(cnnDefaults('deeplabv3plus', { encoder_name: 'resnet18' }));
    assert.equal(model.encoder.outputStride, 16);
    assert.throws(() => model.forward(torch.zeros([1, 3, 40, 48])), /divisible by 16\. Consider pad your images to shape \(48, 48\)/);
    model.dispose();
  });

  it('makes classes configurable', () => {
    const model = createCnnModel(cnnDefaults('unetplusplus', { encoder_name: 'resnet18', classes: 17 })).eval();
    const shape = torch.scope(() => torch.noGrad(() => model.forward(torch.zeros([1, 3, 64, 64])).shape));
    assert.deepEqual(shape, [1, 17, 64, 64]);
    model.dispose();
  });
});
