/**
 * A user's own TorchScript classifier as a tmu {@link Classifier}: every method, the evaluation and the
 * service run on it like on a built-in architecture.
 *
 * @module
 */

import type { ModuleConversion } from '../nn/module.js';
import { mirrorScript, ScriptModuleError } from '../nn/scriptModule.js';
import {
  type NativeScriptModule,
  noGrad,
  type ScriptFeatureSource,
  type Tensor,
  tidy,
  zeros,
} from '../tensor/index.js';
import { Classifier } from './classifier.js';

/** Options of {@link ScriptClassifier}. */
export interface ScriptClassifierOptions {
  /** The input of one sample, [C, H, W]: checked against the model's output before use. */
  inputShape: readonly number[];
  /** The dataset's number of classes: the width the logits must have. */
  numClasses: number;
  /** The file the module came from, for messages. */
  source: string;
}

/**
 * A TorchScript module as a classifier: `forward` is the module's compiled `forward`; `features` come
 * from its `forward_features` method when it has one, else from the input of the last linear layer of
 * `forward` (found in the compiled graph with submodule calls inlined), else from the logits (a
 * warning says so): {@link featureSource} records which.
 */
export class ScriptClassifier extends Classifier {
  /** The TorchScript module underneath. */
  readonly script: NativeScriptModule;
  /** See {@link ScriptClassifierOptions.inputShape}. */
  readonly inputShape: readonly number[];
  readonly #source: string;
  #featureSize: number | null = null;

  /**
   * Wraps a loaded module after checking it: it has parameters, no NaN weights, takes `[N, ...inputShape]`
   * and gives `[N, numClasses]`.
   *
   * @throws ScriptModuleError naming the file and what is wrong
   */
  constructor(script: NativeScriptModule, options: ScriptClassifierOptions) {
    super();
    this.script = script;
    this.inputShape = [...options.inputShape];
    this.#source = options.source;
    mirrorScript(this, script);
    const fail = (problem: string): never => {
      this.dispose();
      throw new ScriptModuleError(options.source, problem);
    };
    if (this.parameters().length === 0) fail('the module has no parameters: there is nothing to unlearn');
    const nan = [...this.stateDict()].filter(
      ([, t]) => t.dtype.startsWith('float') && tidy(() => t.isnan().any().item()),
    );
    if (nan.length > 0) fail(`NaN values in ${nan.map(([name]) => name).join(', ')}`);
    const wasTraining = this.script.training;
    try {
      this.script.train(false);
      const shape = tidy(() =>
        noGrad(() => {
          let out: Tensor;
          try {
            out = this.script.forward(zeros([2, ...this.inputShape]));
          } catch (error) {
            return fail(
              `the module does not take inputs of shape [N, ${this.inputShape.join(', ')}] (the dataset's): ${(error as Error).message.split('\n')[0]}`,
            );
          }
          return out.shape;
        }),
      );
      if (shape.length !== 2 || shape[0] !== 2 || shape[1] !== options.numClasses)
        fail(
          `the module's output for [2, ${this.inputShape.join(', ')}] inputs has shape [${shape.join(', ')}]; the dataset has ${options.numClasses} classes, so [2, ${options.numClasses}] was expected`,
        );
    } finally {
      this.script.train(wasTraining);
    }
    this.train(wasTraining);
  }

  /** Where {@link features} come from (recorded in summaries). */
  get featureSource(): ScriptFeatureSource {
    return this.script.featureSource;
  }

  /** The width of {@link features}, measured once on a zero input. */
  get featureSize(): number {
    if (this.#featureSize === null) {
      const wasTraining = this.script.training;
      this.script.train(false);
      try {
        this.#featureSize = tidy(() =>
          noGrad(() =>
            this.features(zeros([1, ...this.inputShape]))
              .flatten(1)
              .size(1),
          ),
        );
      } finally {
        this.script.train(wasTraining);
      }
    }
    return this.#featureSize;
  }

  override forward(x: Tensor): Tensor {
    return this.script.forward(x);
  }

  features(x: Tensor): Tensor {
    if (this.featureSource === 'logits' && !warned.has(this.#source)) {
      warned.add(this.#source);
      process.emitWarning(
        `${this.#source}: no forward_features method and no linear layer in forward: TMU's distance features use the logits`,
      );
    }
    return this.script.features(x);
  }

  /** Not separable for a compiled module: {@link featuresAndLogits} runs both. */
  head(_features: Tensor): Tensor {
    throw new TypeError(
      `${this.#source}: a TorchScript classifier has no separate head; use forward or featuresAndLogits`,
    );
  }

  override featuresAndLogits(x: Tensor): [Tensor, Tensor] {
    return [this.features(x), this.forward(x)];
  }

  override train(mode = true): this {
    super.train(mode);
    this.script.train(mode);
    return this;
  }

  override to(_conversion: ModuleConversion): this {
    throw new TypeError(`${this.#source}: a TorchScript module cannot be converted in place; load it on its device`);
  }

  /** Writes the module with its current weights as a TorchScript archive (`torch.jit.load` reads it). */
  save(path: string): void {
    this.script.save(path);
  }
}

const warned = new Set<string>();
