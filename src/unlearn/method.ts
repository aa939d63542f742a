import type { z } from 'zod';
import type { UnlearnContext, UnlearnResult } from './context.js';

/** Any method's parameter schema: a zod object whose every field has a default. */
export type ParamsSchema = z.ZodObject<z.ZodRawShape>;

/**
 * What a method's {@link UnlearningMethod.prepare} step built or found for a model: the state it amortises
 * across that model's deletion requests.
 */
export interface MethodPreparation {
  /** Seconds the step took (about 0 when everything was cached). */
  seconds: number;
  /** Whether everything was found in the model's cache (nothing was built). */
  reused: boolean;
  /** The method's own account of what it prepared (for TMU: the twin's and the predictor's). */
  summary: Record<string, unknown>;
}

/**
 * An unlearning method: a name, a parameter schema with defaults, a description with its reference,
 * and `unlearn(ctx, params)`, which returns a new model and leaves Mo intact.
 */
export interface UnlearningMethod<S extends ParamsSchema = ParamsSchema> {
  /** Registry name, e.g. `tmu`, `finetune`. */
  readonly name: string;
  /** One-paragraph description: what it does and why. */
  readonly description: string;
  /** The paper it follows. */
  readonly reference: string;
  /** Hyper-parameters, every one with a validated default. */
  readonly params: S;
  unlearn(ctx: UnlearnContext, params: z.infer<S>): UnlearnResult;
  /**
   * Builds, or finds cached beside the model, what the method reuses across the model's deletion
   * requests (TMU's twin and predictor), so that the first request costs what later ones do. Called with
   * the model's own context (no forget set) and the parameters and seed the requests will use. Methods
   * with nothing to amortise leave it out.
   */
  prepare?(ctx: UnlearnContext, params: z.infer<S>): MethodPreparation;
}

/** Declares a method with its schema's types flowing into `unlearn`. */
export function defineMethod<S extends ParamsSchema>(method: UnlearningMethod<S>): UnlearningMethod<S> {
  return method;
}
