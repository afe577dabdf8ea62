#!/usr/bin/env node
// Peak memory of checkpoint io on a ~200 MB synthetic checkpoint (not a test: run by hand after
// `npx tsc -p tsconfig.json`). Writes into a temporary folder and deletes it afterwards.
//   node tools/measure-io-memory.mjs [megabytes]
// Each measurement runs in a fresh process and reports its peak resident set (VmHWM).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mb = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'vlsm-io-memory-'));
const io = new URL('../dist/src/torch/io/index.js', import.meta.url).href;
const nativeJs = new URL('../dist/src/torch/native.js', import.meta.url).href;

const child = (body) => {
  const code = `
    const io = await import(${JSON.stringify(io)});
    const { native } = await import(${JSON.stringify(nativeJs)});
    native();
    const { readFileSync } = await import('node:fs');
    const kb = (k) => Number(new RegExp(k + ':\\\\s+(\\\\d+)').exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
    ${body}
    console.log(JSON.stringify({ peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
};

try {
  const pth = join(dir, 'model.pth');
  const st = join(dir, 'model.safetensors');
  const n = Math.round((mb * 1024 * 1024) / (4 * 1024 * 1024));
  execFileSync('/usr/bin/python3', ['-c', `import torch\ntorch.manual_seed(0)\ntorch.save({'state_dict': {f'module.layer{i}.weight': torch.randn(1024, 1024) for i in range(${n})}}, '${pth}')`]);
  const rows = [];
  rows.push(['addon loaded, nothing read', child('')]);
  rows.push(['convert model.pth -> model.safetensors', child(`const t = await io.loadStateDict(${JSON.stringify(pth)}); io.saveSafetensors(${JSON.stringify(st)}, t);`)]);
  rows.push(['loadSafetensors(model.safetensors)', child(`globalThis.keep = io.loadSafetensors(${JSON.stringify(st)});`)]);
  rows.push(['loadStateDict(model.pth)', child(`globalThis.keep = await io.loadStateDict(${JSON.stringify(pth)});`)]);
  rows.push(['inspectCheckpoint(model.pth)', child(`await io.inspectCheckpoint(${JSON.stringify(pth)});`)]);
  console.log(`checkpoint: ${n} float32 tensors of 1024x1024; model.pth ${(statSync(pth).size / 2 ** 20).toFixed(1)} MiB, model.safetensors ${(statSync(st).size / 2 ** 20).toFixed(1)} MiB`);
  for (const [what, m] of rows) console.log(`${what.padEnd(42)} peak RSS ${m.peakMiB.toFixed(0).padStart(5)} MiB   RSS after ${m.rssMiB.toFixed(0).padStart(5)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
