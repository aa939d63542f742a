import type { Tensor } from './tensor.js';

// Deterministic memory management, as in TensorFlow.js: every tensor created inside tidy() belongs to
// the innermost open scope and is disposed when that scope closes, unless it is returned (then it moves
// to the enclosing scope) or keep()-ed. Tensors created outside any scope live until dispose().
const scopes: Tensor[][] = [];
const kept = new WeakSet<Tensor>();

/** Called by the tensor layer for every new tensor handle. */
export function trackTensor(tensor: Tensor): void {
  const scope = scopes[scopes.length - 1];
  if (scope !== undefined) scope.push(tensor);
}

/** Exempts a tensor from disposal by every enclosing and future tidy scope. Returns it. */
export function keep<T extends Tensor>(tensor: T): T {
  kept.add(tensor);
  return tensor;
}

/** Whether keep() was called on the tensor. */
export function isKept(tensor: Tensor): boolean {
  return kept.has(tensor);
}

/** Something that holds tensors: a tensor, or arrays, plain objects and maps of them. */
export type TensorContainer =
  | Tensor
  | null
  | undefined
  | number
  | string
  | boolean
  | bigint
  | readonly TensorContainer[]
  | { readonly [key: string]: TensorContainer }
  | ReadonlyMap<unknown, TensorContainer>;

function collectTensors(
  value: unknown,
  into: Set<Tensor>,
  depth: number,
  isTensor: (value: unknown) => value is Tensor,
): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (isTensor(value)) {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectTensors(item, into, depth + 1, isTensor);
  } else if (value instanceof Map) {
    for (const item of value.values()) collectTensors(item, into, depth + 1, isTensor);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collectTensors(item, into, depth + 1, isTensor);
  }
}

let tensorCheck: ((value: unknown) => value is Tensor) | undefined;

/** Registers how to recognise a Tensor (set by tensor.ts; breaks the import cycle). */
export function setTensorCheck(check: (value: unknown) => value is Tensor): void {
  tensorCheck = check;
}

/**
 * Runs `fn` and disposes every tensor it created, except the ones in its result (a tensor, or arrays,
 * plain objects and maps of them) and kept ones. `fn` must be synchronous: an async function would
 * close the scope before its tensors exist.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    for (const tensor of scope) if (!kept.has(tensor)) tensor.dispose();
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const tensor of scope) if (!kept.has(tensor)) tensor.dispose();
    throw new TypeError('tidy: the function returned a Promise; tidy only manages synchronous code');
  }
  const survivors = new Set<Tensor>();
  if (tensorCheck !== undefined) collectTensors(result, survivors, 0, tensorCheck);
  const parent = scopes[scopes.length - 1];
  for (const tensor of scope) {
    if (survivors.has(tensor)) {
      if (parent !== undefined) parent.push(tensor);
    } else if (!kept.has(tensor)) {
      tensor.dispose();
    }
  }
  return result;
}

/** Disposes every tensor in a container (a tensor, arrays, plain objects, maps). */
export function dispose(container: TensorContainer): void {
  const found = new Set<Tensor>();
  if (tensorCheck !== undefined) collectTensors(container, found, 0, tensorCheck);
  for (const tensor of found) tensor.dispose();
}

/** Depth of nested tidy scopes now open (0 outside any). */
export function scopeDepth(): number {
  return scopes.length;
}
