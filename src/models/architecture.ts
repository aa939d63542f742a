import { loadScript, resetScriptParameters } from '../nn/scriptModule.js';
import type { ArchitectureSpec } from './architectureSpec.js';
import type { Classifier } from './classifier.js';
import { FastText } from './fastText.js';
import { MLP } from './mlp.js';
import { ResNet } from './resnet.js';
import { ScriptClassifier } from './scriptClassifier.js';
import { SmallCNN } from './smallCnn.js';

export {
  ARCHITECTURES,
  type ArchitectureName,
  type ArchitectureSpec,
  checkArchitecture,
  isResNet,
  RESNET_STEMS,
  type ResNetStemName,
} from './architectureSpec.js';

/**
 * Builds a freshly initialised model (initialisation draws from libtorch's global generator). A
 * `torchscript` model is loaded from `spec.file` and re-initialised with PyTorch's default per layer type.
 */
export function createModel(spec: ArchitectureSpec): Classifier {
  switch (spec.name) {
    case 'fasttext':
      return new FastText({
        numTokens: spec.numTokens ?? 2,
        numClasses: spec.numClasses,
        ...(spec.embeddingDim === undefined ? {} : { embeddingDim: spec.embeddingDim }),
        ...(spec.hidden ? { hidden: spec.hidden } : {}),
      });
    case 'torchscript': {
      const file = spec.file ?? '';
      const model = new ScriptClassifier(loadScript(file), {
        inputShape: [spec.inChannels, spec.imageSize, spec.imageSize],
        numClasses: spec.numClasses,
        source: file,
      });
      resetScriptParameters(model);
      return model;
    }
    case 'cnn':
      return new SmallCNN({ inChannels: spec.inChannels, numClasses: spec.numClasses, imageSize: spec.imageSize });
    case 'resnet18':
    case 'resnet34':
    case 'resnet50':
      return new ResNet({
        depth: spec.name === 'resnet18' ? 18 : spec.name === 'resnet34' ? 34 : 50,
        inChannels: spec.inChannels,
        numClasses: spec.numClasses,
        stem: spec.stem ?? 'cifar',
        width: spec.width ?? 1,
      });
    case 'mlp':
      return new MLP({
        inFeatures: spec.inChannels * spec.imageSize * spec.imageSize,
        numClasses: spec.numClasses,
        ...(spec.hidden ? { hidden: spec.hidden } : {}),
        ...(spec.dropout === undefined ? {} : { dropout: spec.dropout }),
        ...(spec.batchNorm === undefined ? {} : { batchNorm: spec.batchNorm }),
      });
  }
}
