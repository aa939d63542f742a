/**
 * Architecture names and specs, without the models themselves, so that flag parsing and help text can
 * name them without loading libtorch.
 *
 * @module
 */

/** Architecture names accepted by `--arch`. */
export const ARCHITECTURES = ['cnn', 'resnet18', 'resnet34', 'resnet50', 'mlp', 'fasttext'] as const;
/**
 * One of {@link ARCHITECTURES}, or `torchscript`: a user's own TorchScript module (brought in with
 * `tmu import`), whose code lives in the archive named by the spec's `file`.
 */
export type ArchitectureName = (typeof ARCHITECTURES)[number] | 'torchscript';

/** Stems of the ResNets: `imagenet` (torchvision's 7x7 conv and max-pool) or `cifar` (3x3 conv, no max-pool). */
export const RESNET_STEMS = ['cifar', 'imagenet'] as const;
/** One of {@link RESNET_STEMS}. */
export type ResNetStemName = (typeof RESNET_STEMS)[number];

/** Whether the architecture is one of the torchvision-layout ResNets. */
export function isResNet(name: ArchitectureName): name is 'resnet18' | 'resnet34' | 'resnet50' {
  return name === 'resnet18' || name === 'resnet34' || name === 'resnet50';
}

/** Everything needed to rebuild a model (stored in the model sidecar). */
export interface ArchitectureSpec {
  name: ArchitectureName;
  /** Input channels of images; for an MLP on feature vectors, the vector's length (with `imageSize` 1). */
  inChannels: number;
  numClasses: number;
  /** Input side in pixels (square inputs); 1 for feature vectors. */
  imageSize: number;
  /** ResNet width multiplier. */
  width?: number;
  /** ResNet stem; absent means `cifar` (tmu's ResNets for 28-32 px images). */
  stem?: ResNetStemName;
  /** TorchScript archive of a `torchscript` model (relative to the model directory in a sidecar). */
  file?: string;
  /** MLP hidden widths. */
  hidden?: number[];
  /** MLP dropout probability after each hidden block (default 0). */
  dropout?: number;
  /** MLP batch normalisation after each hidden linear layer (default false). */
  batchNorm?: boolean;
  /** fastText: vocabulary size, padding included. */
  numTokens?: number;
  /** fastText: embedding width (default 64). */
  embeddingDim?: number;
}

/** Validates a spec read from a file or flags, naming the bad field. */
export function checkArchitecture(value: unknown): ArchitectureSpec {
  const spec = value as Partial<ArchitectureSpec> | null;
  if (spec === null || typeof spec !== 'object') throw new TypeError('architecture: expected an object');
  if (spec.name === 'torchscript') {
    if (typeof spec.file !== 'string' || spec.file === '')
      throw new TypeError('architecture: a torchscript model needs the file of its TorchScript archive');
  } else if (!ARCHITECTURES.includes(spec.name as (typeof ARCHITECTURES)[number])) {
    throw new TypeError(
      `architecture: unknown name '${String(spec.name)}' (valid: ${ARCHITECTURES.join(', ')}, torchscript)`,
    );
  }
  for (const field of ['inChannels', 'numClasses', 'imageSize'] as const) {
    const fieldValue = spec[field];
    if (!Number.isInteger(fieldValue) || (fieldValue as number) < 1)
      throw new TypeError(`architecture: ${field} must be a positive integer, got ${String(fieldValue)}`);
  }
  if (spec.width !== undefined && !(typeof spec.width === 'number' && spec.width > 0))
    throw new TypeError(`architecture: width must be a positive number, got ${String(spec.width)}`);
  if (spec.stem !== undefined && !RESNET_STEMS.includes(spec.stem))
    throw new TypeError(`architecture: stem must be one of ${RESNET_STEMS.join(', ')}, got '${String(spec.stem)}'`);
  if (
    spec.hidden !== undefined &&
    !(Array.isArray(spec.hidden) && spec.hidden.every((w) => Number.isInteger(w) && w > 0))
  ) {
    throw new TypeError('architecture: hidden must be an array of positive integers');
  }
  if (spec.dropout !== undefined && !(typeof spec.dropout === 'number' && spec.dropout >= 0 && spec.dropout < 1))
    throw new TypeError(`architecture: dropout must be a number in [0, 1), got ${String(spec.dropout)}`);
  if (spec.name === 'fasttext' && !(Number.isInteger(spec.numTokens) && (spec.numTokens as number) > 1))
    throw new TypeError(`architecture: fasttext needs numTokens > 1, got ${String(spec.numTokens)}`);
  if (spec.batchNorm !== undefined && typeof spec.batchNorm !== 'boolean')
    throw new TypeError(`architecture: batchNorm must be a boolean, got ${String(spec.batchNorm)}`);
  return spec as ArchitectureSpec;
}
