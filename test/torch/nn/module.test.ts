import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckpointError } from '../../../src/errors.js';
import * as torch from '../../../src/torch/index.js';
import * as nn from '../../../src/torch/nn/index.js';
import { meta } from './golden.js';

/** The model of tools/make-nn-golden.py's `Nested`, registered in the same order. */
class Nested extends nn.Module {
  readonly stem: nn.Sequential;
  readonly blocks: nn.ModuleList;
  readonly heads: nn.ModuleDict;
  readonly attention: nn.MultiheadAttention;
  readonly positionIds: nn.Buffer;
  readonly scale: nn.Buffer;
  readonly tail: nn.Sequential;

  constructor() {
    super();
    this.stem = this.registerModule('stem', new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU()));
    this.blocks = this.registerModule('blocks', new nn.ModuleList([new nn.Linear(4, 4), new nn.LayerNorm(4, { elementwiseAffine: false }), new nn.GroupNorm(2, 4)]));
    this.heads = this.registerModule('heads', new nn.ModuleDict({ a: new nn.Linear(4, 1, { bias: false }), b: new nn.Embedding(3, 4) }));
    this.attention = this.registerModule('attention', new nn.MultiheadAttention(8, 2));
    this.positionIds = this.registerBuffer('position_ids', torch.arange(3), { persistent: false });
    this.scale = this.registerBuffer('scale', torch.ones([1]));
    this.tail = this.registerModule(
      'tail',
      new nn.Sequential(new Map<string, nn.UnaryModule>([['proj', new nn.Linear(4, 2)], ['act', new nn.GELU()], ['drop', new nn.Dropout(0.1)]])),
    );
  }
}

interface NestedMeta {
  stateDict: [string, number[], string][];
  namedParameters: string[];
  namedBuffers: string[];
  namedModules: string[];
  namedChildren: string[];
  numParameters: number;
}

class Empty extends nn.Module {}

describe('nn.Module', () => {
  describe('state-dict keys', () => {
    it('lists exactly PyTorch’s keys, shapes and dtypes for a nested model, in PyTorch’s order', () => {
      const model = new Nested();
      const expected = meta('nested') as NestedMeta;
      const actual = [...model.stateDict()].map(([k, t]) => [k, t.shape, t.dtype === 'float32' ? 'float32' : t.dtype]);
      assert.deepEqual(actual, expected.stateDict);
      model.dispose();
    });

    it('names parameters, buffers (non-persistent included), modules and children as PyTorch does', () => {
      const model = new Nested();
      const expected = meta('nested') as NestedMeta;
      assert.deepEqual(model.namedParameters().map(([k]) => k), expected.namedParameters);
      assert.deepEqual(model.namedBuffers().map(([k]) => k), expected.namedBuffers);
      assert.deepEqual([...model.namedModules()].map(([k]) => k), expected.namedModules);
      assert.deepEqual([...model.namedChildren()].map(([k]) => k), expected.namedChildren);
      assert.equal(model.numParameters(), expected.numParameters);
      assert.equal(model.parameters().length, expected.namedParameters.length);
      assert.equal(model.getSubmodule('stem.1').className, 'BatchNorm2d');
      assert.throws(() => model.getSubmodule('stem.7'), { message: "Nested.getSubmodule: Sequential has no child '7' (path 'stem.7'); its children: 0, 1, 2" });
      model.dispose();
    });

    it('keeps a shared parameter once in parameters() and under both keys in stateDict()', () => {
      const a = new nn.Linear(2, 2);
      const tied = new (class extends nn.Module {
        readonly first = this.registerModule('first', a);
        readonly second = this.registerModule('second', new Empty());
        constructor() {
          super();
          this.second.registerParameter('weight', a.weight);
        }
      })();
      assert.deepEqual(tied.namedParameters().map(([k]) => k), ['first.weight', 'first.bias']);
      assert.deepEqual([...tied.stateDict().keys()], ['first.weight', 'first.bias', 'second.weight']);
      assert.equal(tied.stateDict().get('second.weight'), a.weight);
      tied.dispose();
    });
  });

  it('prints its tree as PyTorch does, with each layer’s settings', () => {
    const m = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(8), new nn.Sequential(new nn.ReLU(), new nn.Dropout(0.1)));
    assert.equal(
      m.toString(),
      'Sequential(\n' +
        '  (0): Conv2d(3, 8, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1], bias=false)\n' +
        '  (1): BatchNorm2d(8, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)\n' +
        '  (2): Sequential(\n' +
        '    (0): ReLU()\n' +
        '    (1): Dropout(p=0.1)\n' +
        '  )\n' +
        ')',
    );
    m.dispose();
  });

  describe('registration', () => {
    it('rejects names with ".", empty names and taken names with PyTorch’s messages', () => {
      const m = new Empty();
      m.registerParameter('weight', torch.zeros([1]));
      assert.throws(() => m.registerParameter('a.b', torch.zeros([1])), { name: 'TypeError', message: 'Empty.registerParameter: parameter name can\'t contain "."' });
      assert.throws(() => m.registerParameter('', null), { message: 'Empty.registerParameter: parameter name can\'t be empty string ""' });
      assert.throws(() => m.registerBuffer('weight', torch.zeros([1])), { message: "Empty.registerBuffer: attribute 'weight' already exists" });
      assert.throws(() => m.registerBuffer('x.y', null), { message: 'Empty.registerBuffer: buffer name can\'t contain "."' });
      assert.throws(() => m.registerModule('weight', new Empty()), { message: "Empty.registerModule: attribute 'weight' already exists" });
      assert.throws(() => m.registerModule('a.b', new Empty()), { message: 'Empty.registerModule: module name can\'t contain ".", got: a.b' });
      assert.throws(() => m.registerModule('', new Empty()), { message: 'Empty.registerModule: module name can\'t be empty string ""' });
      m.dispose();
    });

    it('takes a registered tensor over: a leaf Parameter that requires grad, the original disposed', () => {
      const m = new Empty();
      const data = torch.ones([2]).mul(3);
      const p = m.registerParameter('w', data);
      assert.ok(p instanceof nn.Parameter);
      assert.ok(p.requiresGrad && p.isLeaf);
      assert.ok(data.isDisposed);
      assert.deepEqual(p.toArray(), [3, 3]);
      const b = m.registerBuffer('b', torch.zeros([2]));
      assert.ok(b instanceof nn.Buffer);
      assert.equal(b.requiresGrad, false);
      m.dispose();
    });
  });

  describe('loadStateDict', () => {
    const model = (): nn.Sequential => new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));

    it('lists missing, unexpected and size-mismatched keys at once, naming the class and the file', () => {
      const m = model();
      const before = m.stateDict().get('0.weight')!.toArray();
      torch.scope(() => {
        const checkpoint = new Map([
          ['0.weight', torch.randn([3, 2])],
          ['0.bias', torch.randn([4])],
          ['2.weight', torch.randn([1])],
          ['0.running_mean', torch.randn([3])],
        ]);
        assert.throws(() => m.loadStateDict(checkpoint, { file: 'fixtures/x.safetensors' }), (error: unknown) => {
          assert.ok(error instanceof CheckpointError);
          assert.ok(error instanceof nn.LoadStateDictError);
          assert.equal(
            error.message,
            'loadStateDict(Sequential) from fixtures/x.safetensors:\n' +
              '  missing "1.weight";\n' +
              '  missing "1.bias";\n' +
              '  unexpected "2.weight";\n' +
              '  unexpected "0.running_mean";\n' +
              '  size mismatch for 0.bias: checkpoint [4], model [3]',
          );
          assert.equal(error.file, 'fixtures/x.safetensors');
          assert.deepEqual(error.missingKeys, ['1.weight', '1.bias']);
          assert.deepEqual(error.unexpectedKeys, ['2.weight', '0.running_mean']);
          assert.deepEqual(error.mismatchedKeys, ['0.bias']);
          return true;
        });
      });
      assert.deepEqual(m.stateDict().get('0.weight')!.toArray(), before, 'nothing is copied when a key does not fit');
      m.dispose();
    });

    it('returns missing and unexpected keys when not strict, but still refuses a size mismatch', () => {
      const m = model();
      torch.scope(() => {
        const result = m.loadStateDict(new Map([['0.weight', torch.ones([3, 2])], ['extra', torch.ones([1])]]), { strict: false });
        assert.deepEqual(result, { missingKeys: ['0.bias', '1.weight', '1.bias'], unexpectedKeys: ['extra'] });
        assert.deepEqual(m.stateDict().get('0.weight')!.toArray(), [[1, 1], [1, 1], [1, 1]]);
        assert.throws(() => m.loadStateDict({ '0.weight': torch.ones([2, 3]) }, { strict: false }), {
          message: 'loadStateDict(Sequential):\n  size mismatch for 0.weight: checkpoint [2, 3], model [3, 2]',
        });
      });
      m.dispose();
    });

    it('copies in place, converting the checkpoint dtype, without recording gradients', () => {
      const m = new nn.Linear(2, 1);
      const weight = m.weight;
      torch.scope(() => {
        m.loadStateDict({ weight: torch.tensor([[0.5, 0.25]], { dtype: 'float64' }), bias: torch.tensor([2], { dtype: 'float16' }) });
      });
      assert.equal(m.weight, weight);
      assert.equal(m.weight.dtype, 'float32');
      assert.ok(m.weight.isLeaf && m.weight.requiresGrad);
      assert.deepEqual(m.weight.toArray(), [[0.5, 0.25]]);
      assert.deepEqual(m.bias!.toArray(), [2]);
      m.dispose();
    });

    it('treats a non-persistent buffer in the checkpoint as unexpected', () => {
      const m = new Nested();
      const state = new Map(m.stateDict());
      state.set('position_ids', m.positionIds);
      assert.throws(() => m.loadStateDict(state), { message: 'loadStateDict(Nested):\n  unexpected "position_ids"' });
      m.dispose();
    });
  });

  describe('memory', () => {
    it('keeps parameters and buffers of a module built inside torch.scope', () => {
      const m = torch.scope(() => new Nested());
      for (const [key, t] of m.stateDict()) assert.equal(t.isDisposed, false, key);
      torch.scope(() => {
        const out = m.stem.forward(torch.randn([1, 3, 5, 5]));
        assert.deepEqual(out.shape, [1, 4, 3, 3]);
      });
      m.dispose();
    });

    it('dispose() frees every parameter, buffer and child: the tensor count returns to its baseline', () => {
      const baseline = torch.memory().numTensors;
      const m = new Nested();
      assert.ok(torch.memory().numTensors > baseline);
      torch.scope(() => {
        m.stem.forward(torch.randn([2, 3, 5, 5])).sum().backward();
      });
      m.to('float64');
      m.dispose();
      assert.equal(torch.memory().numTensors, baseline);
      assert.ok(m.parameters().every((p) => p.isDisposed));
    });
  });

  describe('modes and freezing', () => {
    it('train() and eval() reach every descendant', () => {
      const m = new Nested();
      assert.ok([...m.modules()].every((x) => x.training));
      m.eval();
      assert.ok([...m.modules()].every((x) => !x.training));
      m.blocks.train();
      assert.ok(m.blocks.at(0).training && !m.stem.training && !m.training);
      m.dispose();
    });

    it('requiresGrad_(false) freezes every parameter and numParameters counts the trainable ones', () => {
      const m = new Nested();
      m.stem.requiresGrad_(false);
      assert.ok(m.stem.parameters().every((p) => !p.requiresGrad));
      assert.equal(m.numParameters({ trainableOnly: true }), m.numParameters() - m.stem.numParameters());
      m.requiresGrad_(false);
      assert.equal(m.numParameters({ trainableOnly: true }), 0);
      m.dispose();
    });

    it('zeroGrad() drops every gradient', () => {
      const m = new nn.Linear(3, 2);
      torch.scope(() => m.forward(torch.randn([4, 3])).sum().backward());
      assert.ok(m.parameters().every((p) => torch.scope(() => p.grad !== undefined)));
      m.zeroGrad();
      assert.ok(m.parameters().every((p) => p.grad === undefined));
      m.dispose();
    });

    it('apply() visits children before their parent', () => {
      const m = new nn.Sequential(new nn.Linear(1, 1), new nn.Sequential(new nn.ReLU()));
      const order: string[] = [];
      m.apply((x) => order.push(x.className));
      assert.deepEqual(order, ['Linear', 'ReLU', 'Sequential', 'Sequential']);
      m.dispose();
    });
  });

  describe('to()', () => {
    it('converts floating parameters and buffers in place, keeping the Parameter objects and int64 counters', () => {
      const m = new nn.Sequential(new nn.Linear(3, 3), new nn.BatchNorm1d(3));
      const params = m.parameters();
      torch.scope(() => m.forward(torch.randn([4, 3])).sum().backward());
      m.to('float64');
      assert.deepEqual(m.parameters(), params);
      assert.ok(params.every((p) => p.dtype === 'float64' && p.requiresGrad && p.isLeaf));
      assert.equal(torch.scope(() => params[0].grad!.dtype), 'float64');
      const state = m.stateDict();
      assert.equal(state.get('1.running_mean')!.dtype, 'float64');
      assert.equal(state.get('1.num_batches_tracked')!.dtype, 'int64');
      torch.scope(() => {
        const y = m.forward(torch.randn([4, 3], { dtype: 'float64' }));
        assert.equal(y.dtype, 'float64');
        y.sum().backward();
      });
      m.dispose();
    });

    it('moves to a device and back when CUDA is available', { skip: !torch.cuda.isAvailable() }, () => {
      const m = new nn.Linear(3, 2);
      const weight = m.weight;
      m.to('cuda');
      assert.equal(m.weight, weight);
      assert.equal(m.weight.device, 'cuda:0');
      torch.scope(() => assert.equal(m.forward(torch.randn([1, 3], { device: 'cuda' })).device, 'cuda:0'));
      m.to('cpu');
      assert.equal(m.weight.device, 'cpu');
      m.dispose();
    });
  });
});
