import {
  type Device,
  DTYPES,
  type DType,
  dtypeOfTypedArray,
  isFloatingPoint,
  type TensorData,
  typedArrayFor,
  viewBytes,
} from './dtype.js';
import type { NativeTensor } from './generated/native.js';
import { native } from './native.js';
import { keep, setTensorCheck, trackTensor } from './scope.js';

/** Nested arrays of numbers or booleans, as accepted by {@link tensor}. */
export type NestedArray = number | boolean | readonly NestedArray[];

/**
 * An n-dimensional array on libtorch, with autograd. Most operations are methods (`a.add(b)`) and
 * functions (`add(a, b)`) generated from the op table; see the package index for the full list.
 * Memory is released by {@link Tensor.dispose} or by the enclosing `tidy()` scope.
 */
export class Tensor {
  #handle: NativeTensor;

  private constructor(handle: NativeTensor) {
    this.#handle = handle;
  }

  /** Wraps a handle returned by the addon (and registers it with the open tidy scope). */
  static fromHandle(handle: NativeTensor): Tensor {
    const tensor = new Tensor(handle);
    trackTensor(tensor);
    return tensor;
  }

  /** The native handle. Used by the generated op wrappers. */
  get handle(): NativeTensor {
    return this.#handle;
  }

  /** Sizes of each dimension. */
  get shape(): number[] {
    return native.shapeOf(this.#handle);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get numel(): number {
    return native.numelOf(this.#handle);
  }

  /** Size of one dimension (negative counts from the end). */
  size(dim: number): number {
    const shape = this.shape;
    const index = dim < 0 ? shape.length + dim : dim;
    const size = shape[index];
    if (size === undefined) throw new RangeError(`size: dimension ${dim} out of range for a ${shape.length}-d tensor`);
    return size;
  }

  /** Element type. */
  get dtype(): DType {
    return native.dtypeOf(this.#handle) as DType;
  }

  /** Device, e.g. `cpu`. */
  get device(): string {
    return native.deviceOf(this.#handle);
  }

  /** Whether autograd records operations on this tensor. */
  get requiresGrad(): boolean {
    return native.requiresGradOf(this.#handle);
  }

  /** Sets requiresGrad in place (floating-point tensors only) and returns this tensor. */
  requiresGrad_(requiresGrad = true): this {
    if (requiresGrad && !isFloatingPoint(this.dtype)) {
      throw new TypeError(`requiresGrad_: only floating-point tensors can require grad, this one is ${this.dtype}`);
    }
    native.setRequiresGrad(this.#handle, requiresGrad);
    return this;
  }

  /** Whether this tensor is a leaf of the autograd graph (created by the user, not by an op). */
  get isLeaf(): boolean {
    return native.isLeafOf(this.#handle);
  }

  /** The accumulated gradient, or null before the first backward(). A new handle on the same memory. */
  get grad(): Tensor | null {
    const handle = native.gradOf(this.#handle);
    return handle === null ? null : Tensor.fromHandle(handle);
  }

  set grad(gradient: Tensor | null) {
    native.setGrad(this.#handle, gradient === null ? null : gradient.handle);
  }

  /**
   * Computes gradients of this tensor with respect to the graph leaves, accumulating into their `.grad`.
   * A non-scalar tensor needs `gradient` (the vector in the vector-Jacobian product).
   */
  backward(gradient: Tensor | null = null, options: { retainGraph?: boolean } = {}): void {
    native.backward(this.#handle, gradient === null ? null : gradient.handle, options.retainGraph ?? false);
  }

  /** The value of a one-element tensor as a number. */
  item(): number {
    if (this.numel !== 1) throw new RangeError(`item: the tensor has ${this.numel} elements, not 1`);
    return native.item(this.#handle);
  }

  /** A copy of the elements (row-major) in the typed array of this dtype; bool as 0/1 bytes. */
  toTypedArray(): TensorData {
    return viewBytes(this.dtype, native.toArrayBuffer(this.#handle));
  }

  /** The elements (row-major) as a flat array of numbers (int64 converted; beyond 2^53 loses precision). */
  toArray(): number[] {
    const data = this.toTypedArray();
    return data instanceof BigInt64Array ? Array.from(data, Number) : Array.from(data);
  }

  /** The elements as nested arrays following the shape (a number for 0-d tensors). */
  toNested(): NestedArray {
    const flat = this.toArray();
    const shape = this.shape;
    if (shape.length === 0) return flat[0] ?? 0;
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const size = shape[dim]!;
      const inner = stride / size;
      const out: NestedArray[] = [];
      for (let i = 0; i < size; i++) {
        out.push(dim === shape.length - 1 ? flat[offset + i]! : build(dim + 1, offset + i * inner, inner));
      }
      return out;
    };
    return build(0, 0, flat.length);
  }

  /** Converts to float32. */
  float(): Tensor {
    return Tensor.fromHandle(native.toDtype(this.#handle, 'float32'));
  }

  /** Converts to float64. */
  double(): Tensor {
    return Tensor.fromHandle(native.toDtype(this.#handle, 'float64'));
  }

  /** Converts to int64. */
  long(): Tensor {
    return Tensor.fromHandle(native.toDtype(this.#handle, 'int64'));
  }

  /** Converts to bool. */
  bool(): Tensor {
    return Tensor.fromHandle(native.toDtype(this.#handle, 'bool'));
  }

  /** Frees the tensor's memory now. Later use throws. Idempotent. */
  dispose(): void {
    native.dispose(this.#handle);
  }

  /** Whether dispose() was called. */
  get isDisposed(): boolean {
    return native.isDisposed(this.#handle);
  }

  /** Exempts this tensor from tidy() disposal. Returns it. */
  keep(): this {
    return keep(this);
  }

  /** A short description: shape, dtype, and the first values. */
  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    const values = this.numel <= 8 ? this.toArray() : this.reshape([-1]).slice(0, 0, 8).toArray();
    const more = this.numel > 8 ? ', ...' : '';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, [${values.join(', ')}${more}])`;
  }
}

setTensorCheck((value: unknown): value is Tensor => value instanceof Tensor);

/** A tensor or a number, as the addon takes it for binary ops. */
export function operand(value: Tensor | number | boolean): NativeTensor | number | boolean {
  return value instanceof Tensor ? value.handle : value;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] as NestedArray;
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], dim: number, out: (number | boolean)[], path: number[]): void {
  if (dim === shape.length) {
    if (Array.isArray(data)) throw new TypeError(`tensor: ragged nested array at [${path.join(', ')}]`);
    if (typeof data !== 'number' && typeof data !== 'boolean')
      throw new TypeError(`tensor: element at [${path.join(', ')}] is not a number`);
    out.push(data as number | boolean);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new TypeError(`tensor: ragged nested array at [${path.join(', ')}]: expected ${shape[dim]} elements`);
  }
  for (const [i, item] of (data as NestedArray[]).entries()) flatten(item, shape, dim + 1, out, [...path, i]);
}

/** Options for {@link tensor}. */
export interface TensorOptions {
  /** Element type. Default: the typed array's own, bool for booleans, else float32. */
  dtype?: DType;
  /** Shape. Default: the nested array's shape, or 1-d for a typed array. */
  shape?: readonly number[];
  /** Device. Default cpu. */
  device?: Device;
  /** Whether the new tensor requires grad. */
  requiresGrad?: boolean;
}

/**
 * Creates a tensor from a typed array, nested arrays or a number. Unlike PyTorch, plain JS numbers
 * default to float32 (JS has no int/float distinction); pass `dtype: 'int64'` for class indices.
 * The data is copied.
 */
export function tensor(data: TensorData | NestedArray, options: TensorOptions = {}): Tensor {
  let typed: TensorData;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfTypedArray(data);
    dtype = options.dtype ?? own;
    typed =
      dtype === own || (dtype === 'bool' && own === 'uint8')
        ? data
        : typedArrayFor(dtype, data instanceof BigInt64Array ? Array.from(data, Number) : data);
    shape = options.shape ? [...options.shape] : [data.length];
  } else {
    const inferred = inferShape(data);
    const flat: (number | boolean)[] = [];
    flatten(data, inferred, 0, flat, []);
    dtype = options.dtype ?? (typeof flat[0] === 'boolean' ? 'bool' : 'float32');
    typed = typedArrayFor(dtype, flat);
    shape = options.shape ? [...options.shape] : inferred;
  }
  if (!DTYPES.includes(dtype)) throw new TypeError(`tensor: unknown dtype '${dtype}' (valid: ${DTYPES.join(', ')})`);
  const created = Tensor.fromHandle(native.fromTypedArray(typed, shape, dtype, options.device ?? 'cpu'));
  if (options.requiresGrad) created.requiresGrad_(true);
  return created;
}

/** A 0-d tensor holding one value. */
export function scalar(
  value: number | boolean,
  dtype: DType = typeof value === 'boolean' ? 'bool' : 'float32',
): Tensor {
  return tensor([value], { dtype, shape: [] });
}
