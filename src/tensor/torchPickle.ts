/**
 * Writing a dict of tensors in the format of `torch.save` (a zip archive holding a pickle and the raw
 * storages), through libtorch's own pickler, so that `torch.load` in Python reads it.
 *
 * @module
 */

import { native } from './native.js';
import type { Tensor } from './tensor.js';

/** The bytes of `torch.save(dict)` for these tensors (copied to the CPU, detached), in map order. */
export function encodeTorchSave(tensors: ReadonlyMap<string, Tensor>): Uint8Array {
  const names = [...tensors.keys()];
  const handles = [...tensors.values()].map((tensor) => tensor.handle);
  return new Uint8Array(native.pickleSaveTensors(names, handles));
}
