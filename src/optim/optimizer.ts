/**
 * The optimizer base: parameter groups, per-parameter state tensors, zeroGrad, learning rate access and
 * state dicts, shared by SGD and Adam/AdamW.
 *
 * The update itself runs in the addon's fused in-place kernels (one N-API crossing per group and step),
 * so this class mostly keeps the handle arrays those kernels take ready and stable: they are built once
 * and reused, and state tensors are allocated once, kept out of tidy scopes, and freed by
 * {@link Optimizer.dispose}.
 *
 * @module
 */

import type { NativeTensor } from '../tensor/generated/native.js';
import { clone, copy_, emptyLike, isFloatingPoint, keep, noGrad, type Tensor, zerosLike } from '../tensor/index.js';
// The fused optimizer kernels are internal to the addon (no Tensor-level wrapper exists for them), so
// the optim layer reaches the addon directly: it is the one place outside src/tensor that does.
import { native } from '../tensor/native.js';

/** A hyper-parameter value: what a param group may hold besides its tensors (all JSON-able). */
export type HyperValue = number | boolean | readonly number[];

/** Hyper-parameters every optimizer has, per param group. */
export interface HyperParams {
  /** Learning rate. */
  lr: number;
  /** Weight decay (L2 penalty or decoupled decay, depending on the optimizer). */
  weightDecay: number;
}

/**
 * A param group as given to an optimizer: its tensors plus hyper-parameters that override the
 * optimizer's defaults for these tensors only (PyTorch's `{"params": [...], "lr": ...}`).
 */
export type ParamGroupInput<H extends HyperParams> = { readonly params: readonly Tensor[] } & Partial<H>;

/** What an optimizer accepts: a flat list of parameters (one group), or a list of param groups. */
export type ParamsInput<H extends HyperParams> = readonly Tensor[] | readonly ParamGroupInput<H>[];

/**
 * A param group as the optimizer holds it: every hyper-parameter resolved. Hyper-parameters may be
 * changed between steps (schedulers write `lr`); `params` is fixed.
 */
export type ParamGroup<H extends HyperParams = HyperParams> = H & {
  /** The group's parameters, in the order they were given. */
  readonly params: readonly Tensor[];
  /** The learning rate a scheduler treats as its base (set by the first scheduler, like `initial_lr`). */
  initialLr?: number;
};

/** A param group in a state dict: hyper-parameters and the global indices of its parameters. */
export type ParamGroupJson = { params: number[]; initialLr?: number } & { [key: string]: HyperValue | undefined };

/** The JSON-able part of an optimizer state dict. */
export interface OptimizerStateJson {
  /** Which optimizer wrote it (`SGD`, `Adam`, `AdamW`); loading checks it. */
  optimizer: string;
  /** Hyper-parameters of each group, and which parameters (global indices) it holds. */
  paramGroups: ParamGroupJson[];
  /** Per-parameter scalar state, keyed by global parameter index: update counts (Adam's `step`). */
  state: Record<string, { step: number }>;
}

/**
 * An optimizer's full state, to write into a training checkpoint and resume from bit-identically.
 * `json` goes to a JSON sidecar, `tensors` to a tensor file (safetensors).
 */
export interface OptimizerStateDict {
  /** Hyper-parameters and step counts. */
  json: OptimizerStateJson;
  /**
   * State tensors named `state.<paramIndex>.<name>` (`momentum_buffer`, `exp_avg`, `exp_avg_sq`), where
   * `paramIndex` counts parameters across groups in order. Only parameters that have been updated
   * have entries, as in PyTorch.
   */
  tensors: Map<string, Tensor>;
}

/**
 * One group's native view, for the subclasses' kernels: arrays aligned with the group's parameters,
 * built once and updated in place so a step does not rebuild them.
 */
export interface GroupSlots {
  /** Global index of the group's first parameter. */
  readonly offset: number;
  /** The parameters. */
  readonly tensors: readonly Tensor[];
  /** The parameters' handles. */
  readonly params: NativeTensor[];
  /** State tensors per state name then parameter; undefined until the parameter is first updated. */
  readonly state: (Tensor | undefined)[][];
  /**
   * Handles of `state`, per state name. A parameter without state holds its own handle as a
   * placeholder: the kernels skip parameters that have no gradient, which are exactly the ones whose
   * state is not allocated yet, so the placeholder is never read or written.
   */
  readonly stateHandles: NativeTensor[][];
  /** Work tensors for the kernels (not state: never saved), allocated like state. */
  readonly scratch: (Tensor | undefined)[];
  /** Handles of `scratch`, with the same placeholder convention. */
  readonly scratchHandles: NativeTensor[];
  /** How many parameters of the group have each state tensor / a scratch tensor allocated. */
  readonly allocated: { state: number[]; scratch: number };
  /** Per-parameter update counts (Adam's `step`); optimizers that need none leave them 0. */
  readonly steps: number[];
  /** Whether each parameter has a gradient now; filled by {@link Optimizer.scanGrads}. */
  readonly hasGrad: boolean[];
}

/** Keys of `options` that are not in `valid`, for "unknown option" errors. */
function unknownKeys(options: object, valid: readonly string[]): string[] {
  return Object.keys(options).filter((key) => !valid.includes(key));
}

/**
 * Merges defined values of `overrides` over `defaults`; `undefined` means "use the default", as an
 * omitted key does.
 */
export function withDefaults<H extends object>(defaults: H, overrides: Partial<H>): H {
  const merged = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof H)[]) {
    const value = overrides[key];
    if (value !== undefined) merged[key] = value as H[keyof H];
  }
  return merged;
}

/**
 * Rejects option objects with keys the optimizer does not know (a misspelt `momentun` would otherwise
 * be silently ignored).
 *
 * @param where - who is complaining, for the message
 * @param options - the object given
 * @param valid - the accepted keys
 */
export function checkKnownKeys(where: string, options: object, valid: readonly string[]): void {
  const unknown = unknownKeys(options, valid);
  if (unknown.length > 0) {
    throw new TypeError(
      `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (valid: ${valid.join(', ')})`,
    );
  }
}

/**
 * Checks that a hyper-parameter is a finite number no less than `min`.
 *
 * @param where - who is checking, for the message
 * @param name - the hyper-parameter's name
 * @param value - its value
 * @param min - the smallest value allowed (inclusive)
 */
export function checkNumber(where: string, name: string, value: unknown, min = 0): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${where}: ${name} must be a finite number, got ${String(value)}`);
  }
  if (value < min) throw new RangeError(`${where}: invalid ${name} ${value} (must be >= ${min})`);
}

/**
 * Checks that a hyper-parameter is a boolean.
 *
 * @param where - who is checking, for the message
 * @param name - the hyper-parameter's name
 * @param value - its value
 */
export function checkBoolean(where: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be a boolean, got ${String(value)}`);
}

/** Whether a parameter has a gradient now. The addon has no direct query, so fetch and free a handle. */
function hasGradient(handle: NativeTensor): boolean {
  const gradient = native.gradOf(handle);
  if (gradient === null) return false;
  native.dispose(gradient);
  return true;
}

/**
 * Base of all optimizers (torch.optim.Optimizer): holds param groups and per-parameter state, and
 * leaves the update rule to subclasses through {@link Optimizer.stepGroup}.
 *
 * @typeParam H - the optimizer's hyper-parameters
 */
export abstract class Optimizer<H extends HyperParams = HyperParams> {
  /** Optimizer name, recorded in state dicts (`SGD`, `Adam`, `AdamW`). */
  readonly name: string;
  /** Hyper-parameters used for groups that do not set their own. */
  readonly defaults: Readonly<H>;
  /** The param groups, in order. Hyper-parameters may be changed between steps. */
  readonly paramGroups: readonly ParamGroup<H>[] = [];

  readonly #stateNames: readonly string[];
  readonly #slots: GroupSlots[] = [];
  // One flat handle array for zeroGrad, so it crosses into the addon once with no per-call array.
  readonly #allParams: NativeTensor[] = [];
  readonly #seen = new Set<Tensor>();
  #disposed = false;

  /**
   * @param name - the optimizer's name, for messages and state dicts
   * @param params - parameters, or param groups with per-group hyper-parameters
   * @param defaults - hyper-parameters for groups that do not set them (already validated)
   * @param stateNames - names of the per-parameter state tensors, in PyTorch's spelling
   */
  protected constructor(name: string, params: ParamsInput<H>, defaults: H, stateNames: readonly string[]) {
    this.name = name;
    // Own copies of array values (betas), so a caller reusing its options array cannot change them.
    this.defaults = Object.freeze(copyHyperParams(defaults));
    this.#stateNames = stateNames;
    if (!Array.isArray(params)) throw new TypeError(`${name}: params must be an array of Tensors or of param groups`);
    if (params.length === 0) throw new RangeError(`${name}: got an empty parameter list`);
    const groups = isGroupList(params) ? params : [{ params: params as readonly Tensor[] } as ParamGroupInput<H>];
    for (const group of groups) this.addParamGroup(group);
  }

  /**
   * Checks one group's resolved hyper-parameters, throwing with a message that says what is wrong.
   * Called for every group added and every group loaded from a state dict.
   *
   * @param hyper - the hyper-parameters to check
   */
  protected abstract validateHyperParams(hyper: H): void;

  /**
   * Applies one update to one group's parameters that have a gradient.
   *
   * @param group - the group, with its current hyper-parameters
   * @param slots - the group's handle arrays and state
   */
  protected abstract stepGroup(group: ParamGroup<H>, slots: GroupSlots): void;

  /**
   * Adds a param group (torch's `add_param_group`), e.g. layers unfrozen part-way through training.
   * Its parameters get the next global indices.
   *
   * @param group - its parameters and any hyper-parameters that differ from the defaults
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    this.#checkUsable();
    const where = `${this.name}: param group ${this.paramGroups.length}`;
    if (group === null || typeof group !== 'object' || !Array.isArray(group.params)) {
      throw new TypeError(`${where}: expected {params: Tensor[], ...hyper-parameters}`);
    }
    checkKnownKeys(where, group, ['params', ...Object.keys(this.defaults)]);
    const { params, ...overrides } = group;
    if (params.length === 0) throw new RangeError(`${where}: has no parameters`);
    // Own copies of array values (betas): groups must not share them with each other or the caller.
    const hyper = copyHyperParams(withDefaults(this.defaults as H, overrides as unknown as Partial<H>));
    this.validateHyperParams(hyper);
    for (const [k, param] of params.entries()) {
      if (param === null || typeof param !== 'object' || typeof (param as { handle?: unknown }).handle !== 'object') {
        throw new TypeError(`${where}: parameter ${k} is not a Tensor`);
      }
      if (!isFloatingPoint(param.dtype))
        throw new TypeError(`${where}: parameter ${k} is ${param.dtype}; only floating-point tensors can be optimized`);
      if (!param.isLeaf)
        throw new TypeError(
          `${where}: parameter ${k} is not a leaf tensor (the result of an op); optimize the tensor it was computed from`,
        );
      if (this.#seen.has(param) || params.indexOf(param) !== k)
        throw new RangeError(`${where}: parameter ${k} already belongs to a param group`);
    }
    for (const param of params) this.#seen.add(param);

    const frozen = Object.freeze([...params]);
    const resolved = { ...hyper, params: frozen } as ParamGroup<H>;
    const handles = frozen.map((param) => param.handle);
    const offset = this.#allParams.length;
    this.#allParams.push(...handles);
    this.#slots.push({
      offset,
      tensors: frozen,
      params: handles,
      state: this.#stateNames.map(() => frozen.map(() => undefined)),
      stateHandles: this.#stateNames.map(() => [...handles]),
      scratch: frozen.map(() => undefined),
      scratchHandles: [...handles],
      allocated: { state: this.#stateNames.map(() => 0), scratch: 0 },
      steps: frozen.map(() => 0),
      hasGrad: frozen.map(() => false),
    });
    (this.paramGroups as ParamGroup<H>[]).push(resolved);
  }

  /** Updates every parameter that has a gradient, in place, by the optimizer's rule. */
  step(): void {
    this.#checkUsable();
    for (let g = 0; g < this.paramGroups.length; g++) this.stepGroup(this.paramGroups[g]!, this.#slots[g]!);
  }

  /**
   * Zeroes every parameter's gradient in place (parameters without one are left without): the gradient
   * tensors are reused by the next backward(), so a training loop allocates none. PyTorch 2 instead
   * drops them by default (`set_to_none=True`); that differs only for parameters the next backward()
   * does not reach, which here still take a step with a zero gradient (momentum, weight decay) and
   * there are skipped.
   */
  zeroGrad(): void {
    this.#checkUsable();
    native.zeroGrads(this.#allParams);
  }

  /** The learning rate of the first param group (the only one, usually). */
  get lr(): number {
    return this.paramGroups[0]!.lr;
  }

  /** Sets the learning rate of every param group; set `paramGroups[i].lr` for one group. */
  set lr(value: number) {
    checkNumber(this.name, 'learning rate', value);
    for (const group of this.paramGroups) group.lr = value;
  }

  /**
   * A snapshot of the optimizer's state for a checkpoint. The tensors are copies that the caller owns
   * (dispose them, or return them from the enclosing tidy scope), so later steps do not change them.
   */
  stateDict(): OptimizerStateDict {
    this.#checkUsable();
    const tensors = new Map<string, Tensor>();
    const state: Record<string, { step: number }> = {};
    const paramGroups = this.paramGroups.map((group, g) => {
      const slots = this.#slots[g]!;
      const json: ParamGroupJson = { ...this.#hyperJson(group), params: group.params.map((_, k) => slots.offset + k) };
      if (group.initialLr !== undefined) json.initialLr = group.initialLr;
      for (let k = 0; k < group.params.length; k++) {
        const index = slots.offset + k;
        if (slots.steps[k]! > 0) state[String(index)] = { step: slots.steps[k]! };
        this.#stateNames.forEach((name, n) => {
          const tensor = slots.state[n]![k];
          if (tensor !== undefined) tensors.set(`state.${index}.${name}`, clone(tensor));
        });
      }
      return json;
    });
    return { json: { optimizer: this.name, paramGroups, state }, tensors };
  }

  /**
   * Restores hyper-parameters, step counts and state tensors from {@link Optimizer.stateDict} output
   * of an optimizer of the same kind over parameters of the same shapes, so training resumes exactly.
   * Everything is checked before anything changes: a rejected dict leaves this optimizer as it was.
   * The tensors are copied; the dict stays the caller's.
   *
   * @param dict - the state to restore
   */
  loadStateDict(dict: OptimizerStateDict): void {
    this.#checkUsable();
    const { json, tensors } = dict;
    const where = `${this.name}.loadStateDict`;
    if (json.optimizer !== this.name)
      throw new TypeError(`${where}: the state dict was written by ${json.optimizer}, not ${this.name}`);
    if (json.paramGroups.length !== this.paramGroups.length) {
      throw new RangeError(
        `${where}: the state dict has ${json.paramGroups.length} param groups, this optimizer ${this.paramGroups.length}`,
      );
    }
    const hyperKeys = Object.keys(this.defaults);
    const loaded = json.paramGroups.map((saved, g) => {
      const group = this.paramGroups[g]!;
      if (saved.params.length !== group.params.length) {
        throw new RangeError(
          `${where}: param group ${g} has ${saved.params.length} parameters in the state dict, ${group.params.length} here`,
        );
      }
      checkKnownKeys(`${where}: param group ${g}`, saved, ['params', 'initialLr', ...hyperKeys]);
      const missing = hyperKeys.filter((key) => saved[key] === undefined);
      if (missing.length > 0) throw new TypeError(`${where}: param group ${g} lacks ${missing.join(', ')}`);
      const hyper = Object.fromEntries(hyperKeys.map((key) => [key, copyHyper(saved[key]!)])) as unknown as H;
      this.validateHyperParams(hyper);
      if (saved.initialLr !== undefined) checkNumber(`${where}: param group ${g}`, 'initialLr', saved.initialLr);
      return hyper;
    });

    const total = this.#allParams.length;
    for (const [index, scalars] of Object.entries(json.state)) {
      const i = Number(index);
      if (!Number.isInteger(i) || i < 0 || i >= total)
        throw new RangeError(`${where}: state for parameter '${index}', but there are ${total}`);
      if (!Number.isInteger(scalars.step) || scalars.step < 0)
        throw new RangeError(`${where}: parameter ${index} has step ${scalars.step}; expected a non-negative integer`);
    }
    const params = this.paramGroups.flatMap((group) => group.params);
    for (const [key, tensor] of tensors) {
      const match = /^state\.(\d+)\.([A-Za-z_]+)$/.exec(key);
      const i = match === null ? -1 : Number(match[1]);
      if (match === null || String(i) !== match[1] || !this.#stateNames.includes(match[2]!) || i >= total) {
        throw new RangeError(
          `${where}: unexpected state tensor '${key}' (expected state.<0..${total - 1}>.<${this.#stateNames.join('|')}>)`,
        );
      }
      const expected = params[i]!.shape;
      const actual = tensor.shape;
      if (actual.length !== expected.length || actual.some((size, d) => size !== expected[d])) {
        throw new RangeError(
          `${where}: '${key}' has shape [${actual.join(', ')}], parameter ${i} has [${expected.join(', ')}]`,
        );
      }
    }

    this.paramGroups.forEach((group, g) => {
      Object.assign(group, loaded[g]);
      const initialLr = json.paramGroups[g]!.initialLr;
      if (initialLr === undefined) delete group.initialLr;
      else group.initialLr = initialLr;
      const slots = this.#slots[g]!;
      for (let k = 0; k < group.params.length; k++) {
        const index = slots.offset + k;
        slots.steps[k] = json.state[String(index)]?.step ?? 0;
        this.#stateNames.forEach((name, n) => {
          const source = tensors.get(`state.${index}.${name}`);
          if (source === undefined) {
            this.#freeState(slots, n, k);
          } else {
            this.allocateState(slots, n, k);
            const target = slots.state[n]![k]!;
            // A source that requires grad would otherwise make the state tensor part of a graph.
            noGrad(() => copy_(target, source));
          }
        });
      }
    });
  }

  /**
   * Frees the state and work tensors. The optimizer cannot be used afterwards (a step would silently
   * restart momentum from zero, so it throws instead). Idempotent.
   */
  dispose(): void {
    if (this.#disposed) return;
    for (const slots of this.#slots) {
      for (let n = 0; n < this.#stateNames.length; n++) {
        for (let k = 0; k < slots.params.length; k++) this.#freeState(slots, n, k);
      }
      for (const tensor of slots.scratch) tensor?.dispose();
    }
    this.#disposed = true;
  }

  /** Whether {@link Optimizer.dispose} was called. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /**
   * Fills `slots.hasGrad` and returns how many of the group's parameters have a gradient now.
   *
   * @param slots - the group to scan
   */
  protected scanGrads(slots: GroupSlots): number {
    let count = 0;
    for (let k = 0; k < slots.params.length; k++) {
      const has = hasGradient(slots.params[k]!);
      slots.hasGrad[k] = has;
      if (has) count++;
    }
    return count;
  }

  /**
   * Allocates state tensor `n` of parameter `k` as zeros shaped like the parameter, unless it exists.
   * Returns whether it was new, i.e. whether the kernel must initialise it.
   *
   * @param slots - the parameter's group
   * @param n - index of the state name
   * @param k - index of the parameter in the group
   */
  protected allocateState(slots: GroupSlots, n: number, k: number): boolean {
    const row = slots.state[n]!;
    if (row[k] !== undefined) return false;
    // keep(): the first step usually runs inside a training loop's tidy scope, which must not free state.
    const tensor = keep(zerosLike(slots.tensors[k]!));
    row[k] = tensor;
    slots.stateHandles[n]![k] = tensor.handle;
    slots.allocated.state[n]!++;
    return true;
  }

  /**
   * Allocates the work tensor of parameter `k` (contents undefined) unless it exists.
   *
   * @param slots - the parameter's group
   * @param k - index of the parameter in the group
   */
  protected allocateScratch(slots: GroupSlots, k: number): void {
    if (slots.scratch[k] !== undefined) return;
    const tensor = keep(emptyLike(slots.tensors[k]!));
    slots.scratch[k] = tensor;
    slots.scratchHandles[k] = tensor.handle;
    slots.allocated.scratch++;
  }

  #freeState(slots: GroupSlots, n: number, k: number): void {
    const tensor = slots.state[n]![k];
    if (tensor === undefined) return;
    tensor.dispose();
    slots.state[n]![k] = undefined;
    slots.stateHandles[n]![k] = slots.params[k]!;
    slots.allocated.state[n]!--;
  }

  #hyperJson(group: ParamGroup<H>): Record<string, HyperValue> {
    const json: Record<string, HyperValue> = {};
    for (const key of Object.keys(this.defaults))
      json[key] = copyHyper((group as unknown as Record<string, HyperValue>)[key]!);
    return json;
  }

  #checkUsable(): void {
    if (this.#disposed) throw new Error(`${this.name}: the optimizer was disposed`);
  }
}

/** A copy of a hyper-parameter value, so groups and state dicts never share arrays (betas). */
function copyHyper(value: HyperValue): HyperValue {
  return Array.isArray(value) ? [...value] : value;
}

/** A copy of a set of hyper-parameters with array values copied too. */
function copyHyperParams<H extends HyperParams>(hyper: H): H {
  const copy = { ...hyper };
  for (const key of Object.keys(copy) as (keyof H)[]) copy[key] = copyHyper(copy[key] as HyperValue) as H[keyof H];
  return copy;
}

/** Whether `params` is a list of param groups rather than of tensors (decided by its first item). */
function isGroupList<H extends HyperParams>(params: ParamsInput<H>): params is readonly ParamGroupInput<H>[] {
  const first: unknown = params[0];
  return first !== null && typeof first === 'object' && 'params' in first && !('handle' in first);
}
