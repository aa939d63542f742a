/** Element types a tmu tensor can hold (PyTorch's names, lower case). */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

/** Where a tensor lives. `cuda` needs an addon built against a CUDA libtorch (`LIBTORCH=/dir`). */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** How a loss reduces its per-element values. */
export type Reduction = 'none' | 'mean' | 'sum';

/** Typed arrays that move data in and out of tensors without conversion. */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** All dtypes, for validation and help texts. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool'];

/** True for the floating-point dtypes, the only ones that can require grad. */
export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** The dtype a typed array maps to without conversion. */
export function dtypeOfTypedArray(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

/** Copies numbers (or booleans) into the typed array that holds `dtype`. */
export function typedArrayFor(dtype: DType, values: ArrayLike<number | boolean>): TensorData {
  const length = values.length;
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values as ArrayLike<number>, Number);
    case 'float64':
      return Float64Array.from(values as ArrayLike<number>, Number);
    case 'int32':
      return Int32Array.from(values as ArrayLike<number>, Number);
    case 'uint8':
      return Uint8Array.from(values as ArrayLike<number>, Number);
    case 'bool':
      return Uint8Array.from(values as ArrayLike<number>, (value) => (value ? 1 : 0));
    case 'int64': {
      const out = new BigInt64Array(length);
      for (let i = 0; i < length; i++) {
        const value = Number(values[i]);
        if (!Number.isInteger(value))
          throw new TypeError(`tensor: int64 data must be integers, got ${values[i]} at index ${i}`);
        out[i] = BigInt(value);
      }
      return out;
    }
  }
}

/** Wraps raw bytes returned by the addon in the typed array for `dtype` (bool as 0/1 bytes). */
export function viewBytes(dtype: DType, buffer: ArrayBuffer): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
  }
}
