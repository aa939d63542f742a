/**
 * ResNet-18/34/50 in torchvision's exact layout (`torchvision.models.resnet*`): the same module names,
 * so a state dict moves between tmu and PyTorch unchanged, with the ImageNet stem or the CIFAR stem.
 *
 * @module
 */

import { BatchNorm2d } from '../nn/batchNorm2d.js';
import { consume, forwardReleasing } from '../nn/consume.js';
import { Conv2d } from '../nn/conv2d.js';
import { kaimingNormal_ } from '../nn/init.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import type { Tensor } from '../tensor/index.js';
import { adaptiveAvgPool2d, maxPool2d } from '../tensor/index.js';
import { Classifier } from './classifier.js';

/** Channel count scaled by the width multiplier, rounded half up (as bench/torch_models.py). */
export function scaledWidth(planes: number, width: number): number {
  return Math.max(1, Math.floor(planes * width + 0.5));
}

/** The ResNet depths tmu builds, with torchvision's blocks per stage. */
export const RESNET_LAYERS = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3] } as const;
/** One of the depths of {@link RESNET_LAYERS}. */
export type ResNetDepth = keyof typeof RESNET_LAYERS;

/**
 * The stem: `imagenet` is torchvision's (7x7 conv, stride 2, then a 3x3 max-pool, stride 2), for images of
 * about 224 px; `cifar` is a 3x3 conv, stride 1, no max-pool, for 28-32 px images (as the unlearning
 * literature's CIFAR ResNets). The stem has no parameters beside `conv1`, so the state-dict keys are the
 * same; only `conv1.weight`'s kernel differs.
 */
export type ResNetStem = 'imagenet' | 'cifar';

/** Adds `shortcut` to a block's main path and applies the final ReLU, releasing what it consumes. */
function residual(main: Tensor, downsample: Sequential | null, x: Tensor): Tensor {
  const shortcut = downsample === null ? x : forwardReleasing(downsample, x);
  const sum = consume(main, (t) => t.add(shortcut));
  if (shortcut !== x) shortcut.dispose();
  return consume(sum, (t) => t.relu());
}

/** The downsampling projection of torchvision (`downsample.0` conv 1x1, `downsample.1` BatchNorm). */
function projection(inPlanes: number, outPlanes: number, stride: number): Sequential {
  return new Sequential(new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false }), new BatchNorm2d(outPlanes));
}

/** torchvision's BasicBlock (ResNet-18/34): two 3x3 convs; `downsample` only where the shape changes. */
export class BasicBlock extends Module {
  /** Output channels per input `planes`. */
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride: number) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.downsample =
      stride !== 1 || inPlanes !== planes
        ? this.registerModule('downsample', projection(inPlanes, planes, stride))
        : null;
  }

  forward(x: Tensor): Tensor {
    // Each intermediate is released once consumed (see consume()); x belongs to the caller.
    let out = consume(this.conv1.forward(x), (t) => this.bn1.forward(t));
    out = consume(out, (t) => t.relu());
    out = consume(out, (t) => this.conv2.forward(t));
    out = consume(out, (t) => this.bn2.forward(t));
    return residual(out, this.downsample, x);
  }
}

/**
 * torchvision's Bottleneck (ResNet-50, "v1.5"): 1x1 reduce, 3x3 with the stride, 1x1 expand by 4.
 */
export class Bottleneck extends Module {
  /** Output channels per input `planes`. */
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride: number) {
    super();
    const outPlanes = planes * Bottleneck.expansion;
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, planes, 1, { bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { stride, padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.registerModule('conv3', new Conv2d(planes, outPlanes, 1, { bias: false }));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(outPlanes));
    this.downsample =
      stride !== 1 || inPlanes !== outPlanes
        ? this.registerModule('downsample', projection(inPlanes, outPlanes, stride))
        : null;
  }

  forward(x: Tensor): Tensor {
    let out = consume(this.conv1.forward(x), (t) => this.bn1.forward(t));
    out = consume(out, (t) => t.relu());
    out = consume(out, (t) => this.conv2.forward(t));
    out = consume(out, (t) => this.bn2.forward(t));
    out = consume(out, (t) => t.relu());
    out = consume(out, (t) => this.conv3.forward(t));
    out = consume(out, (t) => this.bn3.forward(t));
    return residual(out, this.downsample, x);
  }
}

/** Options of {@link ResNet}. */
export interface ResNetOptions {
  /** 18, 34 or 50. */
  depth: ResNetDepth;
  /** Input channels; torchvision's models take 3. */
  inChannels: number;
  numClasses: number;
  /** Default `imagenet` (torchvision's). */
  stem?: ResNetStem;
  /** Width multiplier on 64/128/256/512 channels; default 1 (torchvision's). */
  width?: number;
}

/**
 * A torchvision ResNet: `conv1`, `bn1`, (ReLU, max-pool with the ImageNet stem), `layer1`..`layer4`,
 * global average pooling, `fc`. Features = the pooled last stage. Initialised as torchvision does
 * (Kaiming normal, fan-out, for convolutions; BatchNorm weight 1, bias 0; PyTorch's default for `fc`).
 */
export class ResNet extends Classifier {
  readonly depth: ResNetDepth;
  readonly stem: ResNetStem;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: Sequential[];
  readonly fc: Linear;
  readonly featureSize: number;

  constructor(options: ResNetOptions) {
    super();
    const width = options.width ?? 1;
    if (!(width > 0)) throw new RangeError(`ResNet: width must be positive, got ${width}`);
    const layers = RESNET_LAYERS[options.depth];
    if (layers === undefined)
      throw new RangeError(
        `ResNet: depth must be one of ${Object.keys(RESNET_LAYERS).join(', ')}, got ${options.depth}`,
      );
    this.depth = options.depth;
    this.stem = options.stem ?? 'imagenet';
    const Block = options.depth === 50 ? Bottleneck : BasicBlock;
    const channels = [64, 128, 256, 512].map((planes) => scaledWidth(planes, width));
    const stemConv =
      this.stem === 'imagenet'
        ? new Conv2d(options.inChannels, channels[0]!, 7, { stride: 2, padding: 3, bias: false })
        : new Conv2d(options.inChannels, channels[0]!, 3, { stride: 1, padding: 1, bias: false });
    this.conv1 = this.registerModule('conv1', stemConv);
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(channels[0]!));
    let inPlanes = channels[0]!;
    this.stages = channels.map((planes, index) => {
      const stage = new Sequential();
      for (let block = 0; block < layers[index]!; block++) {
        stage.append(new Block(inPlanes, planes, block === 0 && index > 0 ? 2 : 1));
        inPlanes = planes * Block.expansion;
      }
      return this.registerModule(`layer${index + 1}`, stage);
    });
    this.fc = this.registerModule('fc', new Linear(inPlanes, options.numClasses));
    this.featureSize = inPlanes;
    for (const module of this.modules()) {
      if (module instanceof Conv2d) kaimingNormal_(module.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    }
  }

  features(x: Tensor): Tensor {
    let out = consume(this.conv1.forward(x), (t) => this.bn1.forward(t));
    out = consume(out, (t) => t.relu());
    if (this.stem === 'imagenet') out = consume(out, (t) => maxPool2d(t, 3, 2, 1));
    for (const stage of this.stages) out = consume(out, (t) => forwardReleasing(stage, t));
    out = consume(out, (t) => adaptiveAvgPool2d(t, [1, 1]));
    return consume(out, (t) => t.flatten(1));
  }

  head(features: Tensor): Tensor {
    return this.fc.forward(features);
  }
}
