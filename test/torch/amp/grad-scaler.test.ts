// GradScaler: float16 training skips steps whose gradients overflow, backs the scale off and grows
// it again after growthInterval clean steps; its state resumes from a checkpoint; misuse is refused.
//
// libtorch 1.13 has no float16 matmul, convolution or activation kernels on the CPU (measured:
// "addmm_impl_cpu_ not implemented for 'Half'"), so on the CPU the float16 part of the model is
// its output, rounded to float16 and back: the backward pass then carries the scaled gradient
// through float16, where it overflows above 65504 exactly as an autocast float16 activation's does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';

const { GradScaler } = torch.amp;

function tinyRegression(): { model: torch.nn.Linear; x: torch.Tensor; y: torch.Tensor } {
  torch.manualSeed(3);
  const model = new torch.nn.Linear(4, 2);
  const x = torch.randn([8, 4]);
  const y = torch.randn([8, 2]);
  return { model, x, y };
}

/** One iteration; the loss goes through float16 like an autocast region's output. */
function iterate(scaler: InstanceType<typeof GradScaler>, optimizer: torch.optim.SGD, model: torch.nn.Linear, x: torch.Tensor, y: torch.Tensor): { stepped: boolean; loss: number } {
  optimizer.zeroGrad();
  const out = model.forward(x).to('float16').to('float32');
  const loss = torch.F.mseLoss(out, y);
  scaler.scale(loss).backward();
  const stepped = scaler.step(optimizer);
  scaler.update();
  return { stepped, loss: loss.item() as number };
}

describe('GradScaler', () => {
  it('skips steps with inf gradients, halves the scale until they fit, then trains and grows it back', () => {
    const { model, x, y } = tinyRegression();
    const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.05 });
    // 2^24 times a gradient of order 0.1 overflows float16 (max 65504): the first steps must be skipped.
    const scaler = new GradScaler({ initScale: 2 ** 24, growthInterval: 5 });
    const weightBefore = model.weight.clone();
    const history: { stepped: boolean; scale: number; loss: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const { stepped, loss } = iterate(scaler, optimizer, model, x, y);
      history.push({ stepped, scale: scaler.getScale(), loss });
    }
    const skipped = history.findIndex((h) => h.stepped);
    assert.ok(skipped >= 2, `expected several skipped steps first, got ${skipped}`);
    for (let i = 0; i < skipped; i++) assert.equal(history[i].scale, 2 ** (24 - i - 1), `scale after skipped step ${i}`);
    // The skipped steps left the weights untouched; the first clean step changed them.
    const firstGood = history[skipped];
    assert.ok(firstGood.stepped);
    assert.ok((model.weight.sub(weightBefore).abs().max().item() as number) > 0);
    // After growthInterval clean steps in a row the scale doubles (and may overflow and back off again).
    const grew = history.some((h, i) => i > skipped && h.scale > history[i - 1].scale);
    assert.ok(grew, `the scale never grew: ${history.map((h) => h.scale).join(', ')}`);
    // Training progressed: the loss went down.
    assert.ok(history.at(-1)!.loss < history[skipped].loss, `loss ${history[skipped].loss} → ${history.at(-1)!.loss}`);
  });

  it('unscales gradients to what float32 training computes when nothing overflows', () => {
    const { model, x, y } = tinyRegression();
    const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
    torch.F.mseLoss(model.forward(x), y).backward();
    const reference = model.weight.grad!.clone();
    optimizer.zeroGrad();
    const scaler = new GradScaler({ initScale: 1024 });
    scaler.scale(torch.F.mseLoss(model.forward(x), y)).backward();
    scaler.unscale(optimizer);
    const diff = model.weight.grad!.sub(reference).abs().max().item() as number;
    assert.ok(diff < 1e-6, `unscaled gradient differs by ${diff}`);
    assert.equal(scaler.step(optimizer), true);
    scaler.update();
    assert.equal(scaler.getScale(), 1024);
  });

  it('resumes from its state dict: same scale and growth tracker, so the next growth happens on time', () => {
    const { model, x, y } = tinyRegression();
    const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.01 });
    const scaler = new GradScaler({ initScale: 256, growthInterval: 4 });
    for (let i = 0; i < 3; i++) iterate(scaler, optimizer, model, x, y);
    const saved = JSON.parse(JSON.stringify(scaler.stateDict()));
    assert.deepEqual(saved, { scale: 256, growth_factor: 2, backoff_factor: 0.5, growth_interval: 4, _growth_tracker: 3 });
    const resumed = new GradScaler();
    resumed.loadStateDict(saved);
    iterate(resumed, optimizer, model, x, y);
    assert.equal(resumed.getScale(), 512, 'the fourth clean step doubles the scale');
    assert.equal(resumed.getGrowthInterval(), 4);
  });

  it('refuses misuse with PyTorch-like messages', () => {
    const { model, x, y } = tinyRegression();
    const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.01 });
    const scaler = new GradScaler();
    assert.throws(() => scaler.update(), /no inf checks were recorded/);
    scaler.scale(torch.F.mseLoss(model.forward(x), y)).backward();
    scaler.unscale(optimizer);
    assert.throws(() => scaler.unscale(optimizer), /already been called/);
    scaler.step(optimizer);
    assert.throws(() => scaler.step(optimizer), /already been called/);
    assert.throws(() => new GradScaler({ backoffFactor: 2 }), /backoffFactor must be a number between 0 and 1/);
    assert.throws(() => new GradScaler({ growthInterval: 1.5 }), /growthInterval must be a positive integer/);
    assert.throws(() => new GradScaler().loadStateDict({}), /saved by a disabled GradScaler/);
    const off = new GradScaler({ enabled: false });
    const loss = torch.scalarTensor(2);
    assert.equal(off.scale(loss), loss);
    assert.equal(off.getScale(), 1);
    assert.deepEqual(off.stateDict(), {});
  });
});
