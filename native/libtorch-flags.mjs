#!/usr/bin/env node
// Compiler and linker flags for libtorch, used by binding.gyp. Default: Debian's libtorch-dev
// (headers under /usr/include). LIBTORCH=/dir selects another libtorch (e.g. a CUDA build), the way
// tch-rs does: /dir/include, /dir/lib, with an rpath so the addon finds it at run time.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const what = process.argv[2];
const root = process.env.LIBTORCH;

function fail(message) {
  console.error(`tmu native build: ${message}`);
  process.exit(1);
}

if (root) {
  const include = join(root, 'include');
  const lib = join(root, 'lib');
  if (!existsSync(join(include, 'ATen', 'ATen.h'))) fail(`LIBTORCH=${root} has no include/ATen/ATen.h`);
  if (!existsSync(join(lib, 'libtorch.so'))) fail(`LIBTORCH=${root} has no lib/libtorch.so`);
  if (what === 'include') {
    console.log([include, join(include, 'torch/csrc/api/include')].join(' '));
  } else {
    const cuda = existsSync(join(lib, 'libtorch_cuda.so'));
    // --no-as-needed keeps libtorch_cuda linked although no symbol of it is referenced directly:
    // it registers the CUDA kernels when loaded.
    const libs = [`-L${lib}`, `-Wl,-rpath,${lib}`, '-Wl,--no-as-needed', '-ltorch', '-ltorch_cpu', '-lc10'];
    if (cuda) libs.push('-ltorch_cuda', '-lc10_cuda');
    libs.push('-Wl,--as-needed');
    console.log(libs.join(' '));
  }
} else {
  if (!existsSync('/usr/include/ATen/ATen.h')) {
    fail(
      'libtorch headers not found in /usr/include: run `apt-get install libtorch-dev` or set LIBTORCH=/path/to/libtorch',
    );
  }
  if (what === 'include') console.log(['/usr/include', '/usr/include/torch/csrc/api/include'].join(' '));
  else console.log(['-ltorch', '-ltorch_cpu', '-lc10'].join(' '));
}
