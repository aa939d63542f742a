import { BatchNorm2d } from '../nn/batchNorm2d.js';
import { consume, forwardReleasing } from '../nn/consume.js';
import { Conv2d } from '../nn/conv2d.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import type { Tensor } from '../tensor/index.js';
import { adaptiveAvgPool2d } from '../tensor/index.js';
import { Classifier } from './classifier.js';

/** Channel count scaled by the width multiplier, rounded half up (as bench/torch_models.py). */
export function scaledWidth(planes: number, width: number): number {
  return Math.max(1, Math.floor(planes * width + 0.5));
}

/** ResNet basic block: relu(bn1(conv1 x)) -> bn2(conv2 .) + shortcut(x) -> relu. */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly shortcut: Sequential;

  constructor(inPlanes: number, planes: number, stride: number) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { stride: 1, padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    // A projection only where the shape changes; otherwise the identity (an empty Sequential, as in PyTorch).
    this.shortcut = this.registerModule(
      'shortcut',
      stride !== 1 || inPlanes !== planes
        ? new Sequential(new Conv2d(inPlanes, planes, 1, { stride, bias: false }), new BatchNorm2d(planes))
        : new Sequential(),
    );
  }

  forward(x: Tensor): Tensor {
    // Each intermediate is released once consumed (see consume()); x belongs to the caller.
    let out = consume(this.conv1.forward(x), (t) => this.bn1.forward(t));
    out = consume(out, (t) => t.relu());
    out = consume(out, (t) => this.conv2.forward(t));
    out = consume(out, (t) => this.bn2.forward(t));
    const shortcut = forwardReleasing(this.shortcut, x);
    out = consume(out, (t) => t.add(shortcut));
    if (shortcut !== x) shortcut.dispose();
    return consume(out, (t) => t.relu());
  }
}

/** Options of {@link ResNet18}. */
export interface ResNet18Options {
  inChannels: number;
  numClasses: number;
  /** Width multiplier on 64/128/256/512 channels; default 1. */
  width?: number;
}

/**
 * ResNet-18 with the CIFAR stem (3x3 conv, stride 1, no max-pool), as in kuangliu/pytorch-cifar and the
 * unlearning literature, with a width multiplier. Features = the globally pooled last stage.
 */
export class ResNet18 extends Classifier {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: Sequential[];
  readonly linear: Linear;
  readonly featureSize: number;

  constructor(options: ResNet18Options) {
    super();
    const width = options.width ?? 1;
    if (!(width > 0)) throw new RangeError(`ResNet18: width must be positive, got ${width}`);
    const channels = [64, 128, 256, 512].map((planes) => scaledWidth(planes, width));
    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d(options.inChannels, channels[0]!, 3, { stride: 1, padding: 1, bias: false }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(channels[0]!));
    let inPlanes = channels[0]!;
    this.stages = channels.map((planes, index) => {
      const stride = index === 0 ? 1 : 2;
      const stage = new Sequential(new BasicBlock(inPlanes, planes, stride), new BasicBlock(planes, planes, 1));
      inPlanes = planes;
      return this.registerModule(`layer${index + 1}`, stage);
    });
    this.linear = this.registerModule('linear', new Linear(channels[3]!, options.numClasses));
    this.featureSize = channels[3]!;
  }

  features(x: Tensor): Tensor {
    let out = consume(this.conv1.forward(x), (t) => this.bn1.forward(t));
    out = consume(out, (t) => t.relu());
    for (const stage of this.stages) out = consume(out, (t) => forwardReleasing(stage, t));
    out = consume(out, (t) => adaptiveAvgPool2d(t, [1, 1]));
    return consume(out, (t) => t.flatten(1));
  }

  head(features: Tensor): Tensor {
    return this.linear.forward(features);
  }
}
