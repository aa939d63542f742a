import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Device } from './dtype.js';
import type { NativeOps, NativeTensor } from './generated/native.js';

/** The package root: the nearest folder above this file whose package.json is tmu's. */
function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tmu')
      return directory;
    const parent = dirname(directory);
    if (parent === directory)
      throw new Error(`tmu: cannot find the package root (package.json named "tmu") above ${import.meta.url}`);
    directory = parent;
  }
}

declare const nativeScriptBrand: unique symbol;
/** Opaque handle to a libtorch TorchScript module (`torch::jit::Module`) owned by the addon. */
export type NativeScript = { readonly [nativeScriptBrand]: true };

/** Names and tensors in two parallel arrays. */
export interface NativeNamedTensors {
  names: string[];
  tensors: NativeTensor[];
}

/** One level of a TorchScript module tree. */
export interface NativeScriptDescription {
  typeName: string;
  parameters: NativeNamedTensors;
  buffers: NativeNamedTensors;
  children: [string, NativeScript][];
  methods: string[];
}

/** The hand-written functions over PyTorch's file formats and TorchScript modules (native/src/torch_files.cc). */
interface TorchFileFunctions {
  pickleSaveTensors(names: string[], tensors: NativeTensor[]): ArrayBuffer;
  scriptFileVersions(): {
    minFileFormat: number;
    maxFileFormat: number;
    producedFileFormat: number;
    producedBytecode: number;
  };
  scriptLoad(path: string, device: Device): NativeScript;
  scriptSave(module: NativeScript, path: string): void;
  scriptClone(module: NativeScript): NativeScript;
  scriptDescribe(module: NativeScript): NativeScriptDescription;
  scriptTrain(module: NativeScript, mode: boolean): void;
  scriptIsTraining(module: NativeScript): boolean;
  scriptForward(module: NativeScript, input: NativeTensor): NativeTensor;
  scriptFeatureSource(module: NativeScript): 'forward_features' | 'last-linear-input' | 'logits';
  scriptFeatures(module: NativeScript, input: NativeTensor): NativeTensor;
}

/** What the addon exports beside the ops. */
interface AddonExtras extends TorchFileFunctions {
  cudaBuild: boolean;
  /** The glibc malloc settings the addon applied when it loaded (those GLIBC_TUNABLES did not set). */
  mallocTuning: string[];
}

function loadAddon(): NativeOps & AddonExtras {
  // libtorch already parallelises across cores; OpenBLAS threads nested inside its threads thrash. OpenBLAS
  // reads this when it is loaded with the addon, so it is set first (a value the user set wins).
  process.env.OPENBLAS_NUM_THREADS ??= '1';
  const path = join(packageRoot(), 'native', 'build', 'Release', 'tmu_native.node');
  if (!existsSync(path)) {
    throw new Error(
      `tmu: the native addon is not built (${path} is missing); run \`npm run build\` (needs Debian libtorch-dev)`,
    );
  }
  const require = createRequire(import.meta.url);
  return require(path) as NativeOps & AddonExtras;
}

/** The libtorch addon. Only the tensor layer calls it; everything else goes through `Tensor`. */
export const native = loadAddon();

/** Intra-op threads at start-up: TMU_NUM_THREADS, else one per core (libtorch's own default here is 1). */
function defaultThreads(): number {
  const configured = process.env.TMU_NUM_THREADS;
  if (configured === undefined || configured === '') return availableParallelism();
  const threads = Number(configured);
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`tmu: TMU_NUM_THREADS must be a positive integer, got '${configured}'`);
  return threads;
}

/**
 * Inter-op threads (libtorch's pool for independent ops), from TMU_NUM_INTEROP_THREADS; unset keeps
 * libtorch's default. Only settable before any inter-op work has started, hence here at load.
 */
function interopThreads(): number | null {
  const configured = process.env.TMU_NUM_INTEROP_THREADS;
  if (configured === undefined || configured === '') return null;
  const threads = Number(configured);
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`tmu: TMU_NUM_INTEROP_THREADS must be a positive integer, got '${configured}'`);
  return threads;
}

native.setNumThreads(defaultThreads());
const interop = interopThreads();
if (interop !== null) native.setNumInteropThreads(interop);
