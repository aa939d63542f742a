import type { z } from 'zod';
import type { UnlearnContext, UnlearnResult } from './context.js';

/** Any method's parameter schema: a zod object whose every field has a default. */
export type ParamsSchema = z.ZodObject<z.ZodRawShape>;

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
}

/** Declares a method with its schema's types flowing into `unlearn`. */
export function defineMethod<S extends ParamsSchema>(method: UnlearningMethod<S>): UnlearningMethod<S> {
  return method;
}
