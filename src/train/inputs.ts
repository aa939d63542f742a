import type { Batch } from '../data/batches.js';
import { type Tensor, tensor } from '../tensor/index.js';

/** A batch as tensors: normalised float32 inputs [N, C, H, W] and int64 class indices [N]. */
export interface BatchTensors {
  inputs: Tensor;
  labels: Tensor;
}

/** Moves a data batch into tensors (one copy each). */
export function batchTensors(batch: Batch): BatchTensors {
  const labels = new BigInt64Array(batch.labels.length);
  for (let i = 0; i < labels.length; i++) labels[i] = BigInt(batch.labels[i]!);
  return {
    inputs: tensor(batch.inputs, { shape: batch.shape }),
    labels: tensor(labels, { shape: [labels.length] }),
  };
}
