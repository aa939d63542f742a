import type { UnlearningMethod } from './method.js';

const methods = new Map<string, UnlearningMethod>();

/** Adds a method to the registry (names are unique). */
export function registerMethod(method: UnlearningMethod): void {
  if (methods.has(method.name)) throw new Error(`unlearning method '${method.name}' is already registered`);
  methods.set(method.name, method);
}

/** The method of that name, or an error listing the registered ones. */
export function getMethod(name: string): UnlearningMethod {
  const method = methods.get(name);
  if (!method)
    throw new RangeError(`unknown unlearning method '${name}' (available: ${[...methods.keys()].join(', ')})`);
  return method;
}

/** All registered methods, in registration order. */
export function listMethods(): UnlearningMethod[] {
  return [...methods.values()];
}
