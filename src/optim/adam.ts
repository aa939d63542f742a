/**
 * Adam (torch.optim.Adam, L2 weight decay added to the gradient); also the implementation AdamW
 * shares, differing only in how weight decay is applied.
 *
 * @module
 */

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

/** Adam's hyper-parameters, per param group. */
export interface AdamHyperParams extends HyperParams {
  /** Decay rates of the first and second moment averages, each in [0, 1). */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Ascend instead of descend. */
  maximize: boolean;
}

/** Options of {@link Adam} and AdamW; every one has a default. */
export type AdamOptions = Partial<AdamHyperParams>;

const ADAM_KEYS: readonly (keyof AdamHyperParams)[] = ['lr', 'betas', 'eps', 'weightDecay', 'maximize'];

/**
 * torch.optim.Adam (without amsgrad). Per parameter `p` with gradient `g` (negated when maximizing)
 * and its own step count `t`: `g += weightDecay * p`; `m = beta1 m + (1 - beta1) g`;
 * `v = beta2 v + (1 - beta2) g^2`; `p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)`.
 * Parameters without a gradient are skipped: their step count does not advance.
 */
export class Adam extends Optimizer<AdamHyperParams> {
  /** The name recorded in state dicts; subclasses that change the rule override it. */
  static readonly optimizerName: string = 'Adam';
  /** Weight decay used when the options do not give one. */
  static readonly defaultWeightDecay: number = 0;
  /** Whether weight decay shrinks the parameter directly (AdamW) instead of adding to the gradient. */
  static readonly decoupledWeightDecay: boolean = false;

  readonly #decoupled: boolean;

  /**
   * @param params - parameters, or param groups with their own hyper-parameters
   * @param options - hyper-parameters (defaults for all groups): lr 1e-3, betas [0.9, 0.999], eps 1e-8,
   *   weightDecay 0 (AdamW: 0.01), maximize false
   */
  constructor(params: ParamsInput<AdamHyperParams>, options: AdamOptions = {}) {
    // The statics of the class actually constructed (Adam or AdamW) pick the variant, so AdamW needs
    // no constructor of its own.
    const variant = new.target as typeof Adam;
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${variant.optimizerName}: options must be an object`);
    checkKnownKeys(variant.optimizerName, options, ADAM_KEYS);
    const defaults = withDefaults<AdamHyperParams>(
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: variant.defaultWeightDecay, maximize: false },
      options,
    );
    super(variant.optimizerName, params, defaults, ['exp_avg', 'exp_avg_sq']);
    this.#decoupled = variant.decoupledWeightDecay;
  }

  /** Applies torch.optim.Adam's argument checks to one group. */
  protected override validateHyperParams(hyper: AdamHyperParams): void {
    checkNumber(this.name, 'learning rate', hyper.lr);
    checkNumber(this.name, 'epsilon', hyper.eps);
    checkNumber(this.name, 'weight decay', hyper.weightDecay);
    checkBoolean(this.name, 'maximize', hyper.maximize);
    const betas: unknown = hyper.betas;
    if (!Array.isArray(betas) || betas.length !== 2)
      throw new TypeError(`${this.name}: betas must be a pair [beta1, beta2], got ${JSON.stringify(betas)}`);
    betas.forEach((beta: unknown, i) => {
      if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) {
        throw new RangeError(`${this.name}: invalid beta${i + 1} ${String(beta)} (betas[${i}] must be in [0, 1))`);
      }
    });
  }

  /** One Adam update of a group through the fused kernel. */
  protected override stepGroup(group: ParamGroup<AdamHyperParams>, slots: GroupSlots): void {
    const { lr, betas, eps, weightDecay, maximize } = group;
    // Step counts are per parameter (PyTorch's state['step']), so which parameters have a gradient
    // must be known every step.
    if (this.scanGrads(slots) === 0) return;
    let step = -1;
    let mixed = false;
    for (let k = 0; k < slots.params.length; k++) {
      if (!slots.hasGrad[k]) continue;
      this.allocateState(slots, 0, k);
      this.allocateState(slots, 1, k);
      this.allocateScratch(slots, k);
      const own = ++slots.steps[k]!;
      if (step < 0) step = own;
      else if (own !== step) mixed = true;
    }
    if (!mixed) {
      // Parameters without a gradient still hold placeholders here; the kernel skips them.
      native.adamStep(
        slots.params,
        slots.stateHandles[0]!,
        slots.stateHandles[1]!,
        slots.scratchHandles,
        step,
        lr,
        betas[0],
        betas[1],
        eps,
        weightDecay,
        this.#decoupled,
        maximize,
      );
      return;
    }
    // Parameters that joined later (or were skipped) are at other step counts: one call per count.
    for (const t of new Set(slots.steps.filter((_, k) => slots.hasGrad[k]))) {
      const pick = <T>(items: readonly T[]): T[] => items.filter((_, k) => slots.hasGrad[k] && slots.steps[k] === t);
      native.adamStep(
        pick(slots.params),
        pick(slots.stateHandles[0]!),
        pick(slots.stateHandles[1]!),
        pick(slots.scratchHandles),
        t,
        lr,
        betas[0],
        betas[1],
        eps,
        weightDecay,
        this.#decoupled,
        maximize,
      );
    }
  }
}
