/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum, L2 weight decay and
 * maximisation: torch.optim.SGD.
 *
 * @module
 */

import type { NativeTensor } from '../tensor/generated/native.js';
import { native } from '../tensor/native.js';
import {
  checkBoolean,
  checkKnownKeys,
  checkNumber,
  type GroupSlots,
  type HyperParams,
  Optimizer,
  type ParamGroup,
  type ParamsInput,
  withDefaults,
} from './optimizer.js';

/** SGD's hyper-parameters, per param group. */
export interface SGDHyperParams extends HyperParams {
  /** Momentum factor (0: plain SGD). */
  momentum: number;
  /** Dampening for momentum: the new gradient enters the buffer scaled by `1 - dampening`. */
  dampening: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Ascend instead of descend (gradient ascent, e.g. on a forget set). */
  maximize: boolean;
}

/** Options of {@link SGD}: `lr` is required, as in PyTorch; the rest default to 0 / false. */
export type SGDOptions = Pick<SGDHyperParams, 'lr'> & Partial<SGDHyperParams>;

const SGD_KEYS: readonly (keyof SGDHyperParams)[] = [
  'lr',
  'momentum',
  'dampening',
  'weightDecay',
  'nesterov',
  'maximize',
];

/**
 * torch.optim.SGD. Per parameter `p` with gradient `g` (negated when maximizing):
 * `g += weightDecay * p`; with momentum, `buf = momentum * buf + (1 - dampening) * g` (on the first
 * update `buf = g`), then `g = nesterov ? g + momentum * buf : buf`; finally `p -= lr * g`.
 * Parameters without a gradient are skipped and keep no state.
 */
export class SGD extends Optimizer<SGDHyperParams> {
  /**
   * @param params - parameters, or param groups with their own hyper-parameters
   * @param options - hyper-parameters (defaults for all groups)
   */
  constructor(params: ParamsInput<SGDHyperParams>, options: SGDOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('SGD: options {lr, ...} are required');
    checkKnownKeys('SGD', options, SGD_KEYS);
    if (options.lr === undefined) throw new TypeError('SGD: lr is required');
    const defaults = withDefaults<SGDHyperParams>(
      { lr: options.lr, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
      options,
    );
    super('SGD', params, defaults, ['momentum_buffer']);
  }

  /** Applies torch.optim.SGD's argument checks to one group. */
  protected override validateHyperParams(hyper: SGDHyperParams): void {
    checkNumber('SGD', 'learning rate', hyper.lr);
    checkNumber('SGD', 'momentum', hyper.momentum);
    checkNumber('SGD', 'dampening', hyper.dampening);
    checkNumber('SGD', 'weight decay', hyper.weightDecay);
    checkBoolean('SGD', 'nesterov', hyper.nesterov);
    checkBoolean('SGD', 'maximize', hyper.maximize);
    if (hyper.nesterov && (hyper.momentum <= 0 || hyper.dampening !== 0)) {
      throw new RangeError(
        `SGD: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${hyper.momentum}, dampening ${hyper.dampening})`,
      );
    }
  }

  /** One SGD update of a group through the fused kernel. */
  protected override stepGroup(group: ParamGroup<SGDHyperParams>, slots: GroupSlots): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    const count = slots.params.length;
    // The kernel needs a work tensor only when the gradient must not be modified in place.
    const needsScratch = weightDecay !== 0 || nesterov || maximize;

    // Steady state: every buffer and work tensor exists, so nothing is initialised and one call does it.
    if (
      (momentum === 0 || slots.allocated.state[0] === count) &&
      (!needsScratch || slots.allocated.scratch === count)
    ) {
      native.sgdStep(
        slots.params,
        slots.stateHandles[0]!,
        slots.scratchHandles,
        lr,
        momentum,
        dampening,
        weightDecay,
        nesterov,
        maximize,
        false,
      );
      return;
    }

    // Some parameter is updated for the first time: its buffer starts as its gradient (PyTorch's
    // first-step rule, the kernel's firstStep flag), while others' buffers continue.
    this.scanGrads(slots);
    const isFresh = slots.hasGrad.map(() => false);
    let fresh = 0;
    let continuing = 0;
    for (let k = 0; k < count; k++) {
      if (!slots.hasGrad[k]) continue;
      if (needsScratch) this.allocateScratch(slots, k);
      if (momentum === 0) continue;
      if (this.allocateState(slots, 0, k)) {
        isFresh[k] = true;
        fresh++;
      } else {
        continuing++;
      }
    }
    const run = (params: NativeTensor[], buffers: NativeTensor[], scratch: NativeTensor[], firstStep: boolean): void =>
      native.sgdStep(params, buffers, scratch, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);
    if (fresh === 0 || continuing === 0) {
      run(slots.params, slots.stateHandles[0]!, slots.scratchHandles, fresh > 0);
      return;
    }
    for (const firstStep of [true, false]) {
      const pick = <T>(items: readonly T[]): T[] =>
        items.filter((_, k) => slots.hasGrad[k] && isFresh[k] === firstStep);
      run(pick(slots.params), pick(slots.stateHandles[0]!), pick(slots.scratchHandles), firstStep);
    }
  }
}
