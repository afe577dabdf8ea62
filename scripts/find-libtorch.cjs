#!/usr/bin/env node
// Locates libtorch for the native build. Order: $LIBTORCH (a libtorch folder: a pytorch.org
// download, or the `torch` folder inside a Python install), then the system install
// (Debian/Ubuntu `libtorch-dev`). binding.gyp calls this with `include`, `libdir`, `abi`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const HOW_TO_GET_ONE = [
  'vlsm needs libtorch (the C++ library of PyTorch) to build its tensor engine, and none was found.',
  'Get one of:',
  '  - Debian 12 / Ubuntu: apt-get update && apt-get install -y libtorch-dev libopenblas0-openmp',
  '  - a libtorch folder (pytorch.org "LibTorch" download, CPU or CUDA), then: export LIBTORCH=/path/to/libtorch',
  '  - a Python PyTorch install: export LIBTORCH=$(python3 -c "import torch, os; print(os.path.dirname(torch.__file__))")',
  'then run npm install again.',
].join('\n');

function multiarchLibDirs() {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  return dirs.filter((d) => fs.existsSync(path.join(d, 'libtorch.so')) || fs.existsSync(path.join(d, 'libtorch_cpu.so')));
}

function locate() {
  const env = process.env.LIBTORCH;
  if (env) {
    const root = path.resolve(env);
    const include = [path.join(root, 'include'), path.join(root, 'include/torch/csrc/api/include')];
    const libdir = path.join(root, 'lib');
    if (!fs.existsSync(path.join(root, 'include/ATen/ATen.h'))) {
      throw new Error(`LIBTORCH=${env}: ${path.join(root, 'include/ATen/ATen.h')} does not exist; LIBTORCH must name a libtorch folder with include/ and lib/.\n\n${HOW_TO_GET_ONE}`);
    }
    if (!fs.existsSync(libdir)) throw new Error(`LIBTORCH=${env}: no lib/ folder in it.\n\n${HOW_TO_GET_ONE}`);
    return { include, libdir, source: `LIBTORCH=${root}` };
  }
  if (fs.existsSync('/usr/include/ATen/ATen.h') && fs.existsSync('/usr/include/torch/csrc/api/include/torch/version.h')) {
    const [libdir] = multiarchLibDirs();
    if (libdir) return { include: ['/usr/include', '/usr/include/torch/csrc/api/include'], libdir, source: 'system libtorch-dev' };
  }
  throw new Error(HOW_TO_GET_ONE);
}

// libtorch from pytorch.org comes in pre- and post-C++11-ABI builds, and Python wheels before
// 2.x use the old one; linking against the wrong one fails with undefined std::string symbols.
function usesCxx11Abi(libdir) {
  if (process.env.LIBTORCH_CXX11_ABI !== undefined) return process.env.LIBTORCH_CXX11_ABI === '1';
  const c10 = ['libc10.so', 'libc10.dylib'].map((f) => path.join(libdir, f)).find((f) => fs.existsSync(f));
  if (!c10) return true;
  return fs.readFileSync(c10).includes('St7__cxx11');
}

try {
  const found = locate();
  const what = process.argv[2];
  if (what === 'include') console.log(found.include.join(' '));
  else if (what === 'libdir') console.log(found.libdir);
  else if (what === 'abi') console.log(usesCxx11Abi(found.libdir) ? 1 : 0);
  else console.error(`vlsm: building against libtorch from ${found.source} (${found.libdir})`);
} catch (error) {
  console.error(`\nvlsm install: ${error.message}\n`);
  process.exit(1);
}
