/**
 * The tensor layer's face of a TorchScript module loaded by libtorch's own loader (`torch::jit::load`).
 * `nn.ScriptModule` builds a tmu module on it; this class only moves handles and tensors across the addon.
 *
 * @module
 */

import type { Device } from './dtype.js';
import { type NativeNamedTensors, type NativeScript, native } from './native.js';
import { Tensor } from './tensor.js';

/** Where a TorchScript module's penultimate features come from (see {@link NativeScriptModule.featureSource}). */
export type ScriptFeatureSource = 'forward_features' | 'last-linear-input' | 'logits';

/** The TorchScript archive versions this build's libtorch reads and writes (libtorch's own constants). */
export interface ScriptFileVersions {
  /** Oldest file-format version `torch::jit::load` accepts. */
  minFileFormat: number;
  /** Newest file-format version `torch::jit::load` accepts. */
  maxFileFormat: number;
  /** The file-format version `save` writes (a file may record a higher one when it uses newer operators). */
  producedFileFormat: number;
  /** The mobile bytecode version this libtorch produces. */
  producedBytecode: number;
}

/** The file-format versions of the libtorch the addon was built against. */
export function scriptFileVersions(): ScriptFileVersions {
  return native.scriptFileVersions();
}

function named(entries: NativeNamedTensors): [string, Tensor][] {
  return entries.names.map((name, index) => [name, Tensor.fromHandle(entries.tensors[index]!)]);
}

/** One level of a TorchScript module tree; the tensors alias the module's own. */
export interface ScriptModuleLevel {
  /** TorchScript's qualified class name, e.g. `__torch__.Net`. */
  typeName: string;
  /** The module's own parameters (not its children's), in definition order. */
  parameters: [string, Tensor][];
  /** The module's own buffers, in definition order. */
  buffers: [string, Tensor][];
  /** Direct submodules in definition order. */
  children: [string, NativeScriptModule][];
  /** Names of the compiled methods (forward, and any exported ones). */
  methods: string[];
}

/**
 * A handle on a `torch::jit::Module`. Parameter and buffer tensors returned by {@link describe} share
 * their memory and autograd state with the module: an in-place update through them is the module's.
 */
export class NativeScriptModule {
  readonly #handle: NativeScript;

  private constructor(handle: NativeScript) {
    this.#handle = handle;
  }

  /** Loads a TorchScript archive (torch.jit.save) onto `device`; libtorch's errors pass through. */
  static load(path: string, device: Device = 'cpu'): NativeScriptModule {
    return new NativeScriptModule(native.scriptLoad(path, device));
  }

  /** Writes the module as a TorchScript archive PyTorch reads with `torch.jit.load`. */
  save(path: string): void {
    native.scriptSave(this.#handle, path);
  }

  /** A deep copy with its own parameters and buffers (leaves, with the same requires-grad flags). */
  clone(): NativeScriptModule {
    return new NativeScriptModule(native.scriptClone(this.#handle));
  }

  /** The module's own parameters, buffers, children and methods. */
  describe(): ScriptModuleLevel {
    const level = native.scriptDescribe(this.#handle);
    return {
      typeName: level.typeName,
      parameters: named(level.parameters),
      buffers: named(level.buffers),
      children: level.children.map(([name, child]) => [name, new NativeScriptModule(child)]),
      methods: level.methods,
    };
  }

  /** Sets the `training` flag of the module and every submodule. */
  train(mode: boolean): void {
    native.scriptTrain(this.#handle, mode);
  }

  /** The module's own `training` flag. */
  get training(): boolean {
    return native.scriptIsTraining(this.#handle);
  }

  /** Runs `forward(x)`, recorded by autograd when gradients are enabled. */
  forward(x: Tensor): Tensor {
    return Tensor.fromHandle(native.scriptForward(this.#handle, x.handle));
  }

  /**
   * Where {@link features} come from: the module's `forward_features` method; else the input of the last
   * linear layer of `forward` (found in the graph with submodule calls inlined); else the logits.
   */
  get featureSource(): ScriptFeatureSource {
    return native.scriptFeatureSource(this.#handle);
  }

  /** The penultimate representation of `x` (see {@link featureSource}), with autograd. */
  features(x: Tensor): Tensor {
    return Tensor.fromHandle(native.scriptFeatures(this.#handle, x.handle));
  }
}
