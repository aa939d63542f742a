/** Architectures: each a {@link Classifier} with `features(x)` at the penultimate layer. */
export { Classifier } from './classifier.js';
export { SmallCNN } from './smallCnn.js';
export type { SmallCNNOptions } from './smallCnn.js';
export { ResNet18, BasicBlock, scaledWidth } from './resnet.js';
export type { ResNet18Options } from './resnet.js';
export { MLP } from './mlp.js';
export type { MLPOptions } from './mlp.js';
export { ARCHITECTURES, checkArchitecture, createModel } from './architecture.js';
export type { ArchitectureName, ArchitectureSpec } from './architecture.js';
