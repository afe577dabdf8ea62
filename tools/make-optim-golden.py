#!/usr/bin/python3
"""Golden values for test/torch/optim from PyTorch 1.13 (Debian's python3-torch).

Writes test/fixtures/optim/golden.json: parameter trajectories of SGD / Adam / AdamW configurations
(two parameter groups, float64 and float32), learning rates of every scheduler, clip_grad_norm_
results, C-library pow/cos values, and PyTorch's error messages for bad input.

The gradient at each step is g = (p - target) * scale + noise[step], computed with the same tensor
operations in the TypeScript test, so both sides see the same bits. At step 2 the second parameter
has no gradient (its state and step count fall behind the others').

Run: /usr/bin/python3 tools/make-optim-golden.py
"""
import json
import math
import os

import torch

torch.manual_seed(1234)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'optim', 'golden.json')
STEPS = 6
SKIP_STEP, SKIP_PARAM = 2, 1
SHAPES = [[3, 4], [5], [2, 3]]


def flat(t):
    return t.detach().reshape(-1).tolist()


def problem(dtype):
    init = [torch.randn(s, dtype=torch.float64).to(dtype) for s in SHAPES]
    target = [torch.randn(s, dtype=torch.float64).to(dtype) for s in SHAPES]
    scale = [torch.rand(s, dtype=torch.float64).add(0.5).to(dtype) for s in SHAPES]
    noise = [[torch.randn(s, dtype=torch.float64).mul(0.1).to(dtype) for s in SHAPES] for _ in range(STEPS)]
    return dict(init=init, target=target, scale=scale, noise=noise)


def set_grads(params, prob, step):
    for i, p in enumerate(params):
        if step == SKIP_STEP and i == SKIP_PARAM:
            p.grad = None
        else:
            p.grad = (p.detach() - prob['target'][i]) * prob['scale'][i] + prob['noise'][step][i]


def run_optimizer(cls, defaults, group1, prob):
    params = [t.clone().requires_grad_(True) for t in prob['init']]
    opt = cls([{'params': params[:2]}, dict(params=params[2:], **group1)], **defaults)
    trajectory = []
    for step in range(STEPS):
        set_grads(params, prob, step)
        opt.step()
        trajectory.append([flat(p) for p in params])
    sd = opt.state_dict()
    state = {}
    for k, s in sd['state'].items():
        state[str(k)] = {name: (flat(v) if name != 'step' else float(v)) if torch.is_tensor(v) else v for name, v in s.items()}
    return trajectory, state


def optimizer_cases():
    cases = []
    sgd = [
        ('sgd-plain', dict(lr=0.1), dict(lr=0.05)),
        ('sgd-momentum', dict(lr=0.1, momentum=0.9), dict(lr=0.03, weight_decay=0.01)),
        ('sgd-dampening', dict(lr=0.1, momentum=0.8, dampening=0.25), dict(lr=0.2)),
        ('sgd-nesterov', dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=0.02)),
        ('sgd-weight-decay', dict(lr=0.1, momentum=0.5, weight_decay=0.05), dict(lr=0.07, weight_decay=0.0)),
        ('sgd-maximize', dict(lr=0.1, momentum=0.9, maximize=True), dict(lr=0.01)),
    ]
    adam = [
        ('adam-plain', dict(lr=0.01), dict(lr=0.003)),
        ('adam-weight-decay', dict(lr=0.02, weight_decay=0.1, betas=(0.8, 0.99)), dict(lr=0.005, weight_decay=0.0, eps=1e-6)),
        ('adam-amsgrad', dict(lr=0.01, amsgrad=True), dict(lr=0.03, weight_decay=0.01)),
        ('adam-amsgrad-weight-decay', dict(lr=0.01, amsgrad=True, weight_decay=0.05), dict(lr=0.002, betas=(0.5, 0.9))),
        ('adam-maximize', dict(lr=0.01, maximize=True), dict(lr=0.02)),
    ]
    adamw = [
        ('adamw-plain', dict(lr=0.01), dict(lr=0.003, weight_decay=0.1)),
        ('adamw-amsgrad', dict(lr=0.01, amsgrad=True, weight_decay=0.05), dict(lr=0.02, weight_decay=0.0)),
        ('adamw-no-decay', dict(lr=0.01, weight_decay=0.0), dict(lr=0.001, weight_decay=0.3, betas=(0.7, 0.95))),
    ]
    for cls, table in ((torch.optim.SGD, sgd), (torch.optim.Adam, adam), (torch.optim.AdamW, adamw)):
        for name, defaults, group1 in table:
            for dtype in (torch.float64, torch.float32):
                if dtype == torch.float32 and name not in ('sgd-nesterov', 'adam-amsgrad-weight-decay', 'adamw-plain'):
                    continue
                prob = PROBLEMS[dtype]
                trajectory, state = run_optimizer(cls, defaults, group1, prob)
                cases.append(dict(
                    name=f'{name}-{str(dtype)[6:]}', optimizer=cls.__name__, dtype=str(dtype)[6:],
                    defaults={k: list(v) if isinstance(v, tuple) else v for k, v in defaults.items()},
                    group1={k: list(v) if isinstance(v, tuple) else v for k, v in group1.items()},
                    trajectory=trajectory, state=state,
                ))
    return cases


def lrs(opt):
    return [g['lr'] for g in opt.param_groups]


def scheduler_cases():
    S = torch.optim.lr_scheduler
    specs = [
        ('StepLR', dict(step_size=3, gamma=0.5), lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
        ('MultiStepLR', dict(milestones=[2, 5, 5, 9], gamma=0.3), lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3)),
        ('ConstantLR', dict(factor=0.25, total_iters=4), lambda o: S.ConstantLR(o, factor=0.25, total_iters=4)),
        ('ConstantLR-identity', dict(factor=1.0, total_iters=4), lambda o: S.ConstantLR(o, factor=1.0, total_iters=4)),
        ('LinearLR', dict(start_factor=0.2, end_factor=0.9, total_iters=6), lambda o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=6)),
        ('ExponentialLR', dict(gamma=0.87), lambda o: S.ExponentialLR(o, gamma=0.87)),
        ('PolynomialLR', dict(total_iters=10, power=2.0), lambda o: S.PolynomialLR(o, total_iters=10, power=2.0)),
        ('PolynomialLR-fractional', dict(total_iters=8, power=0.7), lambda o: S.PolynomialLR(o, total_iters=8, power=0.7)),
        ('CosineAnnealingLR', dict(T_max=6, eta_min=0.001), lambda o: S.CosineAnnealingLR(o, T_max=6, eta_min=0.001)),
        ('CosineAnnealingLR-long', dict(T_max=13, eta_min=0.0), lambda o: S.CosineAnnealingLR(o, T_max=13)),
        ('LambdaLR', dict(), lambda o: S.LambdaLR(o, lambda e: 1 / (e + 1))),
        ('MultiplicativeLR', dict(), lambda o: S.MultiplicativeLR(o, lambda e: 0.9)),
        ('SequentialLR', dict(), lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=3), S.CosineAnnealingLR(o, T_max=10, eta_min=0.0005)], milestones=[3])),
        ('SequentialLR-step', dict(), lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=2), S.StepLR(o, step_size=2, gamma=0.7), S.ExponentialLR(o, gamma=0.9)], milestones=[4, 9])),
        ('ChainedScheduler', dict(), lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=2), S.ExponentialLR(o, gamma=0.9)])),
    ]
    cases = []
    for name, options, make in specs:
        p = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
        opt = torch.optim.SGD([{'params': [p[0]]}, {'params': [p[1]], 'lr': 0.02}], lr=0.1)
        sched = make(opt)
        seq = [lrs(opt)]
        for _ in range(15):
            opt.step()
            sched.step()
            seq.append(lrs(opt))
        cases.append(dict(name=name, options=options, lrs=seq))
    return cases


METRICS = [1.0, 0.9, 0.9, 0.95, 0.899, 0.9, 0.91, 0.92, 0.8, 0.8, 0.8, 0.8, 0.85, 0.79995, 0.7, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.6, 0.6, 0.6, 0.6]


def plateau_cases():
    specs = [
        ('min-rel', dict(mode='min', factor=0.5, patience=2)),
        ('min-abs', dict(mode='min', threshold_mode='abs', threshold=0.01, factor=0.3, patience=1, cooldown=2)),
        ('max-rel', dict(mode='max', factor=0.5, patience=1, threshold=0.05)),
        ('max-abs', dict(mode='max', threshold_mode='abs', threshold=0.02, factor=0.1, patience=0, min_lr=[0.001, 0.0015])),
        ('min-rel-eps', dict(mode='min', factor=0.9, patience=0, min_lr=0.05, eps=0.004, cooldown=1)),
    ]
    cases = []
    for name, options in specs:
        p = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
        opt = torch.optim.SGD([{'params': [p[0]]}, {'params': [p[1]], 'lr': 0.02}], lr=0.1)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        seq, states = [], []
        for m in METRICS:
            sched.step(m)
            seq.append(lrs(opt))
            sd = sched.state_dict()
            states.append(dict(best=sd['best'] if math.isfinite(sd['best']) else str(sd['best']), num_bad_epochs=sd['num_bad_epochs'], cooldown_counter=sd['cooldown_counter']))
        cases.append(dict(name=name, options=options, lrs=seq, states=states))
    return cases


def clip_cases():
    cases = []
    for dtype in (torch.float64, torch.float32):
        for max_norm, norm_type in ((1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, math.inf), (2.0, 3.0), (0.7, math.inf)):
            grads = [torch.randn(s, dtype=torch.float64).mul(0.8).to(dtype) for s in SHAPES]
            params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in SHAPES]
            if norm_type == math.inf and max_norm == 0.7:
                params, grads = params[:1], grads[:1]
            for p, g in zip(params, grads):
                p.grad = g.clone()
            total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
            cases.append(dict(dtype=str(dtype)[6:], max_norm=max_norm, norm_type='inf' if norm_type == math.inf else norm_type,
                              grads=[flat(g) for g in grads], total=total.item(), clipped=[flat(p.grad) for p in params]))
    return cases


def libm_values():
    bases = [0.9, 0.999, 0.99, 0.95, 0.5, 0.8]
    steps = list(range(1, 100)) + [250, 503, 688, 880, 1000, 2904, 3270, 4630, 10000, 123457]
    pows = [[b, k, b ** float(k)] for b in bases for k in steps]
    cosines = []
    for T in (3, 6, 7, 10, 13, 50, 100):
        for e in range(0, 2 * T + 2):
            for x in (math.pi * e / T, e * math.pi / T, math.pi / T):
                cosines.append([x, math.cos(x)])
    cosines.append([1.5707963267948968, math.cos(1.5707963267948968)])
    return dict(pow=pows, cos=cosines)


def message(fn):
    try:
        fn()
    except KeyError as e:
        return e.args[0]
    except Exception as e:  # noqa: BLE001
        return str(e)
    raise AssertionError('no error')


def error_messages():
    x = torch.zeros(2, requires_grad=True)
    y = torch.zeros(2, requires_grad=True)
    S = torch.optim.lr_scheduler
    sgd = lambda: torch.optim.SGD([x], lr=0.1)  # noqa: E731
    two = lambda: torch.optim.SGD([{'params': [x]}, {'params': [y]}], lr=0.1)  # noqa: E731
    return {
        'sgd-negative-lr': message(lambda: torch.optim.SGD([x], lr=-0.1)),
        'sgd-negative-momentum': message(lambda: torch.optim.SGD([x], lr=0.1, momentum=-0.5)),
        'sgd-negative-weight-decay': message(lambda: torch.optim.SGD([x], lr=0.1, weight_decay=-0.5)),
        'sgd-nesterov': message(lambda: torch.optim.SGD([x], lr=0.1, nesterov=True)),
        'adam-negative-lr': message(lambda: torch.optim.Adam([x], lr=-0.001)),
        'adam-negative-eps': message(lambda: torch.optim.Adam([x], eps=-0.5)),
        'adam-beta0': message(lambda: torch.optim.Adam([x], betas=(1.5, 0.999))),
        'adam-beta1': message(lambda: torch.optim.Adam([x], betas=(0.9, -0.5))),
        'adamw-negative-weight-decay': message(lambda: torch.optim.AdamW([x], weight_decay=-0.5)),
        'empty': message(lambda: torch.optim.Adam([])),
        'twice': message(lambda: torch.optim.Adam([{'params': [x]}, {'params': [y, x]}])),
        'non-leaf': message(lambda: torch.optim.Adam([x * 2])),
        'load-group-count': message(lambda: sgd().load_state_dict(two().state_dict())),
        'load-group-size': message(lambda: torch.optim.SGD([x, y], lr=0.1).load_state_dict(sgd().state_dict())),
        'constant-factor': message(lambda: S.ConstantLR(sgd(), factor=1.5)),
        'linear-start': message(lambda: S.LinearLR(sgd(), start_factor=1.5)),
        'linear-end': message(lambda: S.LinearLR(sgd(), end_factor=-0.5)),
        'plateau-factor': message(lambda: S.ReduceLROnPlateau(sgd(), factor=1.5)),
        'plateau-mode': message(lambda: S.ReduceLROnPlateau(sgd(), mode='average')),
        'plateau-threshold-mode': message(lambda: S.ReduceLROnPlateau(sgd(), threshold_mode='percent')),
        'plateau-min-lrs': message(lambda: S.ReduceLROnPlateau(two(), min_lr=[0.1, 0.2, 0.3])),
        'resume-without-initial-lr': message(lambda: S.StepLR(sgd(), step_size=2, last_epoch=3)),
        'lambda-count': message(lambda: S.LambdaLR(two(), [lambda e: 1.0])),
    }


PROBLEMS = {torch.float64: problem(torch.float64), torch.float32: problem(torch.float32)}


def main():
    problems = {str(dt)[6:]: dict(
        init=[flat(t) for t in p['init']], target=[flat(t) for t in p['target']], scale=[flat(t) for t in p['scale']],
        noise=[[flat(t) for t in step] for step in p['noise']],
    ) for dt, p in PROBLEMS.items()}
    golden = dict(
        torch=torch.__version__, steps=STEPS, skip=[SKIP_STEP, SKIP_PARAM], shapes=SHAPES, problems=problems,
        optimizers=optimizer_cases(), schedulers=scheduler_cases(), plateau=dict(metrics=METRICS, cases=plateau_cases()),
        clip=clip_cases(), libm=libm_values(), errors=error_messages(),
    )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(golden, f, separators=(',', ':'))
    print(f'wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()
