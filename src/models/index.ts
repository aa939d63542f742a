/** Architectures: each a {@link Classifier} with `features(x)` at the penultimate layer. */

export type { ArchitectureName, ArchitectureSpec, ResNetStemName } from './architecture.js';
export { ARCHITECTURES, checkArchitecture, createModel, isResNet, RESNET_STEMS } from './architecture.js';
export { Classifier } from './classifier.js';
export type { FastTextOptions } from './fastText.js';
export { FastText } from './fastText.js';
export type { MLPOptions } from './mlp.js';
export { MLP } from './mlp.js';
export type { ResNetDepth, ResNetOptions, ResNetStem } from './resnet.js';
export { BasicBlock, Bottleneck, RESNET_LAYERS, ResNet, scaledWidth } from './resnet.js';
export type { ScriptClassifierOptions } from './scriptClassifier.js';
export { ScriptClassifier } from './scriptClassifier.js';
export type { SmallCNNOptions } from './smallCnn.js';
export { SmallCNN } from './smallCnn.js';
