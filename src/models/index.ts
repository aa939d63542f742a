/** Architectures: each a {@link Classifier} with `features(x)` at the penultimate layer. */

export type { ArchitectureName, ArchitectureSpec } from './architecture.js';
export { ARCHITECTURES, checkArchitecture, createModel } from './architecture.js';
export { Classifier } from './classifier.js';
export type { FastTextOptions } from './fastText.js';
export { FastText } from './fastText.js';
export type { MLPOptions } from './mlp.js';
export { MLP } from './mlp.js';
export type { ResNet18Options } from './resnet.js';
export { BasicBlock, ResNet18, scaledWidth } from './resnet.js';
export type { SmallCNNOptions } from './smallCnn.js';
export { SmallCNN } from './smallCnn.js';
