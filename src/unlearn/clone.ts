import { type ArchitectureSpec, createModel } from '../models/architecture.js';
import type { Classifier } from '../models/classifier.js';

/** A new model with the same architecture and a copy of `model`'s weights and buffers. */
export function cloneClassifier(model: Classifier, architecture: ArchitectureSpec): Classifier {
  const copy = createModel(architecture);
  copy.loadStateDict(model.stateDict(), { strict: true });
  copy.train(model.training);
  return copy;
}
