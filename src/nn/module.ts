/**
 * The base class of every layer and model, as torch.nn.Module: a tree of named submodules that own
 * named parameters and buffers, a training flag, and PyTorch-compatible state dicts.
 *
 * @module
 */

import { type Device, type DType, isFloatingPoint, keep, noGrad, type Tensor } from '../tensor/index.js';

/** Where a layer creates its parameters and buffers. */
export interface FactoryOptions {
  /** Floating-point dtype of the parameters and float buffers. Default float32. */
  dtype?: DType;
  /** Device. Default cpu. */
  device?: Device;
}

/** Options for {@link Module.registerParameter}. */
export interface ParameterOptions {
  /** Whether autograd tracks the parameter. Default true (nn.Parameter's default). */
  requiresGrad?: boolean;
}

/** Options for {@link Module.registerBuffer}. */
export interface BufferOptions {
  /** Whether the buffer is part of the state dict. Default true. */
  persistent?: boolean;
}

/** Options for {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * When true (the default), a key the module lacks or a module tensor the map lacks is an error.
   * Shape and dtype mismatches are always errors, as in PyTorch.
   */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} did not load (non-empty only when `strict` is false). */
export interface LoadStateDictResult {
  /** Module state-dict keys absent from the map; those tensors kept their values. */
  missingKeys: string[];
  /** Map keys the module has no tensor for; ignored. */
  unexpectedKeys: string[];
}

/** Options for {@link Module.zeroGrad}. */
export interface ZeroGradOptions {
  /** Drop the gradients (the default, as PyTorch 2) instead of filling them with zeros. */
  setToNone?: boolean;
}

/** Target of {@link Module.to}. */
export interface ModuleConversion {
  /** New floating-point dtype; integer and bool tensors (e.g. `num_batches_tracked`) keep theirs. */
  dtype?: DType;
  /** New device for every tensor. */
  device?: Device;
}

interface BufferEntry {
  tensor: Tensor;
  persistent: boolean;
}

function checkName(kind: string, name: string): void {
  if (name === '') throw new TypeError(`${kind} name must not be empty`);
  // A dot would make the dotted state-dict names ambiguous.
  if (name.includes('.')) throw new TypeError(`${kind} name must not contain '.', got '${name}'`);
}

/**
 * A neural-network module (torch.nn.Module). Subclasses register their parameters, buffers and
 * submodules in the constructor and implement {@link Module.forward}.
 *
 * Registered tensors are owned by the module: they are exempt from `tidy()` (registration calls
 * `keep`), replaced values are disposed, and {@link Module.dispose} frees them all. Names follow
 * PyTorch, so {@link Module.stateDict} keys match the equivalent PyTorch model's.
 *
 * @example
 * ```ts
 * class Net extends Module {
 *   readonly fc = this.registerModule('fc', new Linear(4, 2));
 *   forward(x: Tensor): Tensor { return this.fc.call(x).relu(); }
 * }
 * ```
 */
export abstract class Module {
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, BufferEntry>();
  readonly #modules = new Map<string, Module>();
  #training = true;

  /** Computes the module's output. Call it through {@link Module.call}. */
  abstract forward(x: Tensor): Tensor;

  /** Runs {@link Module.forward} (PyTorch's `module(x)`). */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }

  /** Whether the module is in training mode (dropout active, batch norm on batch statistics). */
  get training(): boolean {
    return this.#training;
  }

  #checkFree(kind: 'parameter' | 'buffer' | 'submodule', name: string): void {
    checkName(kind, name);
    const taken = this.#parameters.has(name)
      ? 'parameter'
      : this.#buffers.has(name)
        ? 'buffer'
        : this.#modules.has(name)
          ? 'submodule'
          : null;
    if (taken !== null && taken !== kind) {
      throw new TypeError(
        `cannot register ${kind} '${name}': ${this.constructor.name} already has a ${taken} of that name`,
      );
    }
  }

  /** Whether `tensor` is still registered in this module under a name other than `except`. */
  #holds(tensor: Tensor, except: string): boolean {
    for (const [name, value] of this.#parameters) if (name !== except && value === tensor) return true;
    for (const [name, entry] of this.#buffers) if (name !== except && entry.tensor === tensor) return true;
    return false;
  }

  /**
   * Registers (or replaces) a parameter and takes ownership of it: it survives `tidy()`, and a value it
   * replaces is disposed unless this module still holds it under another name (a value tied into
   * another module must be re-registered there first). Returns the tensor, for assign-and-register.
   *
   * @param name - attribute name (no dots)
   * @param tensor - a leaf tensor; floating-point when it requires grad
   */
  registerParameter(name: string, tensor: Tensor, options: ParameterOptions = {}): Tensor {
    this.#checkFree('parameter', name);
    if (!tensor.isLeaf) {
      throw new TypeError(
        `parameter '${name}' must be a leaf tensor (an op result is part of a graph); pass tensor.detach()`,
      );
    }
    const requiresGrad = options.requiresGrad ?? true;
    if (requiresGrad && !isFloatingPoint(tensor.dtype)) {
      throw new TypeError(`parameter '${name}' is ${tensor.dtype}; only floating-point parameters can require grad`);
    }
    tensor.requiresGrad_(requiresGrad);
    const previous = this.#parameters.get(name);
    this.#parameters.set(name, keep(tensor));
    if (previous !== undefined && previous !== tensor && !this.#holds(previous, name)) previous.dispose();
    return tensor;
  }

  /**
   * Registers (or replaces) a buffer: state that is not trained (running statistics, counters).
   * Ownership as for {@link Module.registerParameter}.
   *
   * @param name - attribute name (no dots)
   * @param tensor - the buffer's value
   */
  registerBuffer(name: string, tensor: Tensor, options: BufferOptions = {}): Tensor {
    this.#checkFree('buffer', name);
    const previous = this.#buffers.get(name);
    this.#buffers.set(name, { tensor: keep(tensor), persistent: options.persistent ?? true });
    if (previous !== undefined && previous.tensor !== tensor && !this.#holds(previous.tensor, name))
      previous.tensor.dispose();
    return tensor;
  }

  /**
   * Registers (or replaces) a submodule. A replaced submodule is not disposed: the caller may still use
   * it (e.g. after swapping a classifier head for an Identity). Returns the module.
   *
   * @param name - attribute name (no dots); Sequential uses "0", "1", ...
   */
  registerModule<M extends Module>(name: string, module: M): M {
    this.#checkFree('submodule', name);
    if ((module as Module) === this || module.#contains(this))
      throw new TypeError(`cannot register submodule '${name}': it would make a cycle`);
    this.#modules.set(name, module);
    return module;
  }

  #contains(target: Module): boolean {
    for (const child of this.#modules.values()) if (child === target || child.#contains(target)) return true;
    return false;
  }

  #resolve(path: string, kind: string): [Module, string] {
    const parts = path.split('.');
    const leaf = parts.pop() ?? '';
    let module: Module = this;
    for (const [depth, part] of parts.entries()) {
      const next = module.#modules.get(part);
      if (next === undefined)
        throw new RangeError(
          `${kind} '${path}': ${parts.slice(0, depth + 1).join('.')} is not a submodule of ${this.constructor.name}`,
        );
      module = next;
    }
    return [module, leaf];
  }

  /** The parameter at a dotted path (`"0.weight"`), or throws. */
  getParameter(path: string): Tensor {
    const [module, name] = this.#resolve(path, 'parameter');
    const found = module.#parameters.get(name);
    if (found === undefined) throw new RangeError(`${this.constructor.name} has no parameter '${path}'`);
    return found;
  }

  /** The buffer at a dotted path (`"1.running_mean"`), or throws. */
  getBuffer(path: string): Tensor {
    const [module, name] = this.#resolve(path, 'buffer');
    const found = module.#buffers.get(name);
    if (found === undefined) throw new RangeError(`${this.constructor.name} has no buffer '${path}'`);
    return found.tensor;
  }

  /** The submodule at a dotted path (`"layer1.0"`); the empty path is this module. */
  getSubmodule(path: string): Module {
    if (path === '') return this;
    let module: Module = this;
    for (const part of path.split('.')) {
      const next = module.#modules.get(part);
      if (next === undefined) throw new RangeError(`${this.constructor.name} has no submodule '${path}'`);
      module = next;
    }
    return module;
  }

  /** Whether this module itself (not a descendant) has a parameter of that name. */
  hasParameter(name: string): boolean {
    return this.#parameters.has(name);
  }

  /** Whether this module itself (not a descendant) has a buffer of that name. */
  hasBuffer(name: string): boolean {
    return this.#buffers.has(name);
  }

  /**
   * Every module of the tree with its dotted name, pre-order, this one first (named `prefix`, default
   * `""`); a module reachable twice is listed once.
   */
  namedModules(prefix = ''): IterableIterator<[string, Module]> {
    return this.#walk(prefix, new Set());
  }

  *#walk(prefix: string, seen: Set<Module>): IterableIterator<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [name, child] of this.#modules) yield* child.#walk(prefix === '' ? name : `${prefix}.${name}`, seen);
  }

  /** Every module of the tree, pre-order, this one first. */
  *modules(): IterableIterator<Module> {
    for (const [, module] of this.namedModules()) yield module;
  }

  /** The direct submodules with their names, in registration order. */
  *namedChildren(): IterableIterator<[string, Module]> {
    const seen = new Set<Module>();
    for (const entry of this.#modules) {
      if (seen.has(entry[1])) continue;
      seen.add(entry[1]);
      yield entry;
    }
  }

  /** The direct submodules, in registration order. */
  *children(): IterableIterator<Module> {
    for (const [, child] of this.namedChildren()) yield child;
  }

  /**
   * Every parameter of the tree with its dotted name, module by module in pre-order and in
   * registration order within a module; a tensor shared by several modules is listed once.
   */
  *namedParameters(): IterableIterator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, tensor] of module.#parameters) {
        if (seen.has(tensor)) continue;
        seen.add(tensor);
        yield [prefix === '' ? name : `${prefix}.${name}`, tensor];
      }
    }
  }

  /** Every parameter of the tree (see {@link Module.namedParameters}). */
  parameters(): Tensor[] {
    return Array.from(this.namedParameters(), ([, tensor]) => tensor);
  }

  /** Every buffer of the tree with its dotted name, persistent or not, deduplicated. */
  *namedBuffers(): IterableIterator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, entry] of module.#buffers) {
        if (seen.has(entry.tensor)) continue;
        seen.add(entry.tensor);
        yield [prefix === '' ? name : `${prefix}.${name}`, entry.tensor];
      }
    }
  }

  /** Every buffer of the tree (see {@link Module.namedBuffers}). */
  buffers(): Tensor[] {
    return Array.from(this.namedBuffers(), ([, tensor]) => tensor);
  }

  /** Total number of parameter elements (shared parameters counted once). */
  numParameters(): number {
    let total = 0;
    for (const parameter of this.parameters()) total += parameter.numel;
    return total;
  }

  /** Sets training mode on this module and every descendant. Returns this module. */
  train(mode = true): this {
    for (const module of this.modules()) module.#training = mode;
    return this;
  }

  /** Sets evaluation mode (`train(false)`). Returns this module. */
  eval(): this {
    return this.train(false);
  }

  /** Turns gradient tracking on or off for every parameter (freezing). Returns this module. */
  requiresGrad_(requiresGrad = true): this {
    for (const parameter of this.parameters()) parameter.requiresGrad_(requiresGrad);
    return this;
  }

  /** Clears the parameters' gradients before the next backward pass. */
  zeroGrad(options: ZeroGradOptions = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const parameter of this.parameters()) {
      if (setToNone) {
        parameter.grad = null;
        continue;
      }
      // The getter returns a fresh handle on the gradient's memory: zero through it, then free the handle.
      const gradient = parameter.grad;
      if (gradient === null) continue;
      noGrad(() => gradient.zero_());
      gradient.dispose();
    }
  }

  /**
   * The module's state with PyTorch's dotted names: parameters, then persistent buffers, of each module
   * in pre-order (the order of `torch.nn.Module.state_dict()`). The values are the module's own tensors
   * (like PyTorch's `keep_vars=True`): do not dispose them; `clone()` them for a snapshot.
   */
  stateDict(): Map<string, Tensor> {
    const state = new Map<string, Tensor>();
    for (const [prefix, module] of this.namedModules()) {
      const at = (name: string): string => (prefix === '' ? name : `${prefix}.${name}`);
      for (const [name, tensor] of module.#parameters) state.set(at(name), tensor);
      for (const [name, entry] of module.#buffers) if (entry.persistent) state.set(at(name), entry.tensor);
    }
    return state;
  }

  /**
   * Copies values from a state dict into the module's tensors in place (without recording gradients).
   * Everything is checked before anything is copied: on error the module is unchanged, and the error
   * lists every missing key, unexpected key, shape mismatch and dtype mismatch.
   *
   * @param state - tensors by dotted name, e.g. from {@link Module.stateDict} or `loadSafetensors`
   */
  loadStateDict(state: ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((key) => !state.has(key));
    const unexpectedKeys = [...state.keys()].filter((key) => !own.has(key));
    const mismatches: string[] = [];
    for (const [key, target] of own) {
      const source = state.get(key);
      if (source === undefined) continue;
      const [from, to] = [source.shape, target.shape];
      if (from.length !== to.length || from.some((size, k) => size !== to[k])) {
        mismatches.push(`${key}: shape [${from.join(', ')}] in the state dict, [${to.join(', ')}] in the module`);
      }
      if (source.dtype !== target.dtype)
        mismatches.push(`${key}: dtype ${source.dtype} in the state dict, ${target.dtype} in the module`);
    }
    const problems: string[] = [];
    if (strict && missingKeys.length > 0) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    if (mismatches.length > 0) problems.push(`mismatches: ${mismatches.join('; ')}`);
    if (problems.length > 0)
      throw new Error(`loadStateDict: cannot load into ${this.constructor.name}: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [key, target] of own) {
        const source = state.get(key);
        if (source !== undefined && source !== target) target.copy_(source);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Converts every tensor to a dtype and/or device (torch.nn.Module.to), replacing the values in place
   * of the old ones (which are disposed; gradients are dropped). Tied tensors stay tied. Returns this.
   */
  to(conversion: ModuleConversion): this {
    const { dtype, device } = conversion;
    const converted = new Map<Tensor, Tensor>();
    const convert = (tensor: Tensor): Tensor => {
      const done = converted.get(tensor);
      if (done !== undefined) return done;
      // Detach first so the new value is a fresh leaf without the old gradient, even when nothing changes.
      const result = noGrad(() => {
        let value = tensor.detach();
        if (dtype !== undefined && dtype !== value.dtype && isFloatingPoint(value.dtype)) {
          const retyped = value.toDtype(dtype);
          value.dispose();
          value = retyped;
        }
        if (device !== undefined) {
          const moved = value.toDevice(device);
          value.dispose();
          value = moved;
        }
        return value;
      });
      converted.set(tensor, result);
      return result;
    };
    const modules = [...this.modules()];
    for (const module of modules) {
      for (const [name, tensor] of module.#parameters) {
        const requiresGrad = tensor.requiresGrad;
        module.#parameters.set(name, keep(convert(tensor).requiresGrad_(requiresGrad)));
      }
      for (const entry of module.#buffers.values()) entry.tensor = keep(convert(entry.tensor));
    }
    for (const old of converted.keys()) old.dispose();
    return this;
  }

  /** A one-line summary of the module's configuration, shown by {@link Module.toString}. */
  extraRepr(): string {
    return '';
  }

  /** The module tree in PyTorch's `print(model)` layout. */
  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (this.#modules.size === 0) return `${head})`;
    const lines = [...this.#modules].map(
      ([name, child]) => `  (${name}): ${child.toString().split('\n').join('\n  ')}`,
    );
    return `${head}\n${lines.join('\n')}\n)`;
  }

  /** Frees every parameter and buffer of the tree. The module cannot be used afterwards. */
  dispose(): void {
    for (const module of this.modules()) {
      for (const tensor of module.#parameters.values()) tensor.dispose();
      for (const entry of module.#buffers.values()) entry.tensor.dispose();
    }
  }
}
