/**
 * The losses the unlearning methods share.
 *
 * @module
 */

import type { Batch } from '../data/batches.js';
import type { Classifier } from '../models/classifier.js';
import { crossEntropy, klDiv, logSoftmax, type Tensor } from '../tensor/index.js';
import { batchTensors } from '../train/inputs.js';

/** Mean cross-entropy of the model on a batch under the batch's labels. */
export function classificationLoss(model: Classifier, batch: Batch): Tensor {
  const { inputs, labels } = batchTensors(batch);
  return crossEntropy(model.forward(inputs), labels);
}

/**
 * Distillation loss KL(teacher || student) at temperature T, averaged over the batch and scaled by T^2
 * (Hinton et al.; SCRUB's DistillKL).
 */
export function distillKL(studentLogits: Tensor, teacherLogits: Tensor, temperature: number): Tensor {
  const student = logSoftmax(studentLogits.div(temperature), 1);
  const teacher = logSoftmax(teacherLogits.div(temperature), 1);
  return klDiv(student, teacher, 'batchmean', true).mul(temperature * temperature);
}
