#!/usr/bin/python3
"""Golden p-values of the paired Wilcoxon signed-rank test, made with Debian's python3-scipy (1.10: method 'exact' or 'approx').

Run: `/usr/bin/python3 tools/make-wilcoxon-golden.py` (writes test/fixtures/statistics/wilcoxon-golden.json).

The variant is the one src/eval/wilcoxon.ts pins on @stdlib/stats-wilcoxon:
  scipy.stats.wilcoxon(altered, baseline, zero_method='wilcox', correction=True,
                       alternative='two-sided', method=M)
with M = 'exact' when no difference is zero, no two |differences| tie and at most 50 remain,
else M = 'approx' (normal approximation, tie-corrected variance, continuity correction).
Zero differences are dropped before ranking ('wilcox').

Cases are seeded numpy draws shaped like per-image Dice: fractions in [0, 1], some rounded to two
decimals so that zeros and ties occur, as when a perturbed prompt leaves many masks unchanged.
"""
import json
import os

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'statistics', 'wilcoxon-golden.json')


def method_for(baseline, altered):
    d = np.asarray(altered) - np.asarray(baseline)
    nz = d[d != 0]
    zeros = len(d) - len(nz)
    tied = len(np.unique(np.abs(nz))) != len(nz)
    return 'exact' if (len(nz) <= 50 and zeros == 0 and not tied) else 'approx'


def case(name, baseline, altered):
    baseline = [float(v) for v in baseline]
    altered = [float(v) for v in altered]
    method = method_for(baseline, altered)
    res = stats.wilcoxon(altered, baseline, zero_method='wilcox', correction=True, alternative='two-sided', method=method)
    return {'name': name, 'method': 'exact' if method == 'exact' else 'normal', 'baseline': baseline, 'altered': altered, 'pValue': float(res.pvalue)}


rng = np.random.RandomState(15)
cases = []
b = rng.uniform(0.5, 0.95, 10)
cases.append(case('exact n=10, a drop', b, b - rng.uniform(0.0, 0.3, 10) + 0.02))
b = rng.uniform(0.3, 0.9, 25)
cases.append(case('exact n=25, no shift', b, b + rng.normal(0, 0.05, 25)))
b = rng.uniform(0.2, 0.9, 6)
cases.append(case('exact n=6, all lower', b, b - rng.uniform(0.01, 0.2, 6)))
b = rng.uniform(0.2, 0.9, 60)
cases.append(case('normal n=60 distinct', b, b - rng.normal(0.02, 0.05, 60)))
b = np.round(rng.uniform(0.3, 0.95, 120), 2)
a = b.copy()
changed = rng.rand(120) < 0.6
a[changed] = np.round(np.clip(b[changed] - rng.normal(0.05, 0.1, changed.sum()), 0, 1), 2)
cases.append(case('normal n=120 with zeros and ties', b, a))
b = np.round(rng.uniform(0.3, 0.95, 20), 2)
a = b.copy()
a[:8] = np.round(b[:8] - 0.05, 2)
cases.append(case('normal n=20, ties and zeros, small', b, a))
b = rng.uniform(0.4, 0.8, 40)
cases.append(case('normal n=40, one zero', b, np.concatenate([[b[0]], b[1:] + rng.normal(0.01, 0.04, 39)])))

with open(OUT, 'w') as f:
    json.dump({'generator': 'tools/make-wilcoxon-golden.py', 'scipy': scipy.__version__, 'numpy': np.__version__, 'cases': cases}, f, indent=1)
    f.write('\n')
print(f'wrote {len(cases)} cases to {OUT}')
for c in cases:
    print(c['name'], c['method'], c['pValue'])
